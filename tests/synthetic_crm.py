"""A small generated CRM for the synthetic-generator tests: run `leadscore generate`, read back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from pipeline.cli import main
from tests.conftest import ROOT

N_LEADS = 3000
GENERATE = {
    "n_leads": N_LEADS,
    "months": 24,
    "start": "2024-01-01",
    "activity_rate": 1.0,
    "duplicate_share": 0.02,
    "invalid_share": 0.01,
    "ground_truth": True,
    "chunk_leads": 1200,  # three chunks
}
FILES = (
    "data/raw/leads.csv",
    "data/raw/activities.parquet",
    "data/raw/outcomes.csv",
    "data/raw/channel_costs.csv",
    "data/ground_truth/bayes_limit.parquet",
    "data/ground_truth/meta.json",
)
ISO = "%Y-%m-%d %H:%M:%S"
DAYFIRST = "%d/%m/%Y %H:%M:%S"


def parse_times(values: pd.Series) -> pd.Series:
    """ISO first, then day-first (pandas' mixed parser with dayfirst misreads ISO dates)."""
    iso = pd.to_datetime(values, format=ISO, errors="coerce")
    return iso.fillna(pd.to_datetime(values, format=DAYFIRST, errors="coerce"))


def write_params(path: Path, **generate) -> Path:
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["generate"] = {**GENERATE, **generate}
    path.write_text(yaml.safe_dump(params))
    return path


def run_generate(root: Path, **generate) -> int:
    root.mkdir(parents=True, exist_ok=True)
    params = write_params(root / "params.yaml", **generate)
    return main(["--params", str(params), "generate", "--out-dir", str(root)])


@dataclass
class Crm:
    root: Path
    meta: dict
    raw_leads: pd.DataFrame  # every row of leads.csv as strings
    raw_outcomes: pd.DataFrame
    raw_activities: pd.DataFrame
    leads: pd.DataFrame  # the simulated population: one clean row per real lead
    outcomes: pd.DataFrame
    activities: pd.DataFrame
    truth: pd.DataFrame


def is_real(lead_id: pd.Series, n_leads: int = N_LEADS) -> pd.Series:
    number = pd.to_numeric(lead_id.str[1:], errors="coerce")
    return lead_id.str.match(r"^L\d{7}$") & (number <= n_leads)


def read_crm(root: Path) -> Crm:
    raw = root / "data/raw"
    meta = json.loads((root / "data/ground_truth/meta.json").read_text())
    raw_leads = pd.read_csv(raw / "leads.csv", dtype=str, keep_default_na=False)
    raw_outcomes = pd.read_csv(raw / "outcomes.csv", dtype=str, keep_default_na=False)
    raw_activities = pd.read_parquet(raw / "activities.parquet")
    leads = raw_leads[is_real(raw_leads["lead_id"])].copy()
    leads["created_at"] = pd.to_datetime(leads["created_at"], format=ISO, errors="coerce")
    leads = leads.dropna(subset=["created_at"]).drop_duplicates("lead_id")
    outcomes = raw_outcomes[is_real(raw_outcomes["lead_id"])].copy()
    outcomes["status"] = outcomes["status"].str.lower()
    outcomes["closed_at"] = pd.to_datetime(outcomes["closed_at"], format=ISO)
    outcomes["deal_value"] = pd.to_numeric(outcomes["deal_value"])
    activities = raw_activities[raw_activities["lead_id"].isin(leads["lead_id"])]
    truth = pd.read_parquet(root / "data/ground_truth/bayes_limit.parquet")
    return Crm(root, meta, raw_leads, raw_outcomes, raw_activities, leads.reset_index(drop=True),
               outcomes.reset_index(drop=True), activities, truth)  # fmt: skip


def generated_crm(root: Path) -> Crm:
    """Generate the small CRM under `root` with the CLI and read it back."""
    assert run_generate(root) == 0
    return read_crm(root)
