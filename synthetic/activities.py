"""Activities emitted by the hidden phases: Poisson counts per day and emission.

Each emission (an activity type with its own detail vocabulary) has a daily rate per phase,
times a per-lead multiplier from observable attributes, times `activity_rate`. Over a sojourn of
L days the count is Poisson(rate * L) with the days uniform over the sojourn: exactly the daily
chain's counts. Times are uniform within the day, and after created_at on the creation day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthetic import parameters as world
from synthetic.buying_process import Paths
from synthetic.calendar import SECONDS_PER_DAY

EMISSION_TYPES = np.asarray([e.activity_type for e in world.EMISSIONS], dtype=object)
RATES = np.array([e.rates for e in world.EMISSIONS], dtype=float).T  # (phase, emission)
DETAILS = tuple(d for e in world.EMISSIONS for d in e.details)  # every detail, emission by emission
DETAIL_COUNT = np.array([len(e.details) for e in world.EMISSIONS])
DETAIL_OFFSET = np.concatenate([[0], np.cumsum(DETAIL_COUNT)[:-1]])


@dataclass(frozen=True)
class Events:
    """Activities of a batch of leads, sorted by lead and time."""

    lead: np.ndarray  # position in the batch
    day: np.ndarray
    second: np.ndarray  # second of the day
    emission: np.ndarray  # index into parameters.EMISSIONS
    detail: np.ndarray  # index into DETAILS, -1 when the activity has no detail

    def __len__(self) -> int:
        return len(self.lead)


def rate_multipliers(leads: pd.DataFrame) -> np.ndarray:
    """Per-lead multiplier of each emission's rate, shape (n, emissions)."""
    multipliers = np.ones((len(leads), len(world.EMISSIONS)))
    groups = {
        "seniority": leads["seniority"].to_numpy(dtype=object),
        "email": leads["email_type"].to_numpy(dtype=object),
    }
    for key, factors in world.RATE_MULTIPLIERS.items():
        attribute, value = key.split(":")
        rows = groups[attribute] == value
        for activity_type, factor in factors.items():
            multipliers[np.ix_(rows, activity_type == EMISSION_TYPES)] *= factor
    return multipliers


def daily_total_rates(multipliers: np.ndarray, activity_rate: float) -> np.ndarray:
    """Expected activities per day in each transient phase, shape (n, 5)."""
    return activity_rate * multipliers @ RATES.T


def emit_activities(
    paths: Paths,
    created_day: np.ndarray,
    created_second: np.ndarray,
    multipliers: np.ndarray,
    activity_rate: float,
    n_days: int,
    rng: np.random.Generator,
) -> Events:
    """Draw every activity of the sojourns that falls inside the history."""
    lead, start = paths.segment_lead, paths.segment_start
    visible = np.minimum(paths.segment_length, n_days - start)
    expected = RATES[paths.segment_state] * multipliers[lead] * (activity_rate * visible[:, None])
    counts = rng.poisson(expected)
    n_emissions = counts.shape[1]
    flat = np.repeat(np.arange(counts.size), counts.ravel())
    segment, emission = flat // n_emissions, flat % n_emissions
    event_lead = lead[segment]
    day = start[segment] + (rng.random(len(flat)) * visible[segment]).astype(np.int64)
    # Within a day the time carries no information about the phase, so any distribution keeps
    # the Bayes limit exact: office hours mostly; on the creation day, after created_at.
    after_creation = created_second[event_lead] + 1
    on_creation_day = day == created_day[event_lead]
    second = np.where(
        on_creation_day,
        after_creation + (rng.random(len(flat)) * (SECONDS_PER_DAY - after_creation)),
        _time_of_day(len(flat), rng),
    ).astype(np.int64)
    n_details = DETAIL_COUNT[emission]
    pick = (rng.random(len(flat)) * n_details).astype(np.int64)
    detail = np.where(n_details > 0, DETAIL_OFFSET[emission] + pick, -1)
    # one int64 key instead of np.lexsort over four arrays: several times faster
    key = ((event_lead * n_days + day) * SECONDS_PER_DAY + second) * n_emissions + emission
    order = np.argsort(key, kind="stable")
    return Events(
        lead=event_lead[order],
        day=day[order],
        second=second[order],
        emission=emission[order],
        detail=detail[order],
    )


def _time_of_day(n: int, rng: np.random.Generator) -> np.ndarray:
    """Seconds into the day: office hours for most activities, any time for the rest."""
    office = rng.normal(world.ACTIVITY_HOUR_MEAN, world.ACTIVITY_HOUR_SD, n) % 24.0 * 3600
    anytime = rng.random(n) * SECONDS_PER_DAY
    return np.where(rng.random(n) < world.ACTIVITY_OFFICE_SHARE, office, anytime)
