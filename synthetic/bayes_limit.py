"""The Bayes limit: the true P(convert within the horizon | what could be observed before as_of).

For a lead open at as_of (created before it, not closed before it) an observer knows its
attributes, hence its transition matrix, and its activities on every day before as_of. Forward
filtering over the hidden phase with the true parameters gives P(phase on day as_of - 1 | that);
using only the transient block of the transition matrix is exactly the conditioning on "not
closed yet". Then p = posterior . h, h[k] = P(absorbed into converted within horizon_days
transitions | phase k), read off the horizon-th matrix power. A day's emission log-likelihood is
the sum over its events of log rate[phase, emission] minus the total rate of the phase (log n!
terms and per-lead multipliers cancel in the normalisation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic import parameters as world
from synthetic.activities import RATES, Events


@dataclass(frozen=True)
class LeadModel:
    """What the observer knows of each lead in a batch (sorted by created_day)."""

    created_day: np.ndarray
    close_day: np.ndarray  # first day in an absorbing phase (buying_process.NEVER if open)
    transitions: np.ndarray  # (n, 7, 7)
    initial: np.ndarray  # (n, 5)
    total_rates: np.ndarray  # (n, 5) expected activities per day in each phase


@dataclass(frozen=True)
class Probabilities:
    lead: np.ndarray  # position in the batch
    as_of_day: np.ndarray
    p_convert: np.ndarray


def horizon_conversion(transitions: np.ndarray, horizon_days: int) -> np.ndarray:
    """P(in converted after horizon_days transitions | transient phase now), shape (n, 5)."""
    power = np.linalg.matrix_power(transitions, horizon_days)
    return power[:, : world.N_TRANSIENT, world.CONVERTED]


def forward_filter(
    model: LeadModel,
    events: Events,
    as_of_days: np.ndarray,
    horizon_days: int,
    n_days: int,
) -> Probabilities:
    """p_convert for every lead open at each as-of day (day numbers up to n_days)."""
    created = model.created_day
    if len(created) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Probabilities(empty, empty, np.zeros(0))
    if np.any(np.diff(created) < 0):
        raise ValueError("leads must be sorted by created_day")
    h = horizon_conversion(model.transitions, horizon_days)
    stay = model.transitions[:, : world.N_TRANSIENT, : world.N_TRANSIENT]
    pair_day, pair_lead, pair_loglik = _daily_event_loglik(events, len(created))
    pair_bounds = np.searchsorted(pair_day, np.arange(n_days + 1))
    is_as_of = np.zeros(n_days + 2, dtype=bool)
    is_as_of[as_of_days[(as_of_days > 0) & (as_of_days <= n_days)]] = True

    # The leads being filtered, compacted on every as-of day: positions 0 .. size-1.
    active = np.zeros(len(created), dtype=np.int64)
    log_alpha = np.zeros((len(created), world.N_TRANSIENT))
    active_stay = np.zeros_like(stay)
    active_rates = np.zeros_like(model.total_rates)
    size, added = 0, 0
    slot = np.full(len(created), -1, dtype=np.int64)
    out_lead, out_day, out_p = [], [], []
    for day in range(int(created[0]), n_days):
        if size:  # predict: one transition within the transient phases
            alpha = np.exp(log_alpha[:size])
            with np.errstate(divide="ignore"):
                log_alpha[:size] = np.log(np.einsum("ms,mst->mt", alpha, active_stay[:size]))
        arriving = int(np.searchsorted(created, day, side="right"))
        if arriving > added:
            new = np.arange(added, arriving)
            active[size : size + len(new)] = new
            active_stay[size : size + len(new)] = stay[new]
            active_rates[size : size + len(new)] = model.total_rates[new]
            slot[new] = np.arange(size, size + len(new))
            with np.errstate(divide="ignore"):
                log_alpha[size : size + len(new)] = np.log(model.initial[new])
            size, added = size + len(new), arriving
        if not size:
            continue
        # update with the day's observations, then normalise in log space
        log_alpha[:size] -= active_rates[:size]
        lo, hi = pair_bounds[day], pair_bounds[day + 1]
        log_alpha[slot[pair_lead[lo:hi]]] += pair_loglik[lo:hi]
        log_alpha[:size] -= log_alpha[:size].max(axis=1, keepdims=True)
        log_alpha[:size] -= np.log(np.exp(log_alpha[:size]).sum(axis=1, keepdims=True))
        as_of = day + 1
        if is_as_of[as_of]:
            leads = active[:size]
            is_open = model.close_day[leads] >= as_of
            posterior = np.exp(log_alpha[:size][is_open])
            out_lead.append(leads[is_open])
            out_day.append(np.full(int(is_open.sum()), as_of, dtype=np.int64))
            out_p.append((posterior * h[leads[is_open]]).sum(axis=1))
            keep = model.close_day[leads] > as_of  # still in a transient phase on day as_of
            kept = int(keep.sum())
            active[:kept] = leads[keep]
            log_alpha[:kept] = log_alpha[:size][keep]
            active_stay[:kept] = active_stay[:size][keep]
            active_rates[:kept] = active_rates[:size][keep]
            slot[active[:kept]] = np.arange(kept)
            size = kept
    if not out_lead:
        empty = np.zeros(0, dtype=np.int64)
        return Probabilities(empty, empty, np.zeros(0))
    lead, day_, p = np.concatenate(out_lead), np.concatenate(out_day), np.concatenate(out_p)
    order = np.lexsort((day_, lead))
    return Probabilities(lead[order], day_[order], np.clip(p[order], 0.0, 1.0))


def _daily_event_loglik(events: Events, n_leads: int) -> tuple[np.ndarray, ...]:
    """(day, lead, sum of log rate per phase) for every lead-day with activities, by day."""
    log_rates = np.log(RATES).T  # (emission, phase)
    key = events.day * n_leads + events.lead
    order = np.argsort(key, kind="stable")
    key = key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, int)
    loglik = (
        np.add.reduceat(log_rates[events.emission[order]], starts, axis=0)
        if len(key)
        else np.zeros((0, world.N_TRANSIENT))
    )
    return key[starts] // n_leads, key[starts] % n_leads, loglik
