"""Small CRM exports written to tmp_path for the source, leakage and export tests.

`flat_export` writes a one-row-per-lead CSV (optionally with created and converted dates) whose
conversion depends on three honest columns (one interaction, so trees beat the additive
baselines), plus planted leaky ones: a disposition a rep wrote
after the outcome, its score (filled on the same rows), and a field filled in only for won
leads. `event_log` writes leads with day-first dates, won deals and a few activities.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml


def flat_leads(n: int = 1500, seed: int = 0, dated: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    visits = rng.poisson(3, n)
    source = rng.choice(["Google", "Referral", "Olark Chat", "Direct"], n, p=[0.4, 0.2, 0.2, 0.2])
    occupation = rng.choice(["Student", "Working"], n)
    # an interaction no additive model can express: working people come by referral, students
    # by search, and the other pairs rarely buy
    matched = (occupation == "Working") == np.isin(source, ["Referral", "Direct"])
    logit = -2.0 + 0.3 * visits + np.where(matched, 2.2, 0.0)
    converted = rng.random(n) < 1 / (1 + np.exp(-logit))
    created = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    won = created + pd.to_timedelta(rng.integers(1, 120, n), unit="D")
    if dated:  # exported on 31 December: a deal won later has not happened yet
        converted &= won <= pd.Timestamp("2024-12-31")
    worked = rng.random(n) < 0.6  # the rep filled the disposition for these leads
    disposition = np.where(converted, "Closed by rep", "Not interested")
    disposition = np.where(rng.random(n) < 0.03, "Will call back", disposition)
    score = np.round(10 + 0.5 * converted + rng.normal(0, 2, n), 2)  # written with it
    frame = pd.DataFrame(
        {
            "Lead Id": [f"L{i:05d}" for i in range(n)],
            "Lead Source": source,
            "Total Visits": visits,
            "Occupation": np.where(rng.random(n) < 0.2, "Select", occupation),
            "Disposition": np.where(worked, disposition, ""),
            "Disposition Score": np.where(worked, score, np.nan),
            "Deal Size": np.where(converted, rng.integers(1, 9, n) * 100.0, np.nan),
            "Converted": np.where(converted, "Yes", "No"),
        }
    )
    if dated:
        frame["Created"] = created.strftime("%d/%m/%Y")
        frame["Won On"] = np.where(converted, won.strftime("%d/%m/%Y"), "")
        # a timestamp the CRM sets when the deal is closed: after the outcome, for everyone
        frame["Last Modified"] = np.where(
            converted, (won + pd.Timedelta(days=1)).strftime("%d/%m/%Y"), ""
        )
    return frame


# Every key set: params.yaml's values are tuned for the synthetic CRM's 100k snapshot rows.
SMALL_LIGHTGBM = {
    "n_estimators": 200,
    "learning_rate": 0.1,
    "num_leaves": 7,
    "min_child_samples": 20,
    "colsample_bytree": 1.0,
    "max_cat_to_onehot": 4,
    "early_stopping_rounds": 20,
    "n_jobs": 1,
}

FLAT_EXTRA = {
    "Lead Source": "categorical",
    "Total Visits": "numeric",
    "Occupation": "categorical",
    "Disposition": "categorical",
    "Disposition Score": "numeric",
    "Deal Size": "numeric",
}


def flat_config(
    path: Path, csv: Path, *, name: str = "flatco", dated: bool = False, **extra
) -> Path:
    """A source config for ``flat_leads`` written beside it."""
    columns = {"lead_id": "Lead Id", "converted": "Converted"}
    roles = dict(FLAT_EXTRA)
    config: dict = {
        "name": name,
        "kind": "flat",
        "tables": {
            "leads": {
                "path": str(csv),
                "columns": columns,
                "missing_values": ["Select"],
                "extra": roles,
            }
        },
        "label": {"positive": ["Yes"]},
        "protocol": {"kind": "cross_validation", "folds": 3},
        "train": {
            "bootstrap_samples": 100,
            "min_train_conversions": 50,
            "lightgbm": SMALL_LIGHTGBM,
        },
        "economics": {"conversion_value": 1000, "sales_contact_cost": 200},
    }
    if dated:
        columns |= {"created_at": "Created", "converted_at": "Won On"}
        config["tables"]["leads"]["date_formats"] = {
            "Created": "%d/%m/%Y",
            "Won On": "%d/%m/%Y",
            "Last Modified": "%d/%m/%Y",
        }
        roles["Last Modified"] = "timestamp"
        config["label"]["horizon_days"] = 90
        config["protocol"] = {
            "kind": "out_of_time",
            "test_from": "2024-08-01",
            "validation_days": 60,
        }
    for key, value in extra.items():
        config[key] = value
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def write_flat(tmp_path: Path, *, n: int = 1500, seed: int = 0, dated: bool = False, **extra):
    """(config path, csv path) of a fresh flat export in tmp_path."""
    csv = tmp_path / "leads_export.csv"
    flat_leads(n, seed, dated).to_csv(csv, index=False)
    return flat_config(tmp_path / "flatco.yaml", csv, dated=dated, **extra), csv


def event_log(tmp_path: Path, n: int = 1200, seed: int = 1) -> dict[str, Path]:
    """Leads (day-first first-contact dates), won deals with attributes, and activities."""
    rng = np.random.default_rng(seed)
    ids = [f"m{i:04d}" for i in range(n)]
    first = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 540, n), unit="D")
    origin = rng.choice(["organic", "paid", "social", ""], n, p=[0.4, 0.3, 0.2, 0.1])
    page = rng.choice([f"page{i}" for i in range(12)], n)
    p = np.where(origin == "paid", 0.35, 0.12) + np.where(np.isin(page, ["page1", "page2"]), 0.2, 0)
    won_at = first + pd.to_timedelta(rng.integers(0, 120, n), unit="D") + pd.Timedelta(hours=15)
    # exported at the end of June 2024: deals won later are not in it
    won = (rng.random(n) < p) & (won_at < pd.Timestamp("2024-06-30"))
    leads = pd.DataFrame(
        {"mql": ids, "first_contact": first.strftime("%d-%m-%Y"), "origin": origin, "page": page}
    )
    deals = pd.DataFrame(
        {
            "mql": np.array(ids)[won],
            "won_date": won_at[won].strftime("%d-%m-%Y %H:%M"),
            "segment": rng.choice(["pets", "toys", "home"], won.sum()),
            "revenue": rng.integers(0, 5, won.sum()) * 1000,
        }
    )
    visits = pd.DataFrame(
        {
            "mql": np.repeat(ids, 2),
            "when": (np.repeat(first, 2) - pd.Timedelta(days=1)).strftime("%Y-%m-%d"),
            "what": "Page View",
        }
    )
    paths = {
        "leads": tmp_path / "mqls.csv",
        "outcomes": tmp_path / "deals.csv",
        "activities": tmp_path / "visits.csv",
    }
    leads.to_csv(paths["leads"], index=False)
    deals.to_csv(paths["outcomes"], index=False)
    visits.to_csv(paths["activities"], index=False)
    return paths


def event_log_config(
    tmp_path: Path, paths: dict[str, Path], *, deal_attributes: str = "exclude"
) -> Path:
    config = {
        "name": "funnelco",
        "kind": "event_log",
        "tables": {
            "leads": {
                "path": str(paths["leads"]),
                "columns": {"lead_id": "mql", "created_at": "first_contact", "channel": "origin"},
                "date_formats": {"first_contact": "%d-%m-%Y"},
                "extra": {"page": "categorical"},
            },
            "outcomes": {
                "path": str(paths["outcomes"]),
                "columns": {"lead_id": "mql", "closed_at": "won_date"},
                "constants": {"status": "converted"},
                "date_formats": {"won_date": "%d-%m-%Y %H:%M"},
                "extra": {"segment": deal_attributes, "revenue": "exclude"},
            },
            "activities": {
                "path": str(paths["activities"]),
                "columns": {"lead_id": "mql", "occurred_at": "when", "activity_type": "what"},
                "values": {"what": {"Page View": "web_visit"}},
            },
        },
        "label": {"horizon_days": 90},
        "protocol": {"kind": "out_of_time", "test_from": "2024-01-01", "validation": "random"},
        "train": {
            "bootstrap_samples": 100,
            "min_train_conversions": 30,
            "lightgbm": SMALL_LIGHTGBM,
        },
    }
    path = tmp_path / "funnelco.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


# The X Education columns sales reps wrote during the sales conversation (issue 7).
REP_WRITTEN = {
    "Tags",
    "Lead Quality",
    "Lead Profile",
    "Asymmetrique Activity Index",
    "Asymmetrique Profile Index",
    "Asymmetrique Activity Score",
    "Asymmetrique Profile Score",
}
