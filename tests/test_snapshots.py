"""Snapshots: the open-lead rule, labels, censoring and the per-lead cap on a hand-made CRM."""

from __future__ import annotations

import pandas as pd
import pytest

from features.errors import LeadscoreError
from features.snapshots import (
    as_of_calendar,
    build_snapshots,
    cap_snapshots_per_lead,
    history_bounds,
    open_leads,
    snapshot_counts,
)
from tests.test_features_helpers import ts, write_interim

HISTORY_END = pd.Timestamp("2024-03-31 12:00")
HORIZON = 14


@pytest.fixture
def crm() -> tuple[pd.DataFrame, pd.DataFrame]:
    leads = pd.DataFrame(
        {
            "lead_id": ["A", "B", "C", "D", "E", "F"],
            "created_at": ts(
                ["2024-01-03", "2024-01-01", "2024-02-10", "2024-03-10", "2024-03-26", "2024-01-02"]
            ),
        }
    )
    outcomes = pd.DataFrame(
        {
            "lead_id": ["B", "C", "D", "F", "ghost"],
            "status": ["converted", "disqualified", "converted", "converted", "converted"],
            "closed_at": ts(["2024-01-20", "2024-02-19", "2024-03-30", "2024-01-05", "2024-02-01"]),
        }
    )
    return leads, outcomes


def snapshots(crm) -> pd.DataFrame:
    leads, outcomes = crm
    dates = as_of_calendar(pd.Timestamp("2024-01-01 08:00"), HISTORY_END, "W-MON")
    return build_snapshots(
        leads, outcomes, as_of_dates=dates, horizon_days=HORIZON, history_end=HISTORY_END
    )


def test_calendar_is_the_mondays_at_midnight_over_the_history():
    dates = as_of_calendar(pd.Timestamp("2024-01-01 08:00"), HISTORY_END, "W-MON")
    assert dates[0] == pd.Timestamp("2024-01-01") and dates[-1] == pd.Timestamp("2024-03-25")
    assert len(dates) == 13 and (dates.dayofweek == 0).all() and (dates == dates.normalize()).all()
    with pytest.raises(LeadscoreError, match="frequency"):
        as_of_calendar(dates[0], HISTORY_END, "fortnightly")


def test_censoring_and_label_counts_on_a_hand_made_case(crm):
    rows = snapshots(crm)
    # A: open Jan 8 .. Mar 25 (12); B: Jan 8, 15; C: Feb 12, 19 (closed on the as_of is still
    # open); D: Mar 11, 18, 25; E created after the last date; F closed before the first.
    assert rows.groupby("lead_id").size().to_dict() == {"A": 12, "B": 2, "C": 2, "D": 3}
    # as_of + 14 days > Mar 31 12:00 for Mar 18 and Mar 25: A twice, D twice.
    assert rows.loc[rows["censored"], "as_of"].dt.strftime("%m-%d").tolist() == [
        "03-18", "03-25", "03-18", "03-25"
    ]  # fmt: skip
    positives = rows[rows["label"] == 1]
    assert positives[["lead_id", "censored"]].values.tolist() == [
        ["B", False], ["B", False], ["D", True], ["D", True]
    ]  # fmt: skip
    # D on Mar 11 converts on Mar 30, after as_of + 14 days: a negative.
    assert rows.query("lead_id == 'D'")["label"].tolist() == [0, 1, 1]
    assert snapshot_counts(rows) == {"snapshots": 19, "censored": 4, "positives": 2, "leads": 4}
    assert rows["label"].dtype == "int64"


def test_open_leads_of_one_date_are_that_dates_snapshots(crm):
    leads, outcomes = crm
    as_of = pd.Timestamp("2024-02-19")
    pairs = open_leads(leads, outcomes, as_of)
    assert sorted(pairs["lead_id"]) == ["A", "C"]
    assert (pairs["as_of"] == as_of).all() and list(pairs.columns) == ["lead_id", "as_of"]
    rows = snapshots(crm)
    for date in rows["as_of"].unique():
        expected = sorted(rows.loc[rows["as_of"] == date, "lead_id"])
        assert sorted(open_leads(leads, outcomes, date)["lead_id"]) == expected


def test_cap_keeps_evenly_spaced_rows_including_the_first(crm):
    rows = snapshots(crm)
    capped = cap_snapshots_per_lead(rows, 4)
    kept_a = capped.query("lead_id == 'A'")["as_of"].tolist()
    all_a = rows.query("lead_id == 'A'")["as_of"].tolist()
    assert kept_a == [all_a[i] for i in (0, 3, 6, 9)]
    assert capped.groupby("lead_id").size().to_dict() == {"A": 4, "B": 2, "C": 2, "D": 3}
    assert cap_snapshots_per_lead(rows, 0) is rows
    pd.testing.assert_frame_equal(cap_snapshots_per_lead(rows, 4), capped)
    for cap in (1, 2, 5, 11, 12, 13):
        sizes = cap_snapshots_per_lead(rows, cap).groupby("lead_id").size()
        assert sizes["A"] == min(cap, 12)


def test_history_bounds_span_all_three_tables(tmp_path, crm):
    leads, outcomes = crm
    leads = leads.assign(channel="x")
    activities = pd.DataFrame(
        {
            "lead_id": ["A"],
            "occurred_at": ts(["2024-04-02 09:30"]),
            "activity_type": ["web_visit"],
            "detail": [None],
        }
    )
    write_interim(tmp_path, leads, activities, outcomes)
    start, end = history_bounds(tmp_path)
    assert start == pd.Timestamp("2024-01-01") and end == pd.Timestamp("2024-04-02 09:30")
    with pytest.raises(LeadscoreError, match="not found"):
        history_bounds(tmp_path / "nothing")
