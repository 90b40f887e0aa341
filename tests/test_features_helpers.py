"""Small contract-shaped interim tables for the feature tests (no tests in this module)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from features.contract import ACTIVITY_TYPES
from pipeline.params import load_params

ROOT = Path(__file__).resolve().parents[1]
START = pd.Timestamp("2024-01-01")
TITLES = ["VP Marketing", "student", "Sr. Marketing Manager", None, "CMO", "IT Manager"]
DETAILS = ["/", "/pricing", "/blog/a", "/blog/b", "whitepaper-roi", None]


def project_params() -> dict:
    """params.yaml of the project, with DuckDB's spill directory moved out of the repo."""
    params = load_params(ROOT / "params.yaml")
    params["features"]["engine"] = {"memory_limit": "1GB", "threads": 2, "temp_directory": None}
    return params


def with_plan(params: dict, plan: str) -> dict:
    out = {**params, "features": {**params["features"]}}
    out["features"]["engine"] = {**params["features"]["engine"], "plan": plan}
    return out


def ts(values) -> pd.Series:
    return pd.Series(pd.to_datetime(values)).astype("datetime64[us]")


def make_leads(n: int, seed: int = 0, days: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    created = START + pd.to_timedelta(rng.uniform(0, days, n), unit="D")
    return pd.DataFrame(
        {
            "lead_id": pd.array([f"L{i:04d}" for i in range(n)], dtype="str"),
            "created_at": ts(created.floor("s")),
            "channel": pd.array(rng.choice(["paid_search", "referral", None], n), dtype="str"),
            "campaign": pd.array(rng.choice(["c1", "c2"], n), dtype="str"),
            "country": pd.array(rng.choice(["de", "united states", "us", None], n), dtype="str"),
            "industry": pd.array(
                rng.choice(["software", "retail", "education", None], n), dtype="str"
            ),  # fmt: skip
            "employees": rng.choice([np.nan, 5.0, 40.0, 600.0, 9000.0], n),
            "job_title": pd.array(rng.choice(np.array(TITLES, dtype=object), n), dtype="str"),
            "email_domain": pd.array(
                rng.choice(["acme.com", "gmail.com", "mit.edu", None], n), dtype="str"
            ),  # fmt: skip
            "has_phone": pd.array(rng.choice([True, False, None], n), dtype="boolean"),
        }
    )


def make_activities(leads: pd.DataFrame, n: int, seed: int = 1, days: int = 200) -> pd.DataFrame:
    """Activities at random times after each lead's creation, some on exact midnights."""
    rng = np.random.default_rng(seed)
    lead = rng.integers(0, len(leads), n)
    offset = pd.to_timedelta(rng.uniform(0, days, n), unit="D").floor("s")
    occurred = leads["created_at"].to_numpy()[lead] + offset.to_numpy()
    midnight = rng.random(n) < 0.2  # on an as-of boundary: must count for the next date only
    occurred = np.where(midnight, pd.DatetimeIndex(occurred).ceil("D"), occurred)
    return pd.DataFrame(
        {
            "lead_id": pd.array(leads["lead_id"].to_numpy()[lead], dtype="str"),
            "occurred_at": ts(occurred),
            "activity_type": pd.array(rng.choice(ACTIVITY_TYPES, n), dtype="str"),
            "detail": pd.array(rng.choice(np.array(DETAILS, dtype=object), n), dtype="str"),
        }
    )


def make_outcomes(
    leads: pd.DataFrame, seed: int = 2, share: float = 0.5, days: int = 150
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    closed = leads.sample(frac=share, random_state=seed)
    after = pd.to_timedelta(rng.uniform(1, days, len(closed)), unit="D").floor("s")
    return pd.DataFrame(
        {
            "lead_id": pd.array(closed["lead_id"].to_numpy(), dtype="str"),
            "status": pd.array(
                rng.choice(["converted", "disqualified"], len(closed)), dtype="str"
            ),  # fmt: skip
            "closed_at": ts(closed["created_at"].to_numpy() + after.to_numpy()),
            "deal_value": rng.uniform(1000, 9000, len(closed)),
        }
    )


def write_interim(
    directory: Path,
    leads: pd.DataFrame,
    activities: pd.DataFrame,
    outcomes: pd.DataFrame | None = None,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    leads.to_parquet(directory / "leads.parquet", index=False)
    activities.to_parquet(directory / "activities.parquet", index=False)
    if outcomes is None:
        outcomes = make_outcomes(leads, share=0.0)
    outcomes.to_parquet(directory / "outcomes.parquet", index=False)
    return directory
