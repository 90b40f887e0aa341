"""`leadscore featurize`: snapshots, censoring, out-of-time split and the feature matrices."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any

import pandas as pd

from features.build import build_feature_matrix, catalog_for
from features.catalog import catalog_markdown
from features.contract import INTERIM_DIR
from features.errors import LeadscoreError
from features.snapshots import (
    as_of_calendar,
    build_snapshots,
    cap_snapshots_per_lead,
    history_bounds,
    snapshot_counts,
)
from features.split import LEAD_RULE, WINDOWS, assign_windows, split_windows
from pipeline.outputs import write_json, write_parquet, write_text
from pipeline.params import load_params, section

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--interim-dir", default=INTERIM_DIR, help="ingested Parquet tables")
    parser.add_argument("--out-dir", default="data/features", help="where the feature sets go")
    parser.add_argument("--reports-dir", default="reports", help="features.md, snapshots.json")


def _read(interim_dir: Path, table: str, columns: list[str]) -> pd.DataFrame:
    path = interim_dir / f"{table}.parquet"
    if not path.exists():
        raise LeadscoreError(f"{path}: not found; run `leadscore ingest` first")
    try:
        return pd.read_parquet(path, columns=columns)
    except (KeyError, ValueError) as exc:
        raise LeadscoreError(
            f"{path}: needs columns {columns}; rerun `leadscore ingest` ({exc})"
        ) from None


def labelled_snapshots(
    leads: pd.DataFrame,
    outcomes: pd.DataFrame,
    *,
    history_start: pd.Timestamp,
    history_end: pd.Timestamp,
    snapshots: dict[str, Any],
    split: dict[str, Any],
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Snapshots with their `window` (train / validation / test / why excluded) and the report."""
    frequency = str(snapshots["frequency"])
    horizon = int(snapshots["horizon_days"])
    dates = as_of_calendar(history_start, history_end, frequency)
    rows = build_snapshots(
        leads, outcomes, as_of_dates=dates, horizon_days=horizon, history_end=history_end
    )
    windows = split_windows(
        dates,
        history_end=history_end,
        horizon_days=horizon,
        test_weeks=int(split["test_weeks"]),
        validation_weeks=int(split["validation_weeks"]),
        gap_days=int(split["gap_days"]),
    )
    rows = assign_windows(rows, windows)
    cap = int(snapshots.get("max_snapshots_per_lead") or 0)
    train = rows[rows["window"] == "train"]
    kept = cap_snapshots_per_lead(train, cap)
    rows.loc[train.index.difference(kept.index), "window"] = "capped"
    report = {
        "history": {
            "start": history_start.isoformat(),
            "end": history_end.isoformat(),
            "frequency": frequency,
            "horizon_days": horizon,
            "as_of_dates": len(dates),
            "first_as_of": dates[0].date().isoformat() if len(dates) else None,
            "last_as_of": dates[-1].date().isoformat() if len(dates) else None,
        },
        "overall": snapshot_counts(rows),
        "splits": {w: snapshot_counts(rows[rows["window"] == w]) for w in WINDOWS},
        "windows": windows.as_dict(),
        "gap_days": int(split["gap_days"]),
        "lead_rule": LEAD_RULE,
        "max_snapshots_per_lead": cap,
        "excluded": {
            reason: int((rows["window"] == reason).sum())
            for reason in ("censored", "gap", "dropped_lead_in_earlier_window", "capped")
        },
    }
    return rows, report


def run(args: argparse.Namespace) -> int:
    params = load_params(args.params)
    interim_dir, out_dir, reports_dir = map(
        Path, (args.interim_dir, args.out_dir, args.reports_dir)
    )
    started = time.perf_counter()
    leads = _read(interim_dir, "leads", ["lead_id", "created_at"])
    outcomes = _read(interim_dir, "outcomes", ["lead_id", "status", "closed_at"])
    history_start, history_end = history_bounds(interim_dir)
    rows, report = labelled_snapshots(
        leads,
        outcomes,
        history_start=history_start,
        history_end=history_end,
        snapshots=section(params, "snapshots"),
        split=section(params, "split"),
    )
    log.info("snapshots: %s (%.1f s)", report["overall"], time.perf_counter() - started)
    write_json(reports_dir / "snapshots.json", report)
    for window, counts in report["splits"].items():
        if not counts["snapshots"]:
            raise LeadscoreError(
                f"{interim_dir}: the {window} window has no snapshots (see {window} in "
                "reports/snapshots.json); lower split.* weeks or provide a longer history"
            )
    kept = rows[rows["window"].isin(WINDOWS)].sort_values(["as_of", "lead_id"], ignore_index=True)
    matrix = build_feature_matrix(
        kept[["lead_id", "as_of"]], interim_dir=interim_dir, params=params
    )
    matrix.insert(2, "label", kept["label"].to_numpy())
    for window in WINDOWS:
        part = matrix[kept["window"].to_numpy() == window].reset_index(drop=True)
        write_parquet(out_dir / f"{window}.parquet", part)
        log.info("%s: %d rows, %d positives", window, len(part), int(part["label"].sum()))
    write_text(reports_dir / "features.md", catalog_markdown(catalog_for(params)))
    log.info("featurize done in %.1f s", time.perf_counter() - started)
    return 0
