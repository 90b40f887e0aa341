"""Validated ingest of a CRM export into the data contract (see README "Data contract")."""

from features.ingest.run import TableResult, ingest_all, ingest_table

__all__ = ["TableResult", "ingest_all", "ingest_table"]
