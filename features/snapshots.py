"""Point-in-time snapshots: which leads are open at which as-of dates, and their labels.

A training example is a (lead, as_of) pair. At every date of the as-of calendar each lead
created before it and not closed before it is open and gets a row. Its label is 1 when the lead
converts within `horizon_days` from as_of. When that horizon runs past the end of the data the
label is not known yet: the row is censored (counted, never trained or evaluated on).
Nightly scoring asks `open_leads` for one date; training uses `build_snapshots` for the
calendar; both apply the same open-lead rule (`_open_spans`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from features.contract import CONVERTED
from features.errors import LeadscoreError


def history_bounds(interim_dir: str | Path) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(first lead creation, latest timestamp in leads, activities and outcomes)."""
    interim_dir = Path(interim_dir)
    parts = {"leads": "created_at", "activities": "occurred_at", "outcomes": "closed_at"}
    for table in parts:
        if not (interim_dir / f"{table}.parquet").exists():
            raise LeadscoreError(
                f"{interim_dir / table}.parquet: not found; run `leadscore ingest`"
            )
    maxima = " UNION ALL ".join(
        f"SELECT max(CAST({column} AS TIMESTAMP)) "
        f"FROM read_parquet('{interim_dir}/{table}.parquet')"
        for table, column in parts.items()
    )
    leads = f"read_parquet('{interim_dir}/leads.parquet')"
    start_sql = f"SELECT min(CAST(created_at AS TIMESTAMP)) FROM {leads}"
    with duckdb.connect() as con:
        (start,) = con.execute(start_sql).fetchall()[0]
        (end,) = con.execute(f"SELECT max(m) FROM ({maxima}) AS t(m)").fetchall()[0]
    if start is None or end is None:
        raise LeadscoreError(f"{interim_dir}/leads.parquet: no leads; nothing to snapshot")
    return pd.Timestamp(start), pd.Timestamp(end)


def as_of_calendar(
    history_start: pd.Timestamp, history_end: pd.Timestamp, frequency: str
) -> pd.DatetimeIndex:
    """The as-of dates (midnights) from the first lead to the end of the data."""
    try:
        dates = pd.date_range(pd.Timestamp(history_start).normalize(), history_end, freq=frequency)
    except ValueError:
        raise LeadscoreError(
            f"params.yaml: snapshots.frequency={frequency!r} is not a pandas offset alias "
            "(e.g. W-MON, D, MS)"
        ) from None
    return dates.astype("datetime64[us]")


def lead_lifetimes(leads: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """lead_id, created_at, closed_at (NaT while open) and converted (bool) per lead."""
    closed = outcomes[["lead_id", "status", "closed_at"]].drop_duplicates("lead_id")
    lifetimes = leads[["lead_id", "created_at"]].merge(closed, on="lead_id", how="left")
    lifetimes["lead_id"] = lifetimes["lead_id"].astype("str")
    lifetimes["created_at"] = lifetimes["created_at"].astype("datetime64[us]")
    lifetimes["closed_at"] = lifetimes["closed_at"].astype("datetime64[us]")
    lifetimes["converted"] = (lifetimes["status"] == CONVERTED).fillna(False).astype(bool)
    return lifetimes.drop(columns="status")


def _open_spans(lifetimes: pd.DataFrame, dates: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Per lead the [first, last) positions in `dates` at which it is open: created before the
    date (created_at < as_of) and not closed before it (closed_at >= as_of, or never closed)."""
    values = dates.to_numpy()
    first = np.searchsorted(values, lifetimes["created_at"].to_numpy(), side="right")
    closed = lifetimes["closed_at"].to_numpy()
    last = np.where(np.isnat(closed), len(values), np.searchsorted(values, closed, side="right"))
    return first, np.maximum(last, first)


def _pairs(lifetimes: pd.DataFrame, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """One row per (lead, as_of) at which the lead is open, with the lead's lifetime columns."""
    first, last = _open_spans(lifetimes, dates)
    counts = last - first
    rows = np.repeat(np.arange(len(lifetimes)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    pairs = lifetimes.iloc[rows].reset_index(drop=True)
    pairs.insert(1, "as_of", dates.to_numpy()[np.repeat(first, counts) + offsets])
    return pairs


def open_leads(leads: pd.DataFrame, outcomes: pd.DataFrame, as_of: object) -> pd.DataFrame:
    """lead_id, as_of of every lead open at one date: the nightly scoring population."""
    date = pd.DatetimeIndex([pd.Timestamp(as_of)]).astype("datetime64[us]")
    pairs = _pairs(lead_lifetimes(leads, outcomes), date)
    return pairs[["lead_id", "as_of"]]


def build_snapshots(
    leads: pd.DataFrame,
    outcomes: pd.DataFrame,
    *,
    as_of_dates: Sequence[pd.Timestamp] | pd.DatetimeIndex,
    horizon_days: int,
    history_end: pd.Timestamp,
) -> pd.DataFrame:
    """lead_id, as_of, label (int 0/1) and censored (bool) for every open lead at every date.

    label = 1 when the lead converted with closed_at in [as_of, as_of + horizon); censored
    when as_of + horizon is after history_end, so the label cannot be known yet.
    """
    dates = pd.DatetimeIndex(as_of_dates).astype("datetime64[us]").sort_values().unique()
    pairs = _pairs(lead_lifetimes(leads, outcomes), dates)
    horizon_end = pairs["as_of"] + pd.Timedelta(days=horizon_days)
    pairs["label"] = (pairs["converted"] & (pairs["closed_at"] < horizon_end)).astype("int64")
    pairs["censored"] = horizon_end > pd.Timestamp(history_end)
    return pairs[["lead_id", "as_of", "label", "censored"]]


def cap_snapshots_per_lead(snapshots: pd.DataFrame, max_per_lead: int) -> pd.DataFrame:
    """At most `max_per_lead` rows per lead (0 = no cap), evenly spaced over its as_of dates.

    Without a cap a lead that stays open for two years contributes a hundred near-identical
    rows and outweighs a lead that closes in a month; evenly spaced rows (always including the
    first) keep each lead's whole life in view, and the choice is deterministic (no sampling).
    """
    if max_per_lead <= 0:
        return snapshots
    ordered = snapshots.sort_values(["lead_id", "as_of"])
    rank = ordered.groupby("lead_id", sort=False).cumcount().to_numpy()
    size = ordered.groupby("lead_id", sort=False)["as_of"].transform("size").to_numpy()
    # Kept positions are floor(j * size / cap) for j < cap; keep a row when its rank is one.
    j = -(-rank * max_per_lead // size)
    keep = (size <= max_per_lead) | ((j < max_per_lead) & (j * size // max_per_lead == rank))
    return ordered[keep].sort_index()


def snapshot_counts(snapshots: pd.DataFrame) -> dict[str, int]:
    """snapshots, censored, positives (labelled rows only) and leads of a snapshot table."""
    censored = (
        snapshots["censored"]
        if "censored" in snapshots
        else pd.Series(False, index=snapshots.index)
    )
    return {
        "snapshots": int(len(snapshots)),
        "censored": int(censored.sum()),
        "positives": int(snapshots.loc[~censored, "label"].sum()),
        "leads": int(snapshots["lead_id"].nunique()),
    }
