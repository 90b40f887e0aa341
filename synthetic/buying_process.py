"""The hidden buying process: a daily Markov chain per lead over buying phases.

Transient phases awareness, consideration, evaluation, purchase and cold; absorbing converted
and disqualified. A lead's transition matrix depends only on its fit, a function of observable
attributes (missing values are categories of their own), and is constant over its life. The
chain is simulated exactly by sojourns: the time in a phase is Geometric(1 - A_kk) days and the
next phase follows the normalised off-diagonal row, which is the daily chain in fewer steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthetic import parameters as world

NEVER = np.iinfo(np.int64).max  # close day of a lead still open when the simulation stops


def fit_scores(leads: pd.DataFrame) -> np.ndarray:
    """Fit of each lead: the sum of its attribute effects (observable attributes only)."""
    channel = leads["channel_index"].to_numpy()
    year_one = np.array([c.fit for c in world.CHANNELS])[channel]
    year_two = np.array([c.fit_year_two for c in world.CHANNELS])[channel]
    return (
        world.FIT_INTERCEPT
        + leads["industry_class"].map(world.INDUSTRY_FIT).to_numpy(dtype=float)
        + leads["employee_band"].map(world.EMPLOYEE_BAND_FIT).to_numpy(dtype=float)
        + leads["seniority"].map(world.SENIORITY_FIT).to_numpy(dtype=float)
        + leads["email_type"].map(world.EMAIL_FIT).to_numpy(dtype=float)
        + np.where(leads["year_two"].to_numpy(dtype=bool), year_two, year_one)
    )


def transition_matrices(fit: np.ndarray) -> np.ndarray:
    """Daily transition matrices, shape (n, 7, 7); rows are the phase on day d."""
    n = len(fit)
    A = np.zeros((n, world.N_STATES, world.N_STATES))
    for (source, target), (base, elasticity) in world.TRANSITIONS.items():
        A[:, source, target] = np.minimum(base * np.exp(elasticity * fit), world.MAX_TRANSITION)
    leave = A.sum(axis=2)
    A *= np.where(leave > world.MAX_LEAVE, world.MAX_LEAVE / np.maximum(leave, 1e-300), 1.0)[
        :, :, None
    ]
    for state in range(world.N_STATES):  # the diagonal is still zero here
        A[:, state, state] = 1.0 - A[:, state, :].sum(axis=1)
    return A


def initial_distribution(channel_index: np.ndarray) -> np.ndarray:
    """P(phase on the creation day) per lead, shape (n, 5), from its channel."""
    table = np.array([c.initial for c in world.CHANNELS], dtype=float)
    return table[channel_index] / table[channel_index].sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class Paths:
    """The simulated phase sojourns of a batch of leads, and how each lead ended."""

    segment_lead: np.ndarray  # lead (position in the batch) of each sojourn
    segment_state: np.ndarray  # transient phase of the sojourn
    segment_start: np.ndarray  # first day of the sojourn
    segment_length: np.ndarray  # days in the phase (may run past the history)
    close_day: np.ndarray  # first day in an absorbing state, NEVER if not within the simulation
    outcome: np.ndarray  # CONVERTED, DISQUALIFIED or -1 (open)


def simulate_paths(
    A: np.ndarray,
    initial: np.ndarray,
    start_day: np.ndarray,
    n_days: int,
    rng: np.random.Generator,
) -> Paths:
    """Sojourns of every lead from its creation day until absorption or the history's end."""
    n = len(start_day)
    state = _draw_rows(initial, rng)
    day = start_day.astype(np.int64).copy()
    close_day = np.full(n, NEVER, dtype=np.int64)
    outcome = np.full(n, -1, dtype=np.int8)
    pieces: list[tuple[np.ndarray, ...]] = []
    alive = np.arange(n)
    while alive.size:
        current = state[alive]
        rows = A[alive, current, :].copy()
        length = rng.geometric(1.0 - rows[np.arange(alive.size), current])
        pieces.append((alive, current, day[alive], length))
        rows[np.arange(alive.size), current] = 0.0
        nxt = _draw_rows(rows, rng)
        day[alive] += length
        state[alive] = nxt
        absorbed = nxt >= world.N_TRANSIENT
        close_day[alive[absorbed]] = day[alive[absorbed]]
        outcome[alive[absorbed]] = nxt[absorbed]
        alive = alive[~absorbed & (day[alive] < n_days)]
    lead, seg_state, seg_start, seg_length = (np.concatenate(p) for p in zip(*pieces, strict=True))
    order = np.lexsort((seg_start, lead))
    return Paths(
        segment_lead=lead[order].astype(np.int64),
        segment_state=seg_state[order].astype(np.int64),
        segment_start=seg_start[order],
        segment_length=seg_length[order].astype(np.int64),
        close_day=close_day,
        outcome=outcome,
    )


def deal_values(employees: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Lognormal deal values that grow with the (true) company size."""
    log_value = (
        world.DEAL_LOG_BASE
        + world.DEAL_SIZE_ELASTICITY * np.log(employees / 50.0)
        + rng.normal(0.0, world.DEAL_LOG_SD, len(employees))
    )
    return np.maximum(np.round(np.exp(log_value), 2), world.DEAL_MIN)


def _draw_rows(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One category per row of (unnormalised) weights."""
    cumulative = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cumulative[:, -1]
    return np.minimum((u[:, None] >= cumulative).sum(axis=1), weights.shape[1] - 1)
