"""Small real CRM export files for the ingest tests (written into a tmp folder)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from features import contract

LEADS_HEADER = ",".join(contract.LEADS.column_names)
GOOD_LEADS = [
    "L1,2024-01-03 09:15:00,Paid Search,spring,DE,Software,120,VP Marketing,acme.io,true",
    "L2,2024-01-04 10:00:00,referral,,US,retail,15,Marketing Intern,gmail.com,false",
    "L3,2024-01-05 11:30:00,events,autumn,FR,healthcare,,Head of Growth,uni.edu,",
    'L4,2024-01-06 08:00:00,webinar,,GB,software,3000,"vp, marketing",bigco.com,true',
]
ACTIVITIES = pd.DataFrame(
    {
        "lead_id": ["L1", "L1", "L2", "L3", "L4"],
        "occurred_at": pd.to_datetime(
            [
                "2024-01-03 10:00",
                "2024-01-10 12:00",
                "2024-01-05 09:00",
                "2024-01-06 09:00",
                "2024-01-07 09:00",
            ]
        ),
        "activity_type": [
            "web_visit",
            "pricing_page_view",
            "email_open",
            "demo_request",
            "meeting",
        ],
        "detail": ["/pricing", None, "newsletter-1", None, None],
    }
)
OUTCOMES_HEADER = "lead_id,status,closed_at,deal_value"
GOOD_OUTCOMES = ["L1,converted,2024-03-01 00:00:00,12000.50", "L2,disqualified,2024-02-01,"]
COSTS_HEADER = "channel,month,spend,leads"
GOOD_COSTS = ["paid search,2024-01,5000,40", "referral,2024-01,0,", "events,2024-01,2500.5,10"]


def write_csv(path: Path, header: str, rows: list[str], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode(encoding))
    return path


def write_parquet(path: Path, frame: pd.DataFrame) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return path


def write_crm(
    root: Path,
    *,
    leads: list[str] | None = None,
    activities: pd.DataFrame | None = None,
    outcomes: list[str] | None = None,
    costs: list[str] | None = None,
) -> dict[str, str]:
    """A complete small export under root/data/raw; returns ingest.paths (relative to root)."""
    raw = root / "data" / "raw"
    write_csv(raw / "leads.csv", LEADS_HEADER, GOOD_LEADS if leads is None else leads)
    write_parquet(raw / "activities.parquet", ACTIVITIES if activities is None else activities)
    write_csv(
        raw / "outcomes.csv", OUTCOMES_HEADER, GOOD_OUTCOMES if outcomes is None else outcomes
    )
    write_csv(raw / "channel_costs.csv", COSTS_HEADER, GOOD_COSTS if costs is None else costs)
    return {
        "leads": "data/raw/leads.csv",
        "activities": "data/raw/activities.parquet",
        "outcomes": "data/raw/outcomes.csv",
        "channel_costs": "data/raw/channel_costs.csv",
    }


def outputs(root: Path) -> dict[str, bytes]:
    """Every file ingest writes, by path relative to root, with its bytes."""
    found = {}
    for folder in ("data/interim", "data/quarantine", "reports"):
        for path in sorted((root / folder).glob("*")):
            found[str(path.relative_to(root))] = path.read_bytes()
    return found
