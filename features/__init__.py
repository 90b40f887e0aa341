"""Data contract, ingest, point-in-time snapshots and feature definitions."""
