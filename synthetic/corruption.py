"""What makes the export messy: duplicate lead rows and invalid rows for ingest to handle.

Duplicates repeat a real lead (same lead_id) in a different formatting. Invalid rows are extra
rows with ids of their own (never a real lead's), so the simulated population stays clean:
leads with an unparseable created_at or a negative head count, activities and outcomes of lead
ids that are not in the leads table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from synthetic.activities import DETAIL_COUNT, DETAIL_OFFSET, DETAILS, EMISSION_TYPES
from synthetic.calendar import SECONDS_PER_DAY, History
from synthetic.export import ACTIVITY_SCHEMA, TIMESTAMP_FORMAT, day_second_to_micros

BAD_DATES = ("not a date", "2024-02-30 10:00:00", "31/02/2025", "TBD", "2024-13-45", "00/00/0000")
DAYFIRST_FORMAT = "%d/%m/%Y %H:%M:%S"


def duplicate_leads(rendered: pd.DataFrame, share: float, rng: np.random.Generator) -> pd.DataFrame:
    """Copies of a share of rendered lead rows, each in a slightly different formatting."""
    n = int(round(share * len(rendered)))
    if n == 0:
        return rendered.iloc[:0].copy()
    rows = rendered.iloc[np.sort(rng.choice(len(rendered), n, replace=False))].copy()
    u = rng.random((n, 5))
    channel = rows["channel"].astype(object)
    rows["channel"] = np.where(
        u[:, 0] < 0.5, channel.str.upper(), "  " + channel.astype(str) + " "
    ).astype(object)
    created = pd.to_datetime(rows["created_at"], format=TIMESTAMP_FORMAT)
    rows["created_at"] = np.where(
        u[:, 1] < 0.5, created.dt.strftime(DAYFIRST_FORMAT), rows["created_at"]
    ).astype(object)
    industry = rows["industry"].astype(object)
    rows["industry"] = np.where(u[:, 2] < 0.5, industry.str.upper(), industry).astype(object)
    phone = rows["has_phone"].astype(object)
    rows["has_phone"] = phone.map({"true": "yes", "false": "no", None: None}).where(
        u[:, 3] < 0.5, phone
    )
    employees = rows["employees"].astype(object)
    rows["employees"] = np.where(
        (u[:, 4] < 0.5) & employees.notna(), employees.astype(str) + ".0", employees
    ).astype(object)
    return rows


def invalid_leads(
    rendered: pd.DataFrame, ids: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Extra lead rows with their own ids: half with a broken created_at, half with a negative
    head count; the other attributes are copied from real rows."""
    if len(ids) == 0:
        return rendered.iloc[:0].copy()
    rows = rendered.iloc[rng.choice(len(rendered), len(ids), replace=True)].copy()
    rows["lead_id"] = ids
    broken_date = np.arange(len(ids)) % 2 == 0
    rows.loc[broken_date, "created_at"] = np.asarray(BAD_DATES, dtype=object)[
        rng.integers(len(BAD_DATES), size=int(broken_date.sum()))
    ]
    negative = (-rng.integers(1, 500, size=int((~broken_date).sum()))).astype(str)
    rows.loc[~broken_date, "employees"] = negative.astype(object)
    return rows


def unknown_lead_activities(ids: np.ndarray, hist: History, rng: np.random.Generator) -> pa.Table:
    """A few activities each for lead ids that the leads table does not have."""
    per_lead = 1 + rng.poisson(4, len(ids))
    lead = np.repeat(np.arange(len(ids)), per_lead)
    n = len(lead)
    emission = rng.integers(len(EMISSION_TYPES), size=n)
    day = rng.integers(hist.n_days, size=n)
    second = rng.integers(SECONDS_PER_DAY, size=n)
    order = np.lexsort((second, day, lead))
    lead, emission, day, second = lead[order], emission[order], day[order], second[order]
    n_details = DETAIL_COUNT[emission]
    detail = np.where(
        n_details > 0, DETAIL_OFFSET[emission] + (rng.random(n) * n_details).astype(int), -1
    )
    return pa.table(
        {
            "lead_id": pa.array(ids[lead].tolist(), pa.string()),
            "occurred_at": pa.array(day_second_to_micros(hist, day, second), pa.timestamp("us")),
            "activity_type": pa.array(EMISSION_TYPES[emission].tolist(), pa.string()),
            "detail": pa.array([DETAILS[d] if d >= 0 else None for d in detail], pa.string()),
        },
        schema=ACTIVITY_SCHEMA,
    )


def unknown_lead_outcomes(ids: np.ndarray, hist: History, rng: np.random.Generator) -> pd.DataFrame:
    """Outcome rows for lead ids the leads table does not have (some with a broken date)."""
    day = rng.integers(hist.n_days, size=len(ids))
    closed = hist.start + pd.to_timedelta(day, unit="D")
    closed_at = closed.strftime(TIMESTAMP_FORMAT).to_numpy(dtype=object)
    broken = rng.random(len(ids)) < 0.3
    closed_at[broken] = np.asarray(BAD_DATES, dtype=object)[
        rng.integers(len(BAD_DATES), size=int(broken.sum()))
    ]
    converted = rng.random(len(ids)) < 0.5
    value = np.round(np.exp(rng.normal(8.8, 0.6, len(ids))), 2)
    return pd.DataFrame(
        {
            "lead_id": ids,
            "status": np.where(converted, "converted", "disqualified").astype(object),
            "closed_at": closed_at,
            "deal_value": np.array(
                [f"{v:.2f}" if c else None for v, c in zip(value, converted, strict=True)],
                dtype=object,
            ),
        }
    )


def interleave(rows: pd.DataFrame, extra: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """`rows` with the `extra` rows inserted at random positions (order of `rows` kept)."""
    if extra.empty:
        return rows
    combined = pd.concat([rows, extra], ignore_index=True)
    position = np.concatenate(
        [np.arange(len(rows), dtype=float), rng.uniform(-0.5, len(rows) - 0.5, len(extra))]
    )
    return combined.iloc[np.argsort(position, kind="stable")].reset_index(drop=True)
