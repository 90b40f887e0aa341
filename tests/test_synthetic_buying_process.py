"""The hidden buying process and its emissions: the sojourn simulation is the daily chain."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthetic import parameters as world
from synthetic.activities import RATES, emit_activities
from synthetic.buying_process import (
    NEVER,
    Paths,
    deal_values,
    fit_scores,
    simulate_paths,
    transition_matrices,
)

N_DAYS = 60


def _daily_chain(A: np.ndarray, initial: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Phase of every lead on every day, one transition per day (the reference model)."""
    n = len(A)
    states = np.zeros((n, N_DAYS), dtype=np.int64)
    states[:, 0] = (rng.random(n)[:, None] > np.cumsum(initial, axis=1)).sum(axis=1)
    for day in range(1, N_DAYS):
        rows = A[np.arange(n), states[:, day - 1]]
        states[:, day] = (rng.random(n)[:, None] > np.cumsum(rows, axis=1)).sum(axis=1)
    return states


def _states_from_paths(paths: Paths, n: int) -> np.ndarray:
    states = np.full((n, N_DAYS), -1, dtype=np.int64)
    for lead, state, start, length in zip(
        paths.segment_lead,
        paths.segment_state,
        paths.segment_start,
        paths.segment_length,
        strict=True,
    ):
        states[lead, start : min(start + length, N_DAYS)] = state
    closed = paths.close_day < N_DAYS
    for lead in np.flatnonzero(closed):
        states[lead, paths.close_day[lead] :] = paths.outcome[lead]
    return states


def test_sojourn_simulation_has_the_daily_chains_distribution():
    n = 20_000
    A = transition_matrices(np.repeat([2.0, 0.0], n // 2))
    initial = np.tile([0.3, 0.3, 0.2, 0.1, 0.1], (n, 1))
    rng = np.random.default_rng(3)
    daily = _daily_chain(A, initial, rng)
    paths = simulate_paths(A, initial, np.zeros(n, dtype=np.int64), N_DAYS, rng)
    sojourn = _states_from_paths(paths, n)
    assert (sojourn >= 0).all()  # every day of every lead is covered exactly once
    for day in (0, 1, 10, 30, 59):
        for state in range(world.N_STATES):
            p_daily, p_sojourn = (daily[:, day] == state).mean(), (sojourn[:, day] == state).mean()
            se = np.sqrt(max(p_daily * (1 - p_daily), 1e-4) * 2 / n)
            assert abs(p_daily - p_sojourn) < 4.5 * se, (day, state, p_daily, p_sojourn)
    # a phase that lasts one day happens as often as 1 - A_kk says
    first = paths.segment_start == 0
    one_day = (paths.segment_length[first] == 1).mean()
    expected = (
        1 - A[paths.segment_lead[first], paths.segment_state[first], paths.segment_state[first]]
    )
    assert abs(one_day - expected.mean()) < 0.01


def test_closed_leads_end_in_an_absorbing_state_on_their_close_day():
    n = 5000
    A = transition_matrices(np.linspace(-3, 3, n))
    paths = simulate_paths(
        A, np.tile(np.eye(5)[0], (n, 1)), np.zeros(n, int), 400, np.random.default_rng(1)
    )
    closed = paths.close_day != NEVER
    assert set(paths.outcome[closed]) == {world.CONVERTED, world.DISQUALIFIED}
    assert (paths.outcome[~closed] == -1).all()
    last = pd.DataFrame(
        {"lead": paths.segment_lead, "end": paths.segment_start + paths.segment_length}
    )
    end = last.groupby("lead")["end"].max()
    assert (end[closed] == paths.close_day[closed]).all()
    # good fit converts more often
    converted = paths.outcome == world.CONVERTED
    assert converted[-n // 4 :].mean() > 5 * converted[: n // 4].mean()


def test_transition_matrices_are_stochastic_and_fit_moves_leads_forward():
    A = transition_matrices(np.array([-4.0, 0.0, 4.0]))
    assert np.allclose(A.sum(axis=2), 1.0) and (A >= 0).all()
    assert np.allclose(A[:, world.CONVERTED, world.CONVERTED], 1.0)
    assert np.allclose(A[:, world.DISQUALIFIED, world.DISQUALIFIED], 1.0)
    assert np.all(np.diff(A[:, world.AWARENESS, world.CONSIDERATION]) > 0)
    assert np.all(np.diff(A[:, world.AWARENESS, world.COLD]) < 0)
    assert (
        A[:, world.COLD, world.AWARENESS] < A[:, world.COLD, world.DISQUALIFIED]
    ).all()  # rare re-awakening


def _leads(**columns) -> pd.DataFrame:
    base = {
        "channel_index": world.CHANNEL_NAMES.index("paid_search"),
        "industry_class": "target",
        "employee_band": "51-200",
        "seniority": "vp",
        "email_type": "corporate",
        "year_two": False,
    }
    return pd.DataFrame([{**base, **row} for row in columns["rows"]])


def test_fit_rewards_good_profiles_and_paid_social_drifts_down_in_year_two():
    social = world.CHANNEL_NAMES.index("paid_social")
    fit = fit_scores(
        _leads(
            rows=[
                {},
                {"industry_class": "other"},
                {"seniority": "student", "email_type": "education"},
                {"email_type": "competitor"},
                {"industry_class": "missing", "employee_band": "missing", "seniority": "unknown",
                 "email_type": "missing"},
                {"channel_index": social},
                {"channel_index": social, "year_two": True},
                {"year_two": True},
            ]
        )
    )  # fmt: skip
    assert fit[0] > fit[1] > fit[2] and fit[3] < fit[1]
    assert np.isfinite(fit).all()  # missing values are categories of their own
    assert fit[6] < fit[5] - 0.3 and fit[7] == fit[0]


def test_sojourn_emissions_are_daily_poisson_counts_inside_the_history():
    n, length, n_days = 3000, 40, 30
    paths = Paths(
        segment_lead=np.arange(n),
        segment_state=np.full(n, world.EVALUATION),
        segment_start=np.full(n, 5),
        segment_length=np.full(n, length),
        close_day=np.full(n, NEVER),
        outcome=np.full(n, -1, dtype=np.int8),
    )
    multipliers = np.ones((n, len(world.EMISSIONS)))
    multipliers[: n // 2] = 2.0
    created_second = np.full(n, 20 * 3600)
    events = emit_activities(
        paths, np.full(n, 5), created_second, multipliers, 1.5, n_days, np.random.default_rng(5)
    )
    assert events.day.min() == 5 and events.day.max() == n_days - 1  # cut at the history's end
    creation_day = events.day == 5
    assert (events.second[creation_day] > 20 * 3600).all()
    visible_days = n_days - 5
    expected = 1.5 * RATES[world.EVALUATION].sum() * visible_days
    doubled = events.lead < n // 2
    assert abs(np.sum(~doubled) / (n // 2) - expected) < 0.05 * expected
    assert abs(np.sum(doubled) / (n // 2) - 2 * expected) < 0.05 * 2 * expected
    per_day = np.bincount(events.day - 5, minlength=visible_days)
    assert per_day.min() > 0.9 * per_day.mean()  # days uniform over the sojourn
    pricing = world.EMISSIONS.index(
        next(e for e in world.EMISSIONS if e.activity_type == "pricing_page_view")
    )
    counts = np.bincount(
        (events.lead * visible_days + events.day - 5)[(events.emission == pricing) & ~doubled],
        minlength=n * visible_days,
    )[(n // 2) * visible_days :]
    rate = 1.5 * RATES[world.EVALUATION, pricing]
    assert abs(counts.mean() - rate) < 0.05 * rate
    assert abs(counts.var() - rate) < 0.1 * rate  # Poisson: variance = mean


def test_deal_values_grow_with_company_size():
    rng = np.random.default_rng(0)
    small, large = deal_values(np.full(5000, 20.0), rng), deal_values(np.full(5000, 2000.0), rng)
    assert np.median(large) > 2.5 * np.median(small)
    assert (small >= world.DEAL_MIN).all()
