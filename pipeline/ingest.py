"""`leadscore ingest`: validate the CRM export into data/interim/, data/quarantine/ and a report."""

from __future__ import annotations

import argparse
import logging

from features.ingest import ingest_all
from features.ingest.run import DEFAULT_BATCH_ROWS, REPORT_PATH
from pipeline.params import load_params, section

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    params = load_params(args.params)
    report = ingest_all(
        paths=section(params, "ingest.paths"),
        dayfirst=bool(section(params, "ingest.dayfirst")),
        extra_activity_types=section(params, "ingest").get("extra_activity_types") or [],
        batch_rows=int(section(params, "ingest").get("batch_rows") or DEFAULT_BATCH_ROWS),
    )
    quarantined = sum(t["quarantined"] for t in report["tables"].values())
    log.info("ingest done: %d rows quarantined, counts in %s", quarantined, REPORT_PATH)
    return 0
