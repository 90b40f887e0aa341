"""The history's calendar: its days, daily lead arrivals and the as-of dates of the ground truth.

Days are counted from the history's first day (day 0); times within a day are seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthetic import parameters as world

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class History:
    start: pd.Timestamp  # first day, midnight
    n_days: int

    @property
    def end(self) -> pd.Timestamp:
        """The last day of the history (midnight)."""
        return self.start + pd.Timedelta(days=self.n_days - 1)

    def day_of(self, timestamp: pd.Timestamp) -> int:
        return (timestamp.normalize() - self.start).days

    def dates(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, periods=self.n_days, freq="D")


def history(start: str, months: int) -> History:
    """`months` calendar months from `start` (a date)."""
    first = pd.Timestamp(start).normalize()
    after = first + pd.DateOffset(months=months)
    return History(start=first, n_days=(after - first).days)


def arrival_intensity(hist: History) -> np.ndarray:
    """Relative expected arrivals per day: weekday pattern, growth and a December dip."""
    dates = hist.dates()
    years = np.arange(hist.n_days) / 365.25
    weekday = np.asarray(world.WEEKDAY_FACTORS)[dates.dayofweek]
    season = np.where(dates.month == 12, world.DECEMBER_DIP, 1.0)
    return weekday * season * (1.0 + world.ANNUAL_GROWTH) ** years


def daily_arrivals(n_leads: int, hist: History, rng: np.random.Generator) -> np.ndarray:
    """Leads created on each day; sums to exactly n_leads."""
    intensity = arrival_intensity(hist)
    return rng.multinomial(n_leads, intensity / intensity.sum())


def creation_seconds(n: int, rng: np.random.Generator) -> np.ndarray:
    """Second of the day a lead is created: office hours, never in the last minute of a day."""
    hours = rng.normal(world.CREATION_HOUR_MEAN, world.CREATION_HOUR_SD, n) % 24.0
    return np.minimum((hours * 3600).astype(np.int64), SECONDS_PER_DAY - 61)


def snapshot_days(hist: History, frequency: str) -> np.ndarray:
    """Day numbers of the as-of dates: the snapshot calendar plus the day after the history."""
    calendar = pd.date_range(hist.start, hist.end, freq=frequency)
    days = [(d - hist.start).days for d in calendar] + [hist.n_days]
    return np.unique(np.asarray(days, dtype=np.int64))
