"""`leadscore where`: list the results a run produced and where they are."""

from __future__ import annotations

import argparse
from pathlib import Path

RESULTS = [
    ("data/raw/", "the raw CRM export (synthetic)"),
    ("data/interim/", "ingested tables (Parquet)"),
    ("data/quarantine/", "rejected rows with a reason"),
    ("data/ground_truth/", "Bayes-limit probabilities (synthetic CRM only)"),
    ("data/features/", "train / validation / test snapshot feature sets"),
    ("data/scores/scores.csv", "tonight's scores for CRM import"),
    ("data/scores/history/", "one copy of the scores per scoring date (for evaluate-live)"),
    ("reports/ingest.json", "ingest counts per table and reason"),
    ("reports/features.md", "feature catalog"),
    ("reports/metrics.json", "model and baseline metrics"),
    ("reports/promotion.json", "champion / challenger decision"),
    ("reports/thresholds.json", "score thresholds and tiers"),
    ("reports/channels.json", "channel economics and KPIs"),
    ("reports/drift.json", "population stability of features and score"),
    ("reports/live_evaluation.json", "realised results per arm (control group)"),
    ("reports/report.html", "report for managers"),
    ("reports/exports/", "results per real CRM export (leadscore run-export)"),
    ("mlflow.db", "MLflow tracking store (mlflow ui --backend-store-uri sqlite:///mlflow.db)"),
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    print("Results:")
    for path, meaning in RESULTS:
        if Path(path).exists():
            print(f"  {path:<28} {meaning}")
    return 0
