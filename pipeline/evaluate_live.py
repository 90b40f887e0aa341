"""`leadscore evaluate-live`: realised conversion rate and profit per arm (model vs control).

Reads the scores that `leadscore score` archived (data/scores/history/*.parquet, or --scores),
the outcomes in data/interim/ (run `leadscore ingest` on the latest export first), the money in
params.yaml `economics:` and the horizon in `snapshots.horizon_days`; writes
reports/live_evaluation.json and prints a small table.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pandas as pd

from features.errors import LeadscoreError
from features.snapshots import history_bounds
from features.tables import read_interim
from models.economics import economics_from_params
from pipeline.outputs import write_json
from pipeline.params import load_params, section
from scoring.live_evaluation import SCORE_COLUMNS, evaluate_live, summary_lines

log = logging.getLogger(__name__)

REPORT = "reports/live_evaluation.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.ArgumentDefaultsHelpFormatter
    parser.add_argument(
        "--since",
        required=True,
        metavar="DATE",
        help="evaluate leads scored on or after this date (each at its first scoring)",
    )
    parser.add_argument("--until", default=None, metavar="DATE", help="and on or before this date")
    parser.add_argument(
        "--scores",
        nargs="+",
        default=None,
        metavar="PATH",
        help="scores Parquet files or folders [the history/ folder beside params scoring.out]",
    )
    parser.add_argument(
        "--observed-until",
        default=None,
        metavar="DATE",
        help="outcomes are complete up to this date [the last day of data/interim/]",
    )
    parser.add_argument("--out", default=REPORT, help="where the JSON report goes")


def _date(text: str, option: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(text).as_unit("us")
    except ValueError:
        raise LeadscoreError(f"{option} {text!r}: not a date; give YYYY-MM-DD") from None


def read_scores(paths: list[Path]) -> pd.DataFrame:
    """The canonical columns of every scores Parquet file under ``paths``."""
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.parquet")) if path.is_dir() else [path]
    files = [f for f in files if f.exists()]
    if not files:
        where = ", ".join(map(str, paths))
        raise LeadscoreError(
            f"{where}: no scores Parquet files; run `leadscore score --as-of DATE` first"
        )
    frames = []
    for file in files:
        try:
            frames.append(pd.read_parquet(file, columns=list(SCORE_COLUMNS)))
        except (OSError, ValueError, KeyError) as exc:
            raise LeadscoreError(
                f"{file}: not a scores file of `leadscore score` ({type(exc).__name__}); "
                "pass the scores.parquet files, not the CSV"
            ) from None
    return pd.concat(frames, ignore_index=True)


def run(args: argparse.Namespace) -> int:
    params = load_params(args.params)
    scoring = params.get("scoring") or {}
    econ = section(params, "economics")
    default_scores = Path(scoring.get("out") or "data/scores/scores.csv").parent / "history"
    scores = read_scores([Path(p) for p in (args.scores or [default_scores])])
    outcomes = read_interim("outcomes", ".")
    observed_until = (
        _date(args.observed_until, "--observed-until")
        if args.observed_until
        else history_bounds(Path("data/interim"))[1]
    )
    result = evaluate_live(
        scores,
        outcomes,
        since=_date(args.since, "--since"),
        until=_date(args.until, "--until") if args.until else None,
        horizon_days=int(section(params, "snapshots.horizon_days")),
        observed_until=observed_until,
        economics=economics_from_params(econ),
        default_value=float(econ.get("fixed_conversion_value", 0) or 0),
        bootstrap_samples=int(scoring.get("live_bootstrap_samples", 1000)),
        seed=int(params.get("seed", 0)),
    )
    write_json(args.out, result)
    for line in summary_lines(result):
        print(line)
    log.info("live evaluation written to %s", args.out)
    return 0
