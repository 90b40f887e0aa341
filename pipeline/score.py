"""`leadscore score`: tonight's scores for every open lead, as a file the CRM imports.

Holds a lock, checks the thresholds, the import mapping and the champion, ingests the current
CRM export (unless --skip-ingest), scores every lead open at --as-of with the training feature
code, measures drift, and only then replaces data/scores/scores.csv, scores.parquet and
history/scores_<date>.parquet, all at once. Exit codes: 0 done, 2 unusable input or
configuration (one line on stderr), 3 drift above scoring.drift_warn_psi with --fail-on-drift,
4 another run holds the lock.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from features.errors import LeadscoreError
from features.ingest import ingest_all
from models.point_table import PointTable, parse_rules
from models.registry import tracking_uri
from pipeline.outputs import write_json
from pipeline.params import load_params, section
from scoring import output
from scoring.batch import ScoringSettings, measure_drift, resolve_as_of, score_open_leads
from scoring.champion import load_champion
from scoring.drift import REFERENCE_PATH, log_drift
from scoring.lock import DEFAULT_LOCK, single_run
from scoring.thresholds import THRESHOLDS_PATH, read_thresholds

log = logging.getLogger(__name__)

DRIFT_EXIT = 3
DRIFT_REPORT = "reports/drift.json"
INTERIM_DIR = Path("data/interim")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.ArgumentDefaultsHelpFormatter
    parser.epilog = (
        "Exit codes: 0 scores written; 2 unusable input or configuration (no champion, store "
        "unreachable, missing file, bad params); 3 drift above scoring.drift_warn_psi with "
        "--fail-on-drift; 4 another run holds the lock. On any failure the previous scores "
        "files stay byte-identical."
    )
    parser.add_argument(
        "--as-of",
        default=None,
        metavar="DATE",
        help="score leads open at this date/time (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC), or "
        "'last' = the day after the last day of the CRM history [params scoring.as_of]",
    )
    parser.add_argument(
        "--out",
        default=None,
        metavar="PATH",
        help="the CSV for CRM import; scores.parquet and history/ go beside it "
        "[params scoring.out]",
    )
    parser.add_argument(
        "--skip-ingest",
        action="store_true",
        help="score the tables already in data/interim/ instead of ingesting the CRM export "
        "of params ingest.paths first (the dvc stage does this: ingest is its own stage)",
    )
    parser.add_argument(
        "--fail-on-drift",
        action="store_true",
        help="exit 3 without touching the scores when any feature or the score drifts "
        "above scoring.drift_warn_psi (reports/drift.json is still written)",
    )
    parser.add_argument(
        "--thresholds",
        default=THRESHOLDS_PATH,
        help="routing thresholds from `leadscore economics`",
    )
    parser.add_argument(
        "--reference", default=REFERENCE_PATH, help="training snapshots drift is measured against"
    )
    parser.add_argument("--drift-report", default=DRIFT_REPORT, help="where the PSI report goes")
    parser.add_argument(
        "--lock",
        default=None,
        help=f"lock file that keeps runs apart [params scoring.lock, {DEFAULT_LOCK}]",
    )


def _ingest(params: dict) -> None:
    started = time.perf_counter()
    ingest = section(params, "ingest")
    ingest_all(
        paths=section(params, "ingest.paths"),
        dayfirst=bool(ingest.get("dayfirst", True)),
        extra_activity_types=ingest.get("extra_activity_types") or [],
    )
    log.info("ingested the CRM export in %.1f s", time.perf_counter() - started)


def history_path(csv_path: Path, as_of: pd.Timestamp) -> Path:
    midnight = as_of == as_of.normalize()
    stamp = as_of.strftime("%Y-%m-%d" if midnight else "%Y-%m-%dT%H%M%S")
    return csv_path.parent / "history" / f"scores_{stamp}.parquet"


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    params = load_params(args.params)
    scoring = params.get("scoring") or {}
    settings = ScoringSettings.from_params(params)
    csv_path = Path(args.out or scoring.get("out") or "data/scores/scores.csv")
    parquet_path = csv_path.with_suffix(".parquet")
    personal = settings.personal_columns if settings.include_personal_data else ()
    fmt = output.import_format(
        preset=scoring.get("preset", "none"),
        columns=scoring.get("columns") or {},
        labels=scoring.get("labels") or {},
        datetime_format=scoring.get("datetime_format"),
        extra_columns=personal,
    )
    warn_psi = float(scoring.get("drift_warn_psi", 0.2))
    # an unreachable tracking server must fail in seconds, not after minutes of retries
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "20")

    with single_run(args.lock or scoring.get("lock") or DEFAULT_LOCK):
        output.remove_stale_temporaries(csv_path, parquet_path)
        rule = read_thresholds(args.thresholds)
        table = section(params, "point_table")
        parse_rules(table.get("rules"))
        point_table = PointTable(
            rules=table["rules"], mql_threshold=table.get("mql_threshold", 100)
        )
        champion = load_champion(tracking_uri())
        if not args.skip_ingest:
            _ingest(params)
        as_of = resolve_as_of(args.as_of or scoring.get("as_of"), INTERIM_DIR)
        scored = score_open_leads(
            root=".",
            as_of=as_of,
            model=champion.model,
            model_version=champion.version,
            rule=rule,
            point_table=point_table,
            params=params,
            settings=settings,
        )
        report = measure_drift(
            features=scored.features,
            scores=scored.scores["score"].to_numpy(),
            model=champion.model,
            reference_path=args.reference,
            warn_psi=warn_psi,
            max_reference_rows=int(scoring.get("drift_reference_rows", 100_000)),
            seed=settings.seed,
            ignore=tuple(scoring.get("drift_ignore") or ()),
        )
        report.update({"as_of": as_of.isoformat(), "model_version": champion.version})
        write_json(args.drift_report, report)
        log_drift(report)
        if args.fail_on_drift and report["status"] == "drift":
            worst = report["drifted_features"][:3] or ["score"]
            raise LeadscoreError(
                f"{args.drift_report}: drift above PSI {warn_psi} ({', '.join(worst)}); "
                f"previous scores in {csv_path} left untouched",
                exit_code=DRIFT_EXIT,
            )
        write_started = time.perf_counter()
        bar = tqdm(total=len(scored.scores), desc="writing", unit="row", disable=None, leave=False)
        with bar:
            output.write_scores(
                scored.scores,
                csv_path=csv_path,
                parquet_path=parquet_path,
                history_path=history_path(csv_path, as_of),
                fmt=fmt,
                on_rows=bar.update,
            )
        log.info(
            "wrote %s and %s in %.1f s",
            csv_path,
            parquet_path,
            time.perf_counter() - write_started,
        )
    tiers = scored.scores["tier"].value_counts().to_dict()
    log.info(
        "scored %d open leads as of %s with %s version %s: %s; done in %.1f s",
        len(scored.scores),
        as_of,
        "lead-scoring",
        champion.version,
        ", ".join(f"{t} {tiers.get(t, 0)}" for t in ("hot", "warm", "cold")),
        time.perf_counter() - started,
    )
    return 0
