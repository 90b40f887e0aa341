"""`leadscore report`: reports/metrics.json (the DVC metrics file) and reports/report.html.

metrics.json merges every reports/metrics/*.json; pipeline.report_page renders the HTML.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from features.errors import LeadscoreError
from pipeline.outputs import write_json, write_text
from pipeline.report_page import render_report

log = logging.getLogger(__name__)

REPORTS = Path("reports")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    metrics = merge_metrics(REPORTS / "metrics")
    write_json(REPORTS / "metrics.json", metrics)
    write_text(REPORTS / "report.html", render_report(metrics, REPORTS))
    log.info("wrote %s and %s", REPORTS / "metrics.json", REPORTS / "report.html")
    return 0


def merge_metrics(metrics_dir: Path) -> dict[str, Any]:
    """The union of every metrics file; the same key with two values is an error."""
    files = sorted(metrics_dir.glob("*.json"))
    if not files:
        raise LeadscoreError(f"{metrics_dir}: no metrics files; run train and economics first")
    merged: dict[str, Any] = {}
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            raise LeadscoreError(
                f"{path}: not valid JSON; rerun the stage that writes it"
            ) from None
        _merge_into(merged, data, path, ())
    return merged


def _merge_into(target: dict, source: dict, path: Path, where: tuple[str, ...]) -> None:
    for key, value in source.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge_into(target[key], value, path, (*where, key))
        elif key in target and target[key] != value:
            dotted = ".".join((*where, key))
            raise LeadscoreError(f"{path}: metric '{dotted}' is also written by another file")
        else:
            target[key] = value
