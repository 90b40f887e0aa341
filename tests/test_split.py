"""Out-of-time split: ordered windows with gaps, fully labelled test, no lead in two windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.errors import LeadscoreError
from features.snapshots import as_of_calendar, build_snapshots
from features.split import WINDOWS, assign_windows, split_windows
from tests.test_features_helpers import make_leads, make_outcomes

HISTORY_START = pd.Timestamp("2024-01-01")
HISTORY_END = pd.Timestamp("2025-06-30 18:00")
HORIZON = 28
GAP = 28
TEST_WEEKS = 8
VALIDATION_WEEKS = 6


def windows_for(dates, **overrides):
    kwargs = dict(
        history_end=HISTORY_END,
        horizon_days=HORIZON,
        test_weeks=TEST_WEEKS,
        validation_weeks=VALIDATION_WEEKS,
        gap_days=GAP,
    )
    return split_windows(dates, **{**kwargs, **overrides})


@pytest.fixture(scope="module")
def split_rows() -> pd.DataFrame:
    leads = make_leads(400, days=500)
    outcomes = make_outcomes(leads, share=0.6)
    dates = as_of_calendar(HISTORY_START, HISTORY_END, "W-MON")
    rows = build_snapshots(
        leads, outcomes, as_of_dates=dates, horizon_days=HORIZON, history_end=HISTORY_END
    )
    return assign_windows(rows, windows_for(dates))


def test_windows_are_ordered_with_gaps_and_the_test_is_the_latest_labelled():
    dates = as_of_calendar(HISTORY_START, HISTORY_END, "W-MON")
    w = windows_for(dates)
    labelled = dates[dates + pd.Timedelta(days=HORIZON) <= HISTORY_END]
    assert w.test_end == labelled[-1]
    assert len(dates[(dates >= w.test_start) & (dates <= w.test_end)]) == TEST_WEEKS
    assert (
        len(dates[(dates >= w.validation_start) & (dates <= w.validation_end)]) == VALIDATION_WEEKS
    )
    assert w.train_start == dates[0]
    assert w.train_end + pd.Timedelta(days=GAP) <= w.validation_start
    assert w.validation_end + pd.Timedelta(days=GAP) <= w.test_start
    # The gaps are as short as the rule allows: the next calendar date would break it.
    assert w.validation_end + pd.Timedelta(days=GAP + 7) > w.test_start


def test_no_lead_is_in_two_windows_and_rows_stay_in_their_window(split_rows):
    used = split_rows[split_rows["window"].isin(WINDOWS)]
    assert (used.groupby("lead_id")["window"].nunique() == 1).all()
    spans = used.groupby("window")["as_of"].agg(["min", "max"])
    gap = pd.Timedelta(days=GAP)
    assert spans.loc["train", "max"] + gap <= spans.loc["validation", "min"]
    assert spans.loc["validation", "max"] + gap <= spans.loc["test", "min"]
    assert not used["censored"].any()
    assert (split_rows.loc[split_rows["censored"], "window"] == "censored").all()
    for window in WINDOWS:
        assert (used["window"] == window).sum() > 20, window


def test_a_lead_belongs_to_its_earliest_window(split_rows):
    """Leads of later windows arrived after the earlier window: none of their rows is earlier."""
    order = {name: i for i, name in enumerate(WINDOWS)}
    window = split_rows["window"].map(order)
    plain = split_rows.assign(rank=window)
    first = plain.dropna(subset=["rank"]).groupby("lead_id")["rank"].min()
    dropped = split_rows[split_rows["window"] == "dropped_lead_in_earlier_window"]
    assert len(dropped) > 0
    assert (dropped["lead_id"].map(first) >= 0).all()
    kept = plain.dropna(subset=["rank"])
    assert (kept["rank"].to_numpy() == kept["lead_id"].map(first).to_numpy()).all()
    # Every kept row keeps its label untouched.
    assert np.isin(kept["label"].unique(), [0, 1]).all()


def test_too_short_a_history_is_a_clear_error():
    dates = as_of_calendar(HISTORY_START, pd.Timestamp("2024-04-30"), "W-MON")
    with pytest.raises(LeadscoreError, match="history too short"):
        windows_for(dates, history_end=pd.Timestamp("2024-04-30"))
