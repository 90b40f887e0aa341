"""A small CRM world for the scoring tests: raw export, ingest, features, a registered champion.

300 leads over nine months with activities driven by a hidden quality, so that a model finds
signal; ingested by the real ingest, features by the real feature build, a small LightGBM
registered as `lead-scoring@champion` in a real MLflow sqlite store inside the world's folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
START, END = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-09-30")
TITLES = ["VP Marketing", "Marketing Intern", "student", "Head of Growth", "Sales Manager", "CEO"]
DOMAINS = ["acme.com", "gmail.com", "uni.edu", "hubspot.com", "globex.de"]
TYPES = ["web_visit", "pricing_page_view", "email_open", "content_download", "demo_request"]


@dataclass(frozen=True)
class World:
    root: Path
    params_path: Path
    uri: str
    version: str


def point_table_rules() -> list[dict]:
    return [
        {"feature": "seniority", "in": ["vp", "director", "c_level"], "points": 15},
        {"feature": "seniority", "in": ["student", "intern"], "points": -20},
        {"feature": "industry_is_target", "equals": 1, "points": 10},
        {"feature": "count_pricing_page_view_all", "per": 1, "points": 5, "max": 25},
        {"feature": "count_content_download_all", "per": 1, "points": 10},
        {"feature": "count_demo_request_all", "per": 1, "points": 20},
    ]


def write_raw_crm(root: Path, *, n_leads: int = 300, seed: int = 0) -> None:
    """data/raw/{leads,activities,outcomes,channel_costs}.csv of a small, learnable CRM."""
    rng = np.random.default_rng(seed)
    raw = root / "data" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    span = (END - pd.Timedelta(days=20) - START).days
    created = START + pd.to_timedelta(rng.integers(0, span * 24, n_leads), unit="h")
    title = rng.choice(TITLES, n_leads)
    industry = rng.choice(["software", "retail", "education", "mining"], n_leads)
    quality = (
        rng.normal(0, 1, n_leads)
        + 1.0 * np.isin(title, ["VP Marketing", "CEO"])
        - 1.2 * np.isin(title, ["student", "Marketing Intern"])
        + 0.6 * np.isin(industry, ["software", "retail"])
    )
    lead_ids = [f"L{i:04d}" for i in range(n_leads)]
    lead_ids[:4] = ["=1+1", "+L0001", "-L0002", "@L0003"]  # ids a spreadsheet would execute
    leads = pd.DataFrame(
        {
            "lead_id": lead_ids,
            "created_at": created.strftime("%Y-%m-%d %H:%M:%S"),
            "channel": rng.choice(["paid_search", "referral", "organic", "events"], n_leads),
            "campaign": rng.choice(["spring", "summer", "=cmd|' /C calc'!A0"], n_leads),
            "country": rng.choice(["de", "us", "gb", "fr"], n_leads),
            "industry": industry,
            "employees": np.round(rng.lognormal(4, 1.5, n_leads)),
            "job_title": title,
            "email_domain": rng.choice(DOMAINS, n_leads),
            "has_phone": rng.choice(["true", "false"], n_leads),
            "email": [f"person{i}@example.com" for i in range(n_leads)],
        }
    )
    rows = []
    for i in range(n_leads):
        n = rng.poisson(max(0.5, 4 + 3 * quality[i]))
        days = (END - created[i]).days
        for _ in range(n):
            weights = np.array([5, 1 + max(quality[i], 0), 3, 1, 0.2 + max(quality[i], 0) / 2])
            rows.append(
                {
                    "lead_id": leads.lead_id[i],
                    "occurred_at": (
                        created[i] + pd.Timedelta(hours=int(rng.integers(1, max(days, 1) * 24)))
                    ).strftime("%Y-%m-%d %H:%M:%S"),
                    "activity_type": rng.choice(TYPES, p=weights / weights.sum()),
                    "detail": f"page-{int(rng.integers(0, 20))}",
                }
            )
    activities = pd.DataFrame(rows)
    p = 1 / (1 + np.exp(-(quality - 1.0)))
    converts = rng.random(n_leads) < p
    closed = created + pd.to_timedelta(rng.integers(10, 150, n_leads), unit="D")
    disqualified = ~converts & (rng.random(n_leads) < 0.2)
    ended = (converts | disqualified) & (closed <= END)
    outcomes = pd.DataFrame(
        {
            "lead_id": leads.lead_id[ended],
            "status": np.where(converts[ended], "converted", "disqualified"),
            "closed_at": closed[ended].strftime("%Y-%m-%d %H:%M:%S"),
            "deal_value": np.where(converts[ended], rng.integers(2000, 20000, ended.sum()), np.nan),
        }
    )
    months = pd.period_range(START, END, freq="M").astype(str)
    costs = pd.DataFrame(
        [
            {"channel": c, "month": m, "spend": 1000.0, "leads": 10}
            for c in leads.channel.unique()
            for m in months
        ]  # noqa: E501
    )
    leads.to_csv(raw / "leads.csv", index=False)
    activities.to_csv(raw / "activities.csv", index=False)
    outcomes.to_csv(raw / "outcomes.csv", index=False)
    costs.to_csv(raw / "channel_costs.csv", index=False)


def world_params(**scoring) -> dict:
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["ingest"]["paths"] = {
        t: f"data/raw/{t}.csv" for t in ("leads", "activities", "outcomes", "channel_costs")
    }
    params["ingest"]["dayfirst"] = False
    params["point_table"] = {"mql_threshold": 30, "rules": point_table_rules()}
    params["scoring"] = {
        **params.get("scoring", {}),
        "as_of": "last",
        "out": "data/scores/scores.csv",
        "control_share": 0.3,
        "preset": "none",
        "columns": {},
        "labels": {},
        **scoring,
    }
    return params


def write_params(root: Path, params: dict) -> Path:
    path = root / "params.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


def write_thresholds(root: Path) -> None:
    """reports/thresholds.json in the economics stage's shape (values by employee band)."""
    document = {
        "economics": {
            "conversion_value": "segment",
            "sales_contact_cost": 150.0,
            "nurture_touch_cost": 5.0,
            "nurture_uplift": 0.05,
            "sales_capacity_per_batch": None,
        },
        "segment_columns": ["employee_band"],
        "segments": {"1-10": {"conversion_value": 2000.0}, "5000+": {"conversion_value": 30000.0}},
        "default": {"conversion_value": 8000.0},
    }
    path = root / "reports" / "thresholds.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2))


def training_matrix(root: Path, params: dict) -> pd.DataFrame:
    """Weekly snapshots of the world with labels and features (the featurize code path)."""
    from features.build import build_feature_matrix
    from features.snapshots import as_of_calendar, build_snapshots
    from features.tables import read_interim

    leads = read_interim("leads", root)
    outcomes = read_interim("outcomes", root)
    dates = as_of_calendar(START, END, "W-MON")
    later = END + pd.Timedelta(days=400)  # label what is known; censoring is not tested here
    snapshots = build_snapshots(
        leads, outcomes, as_of_dates=dates, horizon_days=90, history_end=later
    )
    matrix = build_feature_matrix(
        snapshots[["lead_id", "as_of"]], interim_dir=root / "data" / "interim", params=params
    )
    matrix.insert(2, "label", snapshots["label"].to_numpy())
    return matrix


def fit_model(matrix: pd.DataFrame, seed: int = 0):
    """A small calibrated LightGBM wrapped as the registered pyfunc class."""
    from models.calibration import CalibratedModel
    from models.lightgbm_model import LightGBMModel
    from models.pyfunc_model import LeadScoringModel

    X = matrix.drop(columns=["lead_id", "as_of", "label"])
    y = matrix["label"].to_numpy()
    base = LightGBMModel(
        n_estimators=40, num_leaves=8, min_child_samples=10, learning_rate=0.1, seed=seed
    ).fit(X, y)
    return LeadScoringModel(CalibratedModel(base, method="sigmoid").fit(X, y)), X


def register_champion(uri: str, model, X: pd.DataFrame) -> str:
    from models import registry

    client = registry.connect(uri)
    _, version = registry.log_training_run(
        model=model, X_example=X, params={"test": 1}, metrics={}, artifacts=[], tags={}
    )
    registry.set_alias(client, registry.CHAMPION, version)
    return version


def build_world(root: Path) -> World:
    """Everything `leadscore score --skip-ingest` needs, under ``root``."""
    from features.ingest import ingest_all

    root.mkdir(parents=True, exist_ok=True)
    write_raw_crm(root)
    params = world_params()
    params_path = write_params(root, params)
    ingest_all(paths=params["ingest"]["paths"], root=root, dayfirst=False)
    matrix = training_matrix(root, params)
    (root / "data" / "features").mkdir(parents=True, exist_ok=True)
    matrix.to_parquet(root / "data" / "features" / "train.parquet", index=False)
    model, X = fit_model(matrix)
    uri = f"sqlite:///{root / 'mlflow.db'}"
    version = register_champion(uri, model, X)
    write_thresholds(root)
    return World(root=root, params_path=params_path, uri=uri, version=version)
