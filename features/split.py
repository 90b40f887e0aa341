"""Out-of-time split of the snapshots into train, validation and test windows by as_of.

test: the most recent `test_weeks` of fully labelled as_of dates (as_of + horizon <= end of
data); validation: the `validation_weeks` before it; train: everything earlier. Between windows
lie `gap_days` without rows, so that a label (which looks `horizon_days` ahead) of an earlier
window cannot see into a later one when gap_days >= horizon_days.

No lead contributes rows to two windows: a lead belongs to the EARLIEST window in which it has
a row, and its rows in later windows are dropped. The rule depends only on when a lead entered
(never on its outcome), so validation and test hold the leads that arrived after the previous
window, as a deployed model meets them, and no label is selected by what happened later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from features.errors import LeadscoreError

WINDOWS = ("train", "validation", "test")
LEAD_RULE = (
    "a lead belongs to the earliest window in which it has a row; its rows in later windows "
    "are dropped (dropped_lead_in_earlier_window)"
)


@dataclass(frozen=True)
class SplitWindows:
    """Inclusive as_of ranges of the three windows."""

    train_end: pd.Timestamp
    validation_start: pd.Timestamp
    validation_end: pd.Timestamp
    test_start: pd.Timestamp
    test_end: pd.Timestamp
    train_start: pd.Timestamp

    def as_dict(self) -> dict[str, dict[str, str]]:
        return {
            "train": {"as_of_start": _day(self.train_start), "as_of_end": _day(self.train_end)},
            "validation": {
                "as_of_start": _day(self.validation_start),
                "as_of_end": _day(self.validation_end),
            },
            "test": {"as_of_start": _day(self.test_start), "as_of_end": _day(self.test_end)},
        }


def _day(ts: pd.Timestamp) -> str:
    return ts.date().isoformat()


def _latest_span(dates: pd.DatetimeIndex, last: pd.Timestamp, weeks: int) -> pd.DatetimeIndex:
    """Dates in (last - weeks, last]."""
    return dates[(dates <= last) & (dates > last - pd.Timedelta(weeks=weeks))]


def split_windows(
    as_of_dates: Sequence[pd.Timestamp] | pd.DatetimeIndex,
    *,
    history_end: pd.Timestamp,
    horizon_days: int,
    test_weeks: int,
    validation_weeks: int,
    gap_days: int,
) -> SplitWindows:
    """The windows over the as-of calendar; a LeadscoreError when the history is too short."""
    dates = pd.DatetimeIndex(as_of_dates).sort_values().unique()
    gap = pd.Timedelta(days=gap_days)
    labelled = dates[dates + pd.Timedelta(days=horizon_days) <= pd.Timestamp(history_end)]
    need = (
        f"history too short for the split: it needs {horizon_days} days of horizon, "
        f"{test_weeks} + {validation_weeks} weeks of test and validation, 2 x {gap_days} days "
        "of gap and some training dates; lower split.* or provide a longer history"
    )
    if labelled.empty:
        raise LeadscoreError(f"params.yaml: {need}")
    test = _latest_span(labelled, labelled[-1], test_weeks)
    before_test = labelled[labelled + gap <= test[0]]
    if test.empty or before_test.empty:
        raise LeadscoreError(f"params.yaml: {need}")
    validation = _latest_span(labelled, before_test[-1], validation_weeks)
    train = labelled[labelled + gap <= validation[0]]
    if validation.empty or train.empty:
        raise LeadscoreError(f"params.yaml: {need}")
    return SplitWindows(
        train_start=train[0],
        train_end=train[-1],
        validation_start=validation[0],
        validation_end=validation[-1],
        test_start=test[0],
        test_end=test[-1],
    )


def window_of(as_of: pd.Series, windows: SplitWindows) -> pd.Series:
    """train / validation / test for each as_of, "gap" between windows, "after" past the test."""
    label = pd.Series("gap", index=as_of.index, dtype="str")
    label = label.mask(as_of <= windows.train_end, "train")
    label = label.mask(
        as_of.between(windows.validation_start, windows.validation_end), "validation"
    )
    label = label.mask(as_of.between(windows.test_start, windows.test_end), "test")
    return label.mask(as_of > windows.test_end, "after").astype("str")


def assign_windows(snapshots: pd.DataFrame, windows: SplitWindows) -> pd.DataFrame:
    """Add column `window`; censored rows get "censored", and the one-window-per-lead rule
    turns a lead's rows after its earliest window into "dropped_lead_in_earlier_window"."""
    out = snapshots.copy()
    window = window_of(out["as_of"], windows)
    if "censored" in out:
        window = window.mask(out["censored"], "censored")
    rank = window.map({name: i for i, name in enumerate(WINDOWS)})
    first = rank.groupby(out["lead_id"]).transform("min")
    later = rank.notna() & (rank > first)
    out["window"] = window.mask(later, "dropped_lead_in_earlier_window").astype("str")
    return out
