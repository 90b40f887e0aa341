"""The Bayes-limit forward filter: exact against brute force, calibrated against simulation."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.stats import poisson
from sklearn.metrics import roc_auc_score

from synthetic import parameters as world
from synthetic.activities import RATES, Events
from synthetic.bayes_limit import LeadModel, forward_filter, horizon_conversion
from synthetic.buying_process import NEVER, transition_matrices
from tests.synthetic_crm import Crm, generated_crm


@pytest.fixture(scope="module")
def crm(tmp_path_factory) -> Crm:
    return generated_crm(tmp_path_factory.mktemp("crm"))


def _brute_force(
    model: LeadModel,
    lead: int,
    counts: np.ndarray,
    multipliers: np.ndarray,
    as_of: int,
    horizon: int,
) -> float:
    """P(convert in [as_of, as_of + horizon) | observations) by summing over every phase path,
    with the full Poisson likelihood (factorials and per-lead multipliers included)."""
    created = int(model.created_day[lead])
    A = model.transitions[lead]
    h = np.linalg.matrix_power(A, horizon)[:, world.CONVERTED]
    days = list(range(created, as_of))
    rates = RATES * multipliers[None, :]  # (phase, emission)
    # emission[t, k] = P(the counts of day days[t] | phase k)
    emission = np.prod(poisson.pmf(counts[days][:, None, :], rates[None, :, :]), axis=2)
    joint, weighted = 0.0, 0.0
    for path in itertools.product(range(world.N_TRANSIENT), repeat=len(days)):
        prob = model.initial[lead, path[0]] * emission[0, path[0]]
        for step in range(1, len(path)):
            prob *= A[path[step - 1], path[step]] * emission[step, path[step]]
        joint += prob
        weighted += prob * h[path[-1]]
    return weighted / joint


def test_forward_filter_equals_brute_force_enumeration():
    rng = np.random.default_rng(7)
    n_days, horizon = 6, 5
    fit = np.array([1.5, -0.5, 0.3])
    A = transition_matrices(fit)
    multipliers = np.ones((3, len(world.EMISSIONS)))
    multipliers[1, :3] = 4.0  # state-independent factors must cancel
    model = LeadModel(
        created_day=np.array([0, 1, 2]),
        close_day=np.array([NEVER, NEVER, 4]),
        transitions=A,
        initial=rng.dirichlet(np.ones(world.N_TRANSIENT), size=3),
        total_rates=multipliers @ RATES.T,
    )
    counts = rng.poisson(0.4, size=(3, n_days, len(world.EMISSIONS)))
    counts[2, 4:] = 0  # closed from day 4 on: no activities
    lead, day, emission = np.nonzero(counts)
    repeat = counts[lead, day, emission]
    events = Events(
        lead=np.repeat(lead, repeat),
        day=np.repeat(day, repeat),
        second=np.zeros(repeat.sum(), dtype=np.int64),
        emission=np.repeat(emission, repeat),
        detail=np.full(repeat.sum(), -1),
    )
    result = forward_filter(model, events, np.arange(n_days + 1), horizon, n_days)

    rows = zip(result.lead, result.as_of_day, result.p_convert, strict=True)
    got = {(int(lead), int(as_of)): p for lead, as_of, p in rows}
    expected_keys = {(0, a) for a in range(1, 7)} | {(1, a) for a in range(2, 7)}
    expected_keys |= {(2, 3), (2, 4)}  # created day 2, closed on day 4: open at 3 and 4
    assert set(got) == expected_keys
    for (lead_, as_of), p in got.items():
        exact = _brute_force(model, lead_, counts[lead_], multipliers[lead_], as_of, horizon)
        assert p == pytest.approx(exact, rel=1e-9, abs=1e-15)


def test_horizon_conversion_is_absorption_within_the_horizon():
    A = transition_matrices(np.array([0.0, 2.0]))
    one_day = horizon_conversion(A, 1)
    assert np.allclose(one_day, A[:, : world.N_TRANSIENT, world.CONVERTED])
    # more time never lowers the chance of having converted; purchase is the closest phase
    h30, h90 = horizon_conversion(A, 30), horizon_conversion(A, 90)
    assert np.all(h90 >= h30)
    assert np.all(h90.argmax(axis=1) == world.PURCHASE)


def _labelled(crm) -> pd.DataFrame:
    """Ground-truth rows whose horizon lies inside the history, with the realised label."""
    truth = crm.truth.merge(crm.outcomes, on="lead_id", how="left")
    horizon = pd.Timedelta(days=crm.meta["horizon_days"])
    end = pd.Timestamp(crm.meta["history_end"]) + pd.Timedelta(days=1)
    truth = truth[truth["as_of"] + horizon <= end].copy()
    truth["label"] = (
        (truth["status"] == "converted")
        & (truth["closed_at"] >= truth["as_of"])
        & (truth["closed_at"] < truth["as_of"] + horizon)
    ).astype(int)
    return truth


def _calibration_z(rows: pd.DataFrame) -> float:
    """(realised - predicted conversions) / standard error. The error is the larger of the
    lead-clustered one (a lead's snapshots are correlated) and the binomial one (which still
    holds when a group has no conversion at all)."""
    residual = (rows["label"] - rows["p_convert"]).groupby(rows["lead_id"]).sum()
    binomial = (rows["p_convert"] * (1 - rows["p_convert"])).sum()
    return float(residual.sum() / np.sqrt(max((residual**2).sum(), binomial)))


def test_bayes_limit_is_calibrated_against_simulated_outcomes(crm):
    rows = _labelled(crm)
    assert rows["label"].sum() > 300
    assert abs(_calibration_z(rows)) < 4
    assert rows["p_convert"].mean() == pytest.approx(rows["label"].mean(), rel=0.2)
    bins = pd.qcut(rows["p_convert"], 8, labels=False, duplicates="drop")
    for _, group in rows.groupby(bins):
        assert abs(_calibration_z(group)) < 4, (group["p_convert"].mean(), group["label"].mean())
    assert roc_auc_score(rows["label"], rows["p_convert"]) > 0.8


def test_bayes_limit_is_calibrated_given_recent_buying_signals(crm):
    """Exact posteriors are calibrated within any observable group, e.g. leads that looked at
    pricing or asked for a demo in the last 14 days."""
    rows = _labelled(crm)
    signals = crm.activities[
        crm.activities["activity_type"].isin(["pricing_page_view", "demo_request"])
    ]
    pairs = rows[["lead_id", "as_of"]].merge(signals[["lead_id", "occurred_at"]], on="lead_id")
    recent = pairs[
        (pairs["occurred_at"] < pairs["as_of"])
        & (pairs["occurred_at"] >= pairs["as_of"] - pd.Timedelta(days=14))
    ][["lead_id", "as_of"]].drop_duplicates()
    recent["signal"] = True
    rows = rows.merge(recent, on=["lead_id", "as_of"], how="left")
    rows["signal"] = rows["signal"].fillna(False).astype(bool)
    for _, group in rows.groupby("signal"):
        assert group["label"].sum() > 50
        assert abs(_calibration_z(group)) < 4
    assert (
        rows.loc[rows["signal"], "p_convert"].mean()
        > 3 * rows.loc[~rows["signal"], "p_convert"].mean()
    )


def test_ground_truth_covers_exactly_the_open_leads(crm):
    leads, outcomes, truth = crm.leads, crm.outcomes, crm.truth
    expected = []
    closed_at = leads["lead_id"].map(outcomes.set_index("lead_id")["closed_at"])
    for as_of in sorted(truth["as_of"].unique()):
        is_open = (leads["created_at"] < as_of) & ~(closed_at < as_of)
        expected.append(pd.DataFrame({"lead_id": leads.loc[is_open, "lead_id"], "as_of": as_of}))
    expected = pd.concat(expected).sort_values(["lead_id", "as_of"]).reset_index(drop=True)
    got = truth[["lead_id", "as_of"]].sort_values(["lead_id", "as_of"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert truth["p_convert"].between(0, 1).all()


def test_ground_truth_as_of_dates_are_the_snapshot_calendar_and_the_scoring_day(crm):
    as_of = pd.DatetimeIndex(sorted(crm.truth["as_of"].unique()))
    start, end = pd.Timestamp(crm.meta["history_start"]), pd.Timestamp(crm.meta["history_end"])
    calendar = pd.date_range(start, end, freq=crm.meta["snapshot_frequency"])
    expected = calendar[calendar > start].append(pd.DatetimeIndex([end + pd.Timedelta(days=1)]))
    assert list(as_of) == list(expected)
    assert (as_of == as_of.normalize()).all()
