"""The history's calendar: its length, arrivals and as-of days."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthetic.calendar import (
    SECONDS_PER_DAY,
    creation_seconds,
    daily_arrivals,
    history,
    snapshot_days,
)


def test_history_spans_whole_calendar_months():
    hist = history("2024-01-01", 24)
    assert hist.n_days == 731  # 2024 is a leap year
    assert hist.end == pd.Timestamp("2025-12-31")
    assert history("2024-03-15", 1).end == pd.Timestamp("2024-04-14")


def test_snapshot_days_are_the_calendar_plus_the_scoring_day():
    hist = history("2024-01-01", 24)
    days = snapshot_days(hist, "W-MON")
    dates = hist.start + pd.to_timedelta(days, unit="D")
    assert (dates[:-1].dayofweek == 0).all() and len(days) == 105 + 1
    assert days[-1] == hist.n_days  # 2026-01-01, the day after the history


def test_daily_arrivals_sum_to_the_size_and_avoid_the_last_minute():
    hist = history("2024-01-01", 24)
    rng = np.random.default_rng(0)
    counts = daily_arrivals(10_000, hist, rng)
    assert counts.sum() == 10_000 and len(counts) == hist.n_days
    seconds = creation_seconds(10_000, rng)
    assert seconds.min() >= 0 and seconds.max() < SECONDS_PER_DAY - 60
    hours = seconds // 3600
    assert ((hours >= 9) & (hours < 18)).mean() > 0.7  # office hours
