"""How the CRM export renders clean simulated rows: contract column names, strings in CSV."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from features.contract import ACTIVITIES, LEADS, OUTCOMES
from synthetic.activities import DETAILS, EMISSION_TYPES, Events
from synthetic.bayes_limit import Probabilities
from synthetic.calendar import SECONDS_PER_DAY, History

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
ACTIVITY_SCHEMA = pa.schema(
    [
        ("lead_id", pa.string()),
        ("occurred_at", pa.timestamp("us")),
        ("activity_type", pa.string()),
        ("detail", pa.string()),
    ]
)
BAYES_LIMIT_SCHEMA = pa.schema(
    [("lead_id", pa.string()), ("as_of", pa.timestamp("us")), ("p_convert", pa.float64())]
)
assert tuple(ACTIVITY_SCHEMA.names) == ACTIVITIES.column_names

_MICROS_PER_SECOND = 1_000_000
_ACTIVITY_TYPES = pa.array(EMISSION_TYPES.tolist(), pa.string())
_DETAILS = pa.array(list(DETAILS), pa.string())


def render_leads(leads: pd.DataFrame) -> pd.DataFrame:
    """The leads table as the CRM exports it (every value a string or missing)."""
    employees = leads["employees"].to_numpy(dtype=float)
    phone = leads["has_phone"].to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "lead_id": leads["lead_id"].to_numpy(dtype=object),
            "created_at": leads["created_at"].dt.strftime(TIMESTAMP_FORMAT).to_numpy(dtype=object),
            "channel": leads["channel"].to_numpy(dtype=object),
            "campaign": leads["campaign"].to_numpy(dtype=object),
            "country": leads["country"].to_numpy(dtype=object),
            "industry": leads["industry"].to_numpy(dtype=object),
            "employees": np.array(
                [None if np.isnan(e) else str(int(e)) for e in employees], dtype=object
            ),
            "job_title": leads["job_title"].to_numpy(dtype=object),
            "email_domain": leads["email_domain"].to_numpy(dtype=object),
            "has_phone": np.array(
                [None if v is None else ("true" if v else "false") for v in phone], dtype=object
            ),
        },
        columns=list(LEADS.column_names),
    )


def render_outcomes(
    lead_id: np.ndarray,
    converted: np.ndarray,
    closed_at: pd.DatetimeIndex,
    deal_value: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The outcomes table: status (occasionally capitalised), closed_at, deal_value."""
    status = np.where(converted, "converted", "disqualified").astype(object)
    capitalised = rng.random(len(status)) < 0.05
    status[capitalised] = [s.capitalize() for s in status[capitalised]]
    value = [f"{v:.2f}" if c else None for v, c in zip(deal_value, converted, strict=True)]
    return pd.DataFrame(
        {
            "lead_id": lead_id,
            "status": status,
            "closed_at": closed_at.strftime(TIMESTAMP_FORMAT).to_numpy(dtype=object),
            "deal_value": np.asarray(value, dtype=object),
        },
        columns=list(OUTCOMES.column_names),
    )


def day_second_to_micros(hist: History, day: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Microseconds since the epoch (naive UTC) of a day number and second of the day."""
    origin = hist.start.value // 1000  # ns -> us
    return origin + (day * SECONDS_PER_DAY + second) * _MICROS_PER_SECOND


def activity_table(lead_ids: pa.Array, events: Events, hist: History) -> pa.Table:
    """Activities as an Arrow table (lead_ids: the batch's ids by position)."""
    detail_index = pa.array(events.detail, mask=events.detail < 0)
    return pa.table(
        {
            "lead_id": lead_ids.take(pa.array(events.lead)),
            "occurred_at": pa.array(
                day_second_to_micros(hist, events.day, events.second), pa.timestamp("us")
            ),
            "activity_type": _ACTIVITY_TYPES.take(pa.array(events.emission)),
            "detail": _DETAILS.take(detail_index),
        },
        schema=ACTIVITY_SCHEMA,
    )


def bayes_limit_table(lead_ids: pa.Array, probabilities: Probabilities, hist: History) -> pa.Table:
    """The ground-truth rows of a batch: lead_id, as_of (midnight), p_convert."""
    zero = np.zeros(len(probabilities.as_of_day), dtype=np.int64)
    return pa.table(
        {
            "lead_id": lead_ids.take(pa.array(probabilities.lead)),
            "as_of": pa.array(
                day_second_to_micros(hist, probabilities.as_of_day, zero), pa.timestamp("us")
            ),
            "p_convert": pa.array(probabilities.p_convert, pa.float64()),
        },
        schema=BAYES_LIMIT_SCHEMA,
    )
