"""The decision rule, realised profit and the economics stage.

The rule is checked against a hand-worked example; the stage runs twice on a small project tree
with different sales contact costs and must move the thresholds and the profit.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from features.errors import LeadscoreError
from models import economics as ec
from pipeline import economics as economics_stage
from pipeline import report as report_stage

BANDS = ["1-10", "11-50", "51-200", "201-1000"]
CHANNELS = ["paid_search", "referral", "events", "social"]


# ---- a small project tree shaped like the pipeline's files --------------------------------------


def make_project(root: Path, *, n_leads: int = 600, seed: int = 0) -> Path:
    """data/interim, data/features and data/predictions for a tiny CRM with a known signal."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01")
    lead_id = np.array([f"L{i:05d}" for i in range(n_leads)])
    created = start + pd.to_timedelta(rng.integers(0, 300, n_leads), unit="D")
    channel = rng.choice(CHANNELS, n_leads)
    band_index = rng.integers(0, len(BANDS), n_leads)
    fit = rng.normal(0, 1, n_leads) + 0.4 * (channel == "referral")
    leads = pd.DataFrame(
        {
            "lead_id": pd.array(lead_id, dtype="str"),
            "created_at": created.astype("datetime64[us]"),
            "channel": pd.array(channel, dtype="str"),
            "campaign": pd.array([f"{c}_q{rng.integers(1, 3)}" for c in channel], dtype="str"),
            "employees": (10.0 ** (band_index + 0.5)),
            "industry": pd.array(rng.choice(["software", "retail"], n_leads), dtype="str"),
        }
    )
    converts = rng.random(n_leads) < 1 / (1 + np.exp(-(fit - 1.0)))
    cycle = rng.integers(5, 120, n_leads)
    outcomes = pd.DataFrame(
        {
            "lead_id": pd.array(lead_id, dtype="str"),
            "status": pd.array(np.where(converts, "converted", "disqualified"), dtype="str"),
            "closed_at": (created + pd.to_timedelta(cycle, unit="D")).astype("datetime64[us]"),
            "deal_value": np.where(converts, 3000.0 * (1 + band_index), np.nan),
        }
    )
    touches = rng.choice(["email_open", "webinar_attended", "web_visit", "sales_call"], 3 * n_leads)
    activities = pd.DataFrame(
        {
            "lead_id": pd.array(np.repeat(lead_id, 3), dtype="str"),
            "occurred_at": (
                np.repeat(created, 3) + pd.to_timedelta(rng.integers(0, 60, 3 * n_leads), unit="D")
            ).astype("datetime64[us]"),
            "activity_type": pd.array(touches, dtype="str"),
        }
    )
    months = pd.period_range("2024-01", "2024-11", freq="M").astype(str)
    costs = pd.DataFrame(
        [(c, m, 2000.0 + 500 * i, 20 + i) for i, c in enumerate(CHANNELS) for m in months],
        columns=["channel", "month", "spend", "leads"],
    ).astype({"channel": "str", "month": "str"})
    interim = root / "data" / "interim"
    interim.mkdir(parents=True)
    for name, table in [
        ("leads", leads),
        ("outcomes", outcomes),
        ("activities", activities),
        ("channel_costs", costs),
    ]:
        table.to_parquet(interim / f"{name}.parquet", index=False)

    (root / "data" / "features").mkdir(parents=True)
    (root / "data" / "predictions").mkdir(parents=True)
    for split, weeks in [
        ("train", range(0, 4)),
        ("validation", range(4, 8)),
        ("test", range(8, 12)),
    ]:
        rows = []
        for week in weeks:
            as_of = start + pd.Timedelta(weeks=4 * week)
            take = rng.choice(n_leads, 120, replace=False)
            rows.append(pd.DataFrame({"i": take, "as_of": as_of}))
        pairs = pd.concat(rows, ignore_index=True)
        i = pairs["i"].to_numpy()
        pricing = rng.poisson(np.exp(0.5 * fit[i]))
        logit = -2.2 + 0.9 * fit[i] + 0.3 * pricing
        p_true = 1 / (1 + np.exp(-logit))
        label = (rng.random(len(i)) < p_true).astype(int)
        features = pd.DataFrame(
            {
                "lead_id": pd.array(lead_id[i], dtype="str"),
                "as_of": pairs["as_of"].astype("datetime64[us]"),
                "label": label,
                "channel": pd.array(channel[i], dtype="str"),
                "employee_band": pd.array(np.array(BANDS)[band_index[i]], dtype="str"),
                "seniority": pd.array(np.where(fit[i] > 0.5, "vp", "manager"), dtype="str"),
                "count_pricing_page_view_30d": pricing.astype(float),
                "engagement_decayed": np.round(np.exp(fit[i]) + rng.gamma(1, 0.2, len(i)), 3),
            }
        )
        features.to_parquet(root / f"data/features/{split}.parquet", index=False)
        if split == "train":
            continue
        points = (20 * pricing + 15 * (fit[i] > 0.5) + rng.integers(0, 60, len(i))).astype(float)
        predictions = features[["lead_id", "as_of", "label"]].assign(
            p_model=1 / (1 + np.exp(-(logit + rng.normal(0, 0.3, len(i))))),
            p_logistic=1 / (1 + np.exp(-(logit + rng.normal(0, 0.6, len(i))))),
            p_frequency_nb=p_true,
            p_point_table=np.clip(points / 300, 0.001, 0.999),
            points_point_table=points,
            mql_point_table=(points >= 100).astype(int),
            p_oracle=p_true,
        )
        predictions.to_parquet(root / f"data/predictions/{split}.parquet", index=False)
    return root


ECONOMICS = {
    "conversion_value": "segment",
    "fixed_conversion_value": 8000,
    "value_segments": ["employee_band"],
    "value_shrinkage": 5,
    "sales_contact_cost": 150,
    "nurture_touch_cost": 5,
    "nurture_uplift": 0.05,
    "sales_capacity_per_week": 0,
    "bootstrap_samples": 50,
    "channel_maturity_days": 120,
    "touch_channels": {"email_open": "email", "webinar_attended": "webinar", "web_visit": "web"},
    "scorecard": {"n_features": 4, "n_bins": 4},
}


def write_params(root: Path, **overrides) -> Path:
    economics = {**ECONOMICS, **overrides}
    params = {"seed": 7, "economics": economics, "point_table": {"mql_threshold": 100}}
    path = root / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    return path


STAGES = {"economics": economics_stage, "report": report_stage}


def run_stage(root: Path, monkeypatch, *stages: str, **overrides) -> None:
    """Run stage modules the way the CLI does, in ``root`` with params overridden."""
    params = write_params(root, **overrides)
    monkeypatch.chdir(root)
    for stage in stages or ("economics",):
        assert STAGES[stage].run(argparse.Namespace(params=str(params), verbose=False)) == 0


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return make_project(tmp_path_factory.mktemp("crm"))


# ---- the decision rule, by hand -----------------------------------------------------------------

# Five leads in one weekly batch, V = 1000, c = 100, nurture touch 5 with uplift 0.1:
#   lead  p     p*V-c   p*0.1*V-5   no capacity   capacity 2
#   a     0.50   400      45         sales         sales   (rank 1)
#   b     0.30   200      25         sales         sales   (rank 2)
#   c     0.15    50      10         sales         nurture (over capacity, nurture pays)
#   d     0.08   -20       3         nurture       nurture
#   e     0.02   -80      -3         none          none
P = np.array([0.50, 0.30, 0.15, 0.08, 0.02])
LABEL = np.array([1, 0, 1, 0, 0])
MONEY = ec.Economics(sales_contact_cost=100, nurture_touch_cost=5, nurture_uplift=0.1)


def test_routes_follow_expected_profit_without_capacity():
    routes = ec.route_leads(P, 1000.0, MONEY)
    assert routes.tolist() == ["sales", "sales", "sales", "nurture", "none"]
    assert ec.tiers_of(routes).tolist() == ["hot", "hot", "hot", "warm", "cold"]


def test_capacity_takes_the_most_profitable_and_nurtures_the_rest():
    capped = ec.Economics(100, 5, 0.1, sales_capacity=2)
    order = [2, 0, 4, 1, 3]  # shuffled rows: the ranking, not the row order, decides
    routes = ec.route_leads(P[order], 1000.0, capped, batch=np.zeros(5))
    names = np.array(list("abcde"))[order]
    assert dict(zip(names, routes, strict=True)) == {
        "c": "nurture",
        "a": "sales",
        "e": "none",
        "b": "sales",
        "d": "nurture",
    }


def test_capacity_applies_per_batch():
    p = np.array([0.5, 0.4, 0.3, 0.5, 0.4, 0.3])
    batch = np.array(["w1", "w1", "w1", "w2", "w2", "w2"])
    routes = ec.route_leads(p, 1000.0, ec.Economics(100, 5, 0.0, sales_capacity=1), batch)
    assert routes.tolist() == ["sales", "none", "none", "sales", "none", "none"]


def test_capacity_ranks_by_expected_profit_not_probability():
    # a: p 0.3 of a 10,000 deal (EV 2,900) beats b: p 0.6 of a 1,000 deal (EV 500)
    routes = ec.route_leads(
        np.array([0.6, 0.3]), np.array([1000.0, 10000.0]), ec.Economics(100, 0, 0, 1)
    )
    assert routes.tolist() == ["none", "sales"]


def test_realised_profit_by_hand():
    routes = ec.route_leads(P, 1000.0, MONEY)
    sales, nurture = ec.realised_profit(LABEL, 1000.0, routes, MONEY)
    # sales: a 1000-100, b -100, c 1000-100; nurture: d 0*0.1*1000-5
    assert sales.tolist() == [900, -100, 900, 0, 0]
    assert nurture.tolist() == [0, 0, 0, -5, 0]


def test_policies_on_the_hand_example():
    frame = pd.DataFrame(
        {
            "as_of": pd.Timestamp("2025-01-06"),
            "p_model": P,
            "p_oracle": P,
            "points_point_table": [40, 120, 90, 110, 10],
            "mql_point_table": [0, 1, 0, 1, 0],
        }
    )
    routes = ec.policy_routes(frame, np.full(5, 1000.0), MONEY)
    figures = ec.compare_policies(
        LABEL, np.full(5, 1000.0), np.arange(5), routes, MONEY, bootstrap_samples=0, seed=0
    )
    assert figures["profit_model"] == 900 - 100 + 900 - 5
    assert figures["contacts_model"] == 3 and figures["nurtures_model"] == 1
    assert figures["profit_point_table"] == -100 - 100  # b and d, both lost
    assert figures["profit_contact_all"] == 2 * 1000 - 5 * 100
    assert figures["profit_contact_none"] == 0 and figures["contacts_contact_none"] == 0
    assert figures["profit_oracle"] == figures["profit_model"]
    assert figures["profit_ratio_model_to_oracle"] == 1.0


def test_implied_thresholds_by_hand():
    # hot: p > 150/8000 = 0.01875 -> score 2; warm: p > 5/(0.05*8000) = 0.0125 -> score 2 too
    t = ec.implied_thresholds(8000, ec.Economics(150, 5, 0.05))
    assert t["hot_min_probability"] == pytest.approx(0.01875)
    assert (t["hot_min_score"], t["warm_min_score"]) == (2, 2)
    t = ec.implied_thresholds(1000, ec.Economics(150, 2, 0.1))
    assert (t["hot_min_score"], t["warm_min_score"]) == (16, 3)  # p > .15 and p > .02
    assert ec.implied_thresholds(100, ec.Economics(150, 5, 0.0))["hot_min_score"] == ec.NO_SCORE


def test_score_rounds_halves_up():
    assert ec.score_from_probability(np.array([0.0, 0.004, 0.005, 0.125, 0.999, 1.0])).tolist() == [
        0,
        0,
        1,
        13,
        100,
        100,
    ]


def test_bootstrap_is_seeded_and_resamples_leads():
    rows = {"x": np.array([1.0, 1.0, 5.0])}
    lead = np.array(["a", "a", "b"])  # lead a's two rows move together
    one = ec.bootstrap_totals(rows, lead, n_samples=200, seed=3)["x"]
    two = ec.bootstrap_totals(rows, lead, n_samples=200, seed=3)["x"]
    assert np.array_equal(one, two)
    assert set(np.unique(one)) <= {4.0, 7.0, 10.0}  # 2a, a+b, 2b


def test_profit_vs_threshold_by_hand():
    curve = ec.profit_vs_threshold(LABEL, 1000.0, {"m": ec.score_from_probability(P)}, MONEY)
    at = curve.set_index("threshold_score")
    assert at.loc[0, "profit_m"] == 2 * 1000 - 500 and at.loc[0, "contacts_m"] == 5
    assert at.loc[16, "profit_m"] == 800 and at.loc[16, "contacts_m"] == 2  # a and b
    assert at.loc[101, "contacts_m"] == 0


def test_gains_by_hand():
    gains = ec.gains_table(np.array([0, 1, 0, 1]), {"m": np.array([0.1, 0.9, 0.2, 0.8])}, 4)
    assert gains["m"].tolist() == [0, 0.5, 1, 1, 1]


def test_legacy_threshold_curve_and_capacity_by_hand():
    points = np.array([120.0, 90, 150, 40])
    gain = np.array([900.0, -100, -100, 900])  # label*V - c
    curve = ec.legacy_threshold_curve(points, gain, mql_threshold=100, n_points=4)
    at = curve.set_index("points_threshold")
    assert at.loc[100, "profit_point_table"] == 800 and at.loc[100, "is_hand_set_threshold"]
    assert at.loc[40, "profit_point_table"] == 1600 and at.loc[40, "contacts_point_table"] == 4
    mql = points >= 100
    batch = np.zeros(4)
    # capacity 1 takes the highest points among the MQLs: 150, a lost lead
    assert ec.legacy_profit_within_capacity(points, mql, batch, gain, 1) == -100
    assert ec.legacy_profit_within_capacity(points, mql, batch, gain, 5) == 800


# ---- params, break-even, the test window ------------------------------------------------------


def test_economics_from_params_turns_daily_capacity_into_weekly():
    money = ec.economics_from_params(
        {"sales_contact_cost": 150, "sales_capacity_per_day": 8, "working_days_per_week": 4}
    )
    assert money == ec.Economics(150.0, 0.0, 0.0, sales_capacity=32)
    assert ec.economics_from_params({"sales_contact_cost": 1}).sales_capacity is None


def test_economics_from_params_rejects_two_capacities_and_a_missing_cost():
    both = {"sales_contact_cost": 1, "sales_capacity_per_week": 5, "sales_capacity_per_day": 1}
    with pytest.raises(LeadscoreError, match="not both"):
        ec.economics_from_params(both)
    with pytest.raises(LeadscoreError, match="missing key 'economics.sales_contact_cost'"):
        ec.economics_from_params({"nurture_touch_cost": 5})


def test_break_even_probabilities_by_hand():
    assert ec.sales_break_even(1000, MONEY) == 0.1  # 100 / 1000
    assert ec.nurture_break_even(1000, MONEY) == 0.05  # 5 / (0.1 * 1000)
    assert ec.nurture_break_even(1000, ec.Economics(100, 5, 0.0)) == math.inf
    assert ec.sales_break_even(0, MONEY) == math.inf


def test_optional_baselines_need_a_probability_for_every_row():
    frame = pd.DataFrame({"p_oracle": [0.1, None], "p_logistic": [0.2, 0.3]})
    assert list(ec.optional_probabilities(frame)) == ["logistic"]
    assert ec.optional_probabilities(frame[[]]) == {}


def test_window_figures_count_rows_leads_snapshots_and_tiers():
    frame = pd.DataFrame(
        {"lead_id": ["a", "a", "b"], "as_of": ["w1", "w2", "w2"], "label": [0, 1, 0]}
    )
    figures = ec.window_figures(
        frame, np.array([1.0, 2.0, 3.0]), np.array(["sales", "none", "none"])
    )
    assert figures == {
        "n_rows": 3,
        "n_leads": 2,
        "n_snapshots": 2,
        "positives": 1,
        "mean_conversion_value": 2.0,
        "tier_hot": 1,
        "tier_warm": 0,
        "tier_cold": 2,
    }


# ---- the stage -----------------------------------------------------------------------------


def _read(root: Path, name: str) -> dict:
    return json.loads((root / "reports" / name).read_text())


def test_stage_writes_every_output(project, monkeypatch):
    run_stage(project, monkeypatch)
    figures = _read(project, "metrics/economics.json")["economics"]
    for policy in ("model", "point_table", "contact_all", "contact_none", "oracle"):
        assert f"profit_{policy}" in figures and f"contacts_{policy}" in figures
        assert figures[f"profit_{policy}_ci_low"] <= figures[f"profit_{policy}_ci_high"]
    assert figures["profit_contact_none"] == 0
    assert figures["contacts_contact_all"] == figures["n_rows"]
    # contacting each lead once: contact_all contacts every lead exactly once, at its first row
    assert figures["first_contact_contacts_contact_all"] == figures["n_leads"]
    assert figures["first_contact_contacts_model"] <= figures["contacts_model"]
    low = figures["first_contact_profit_model_minus_point_table_ci_low"]
    assert low <= figures["first_contact_profit_model_minus_point_table"]
    assert 0.5 < figures["auc_learned_point_table"] <= 1
    thresholds = _read(project, "thresholds.json")
    assert thresholds["score_definition"].startswith("round(100*p)")
    assert set(thresholds["segments"]) == set(BANDS)
    assert {"hot_min_score", "warm_min_score"} <= set(thresholds["default"])
    for name in ("profit_vs_threshold", "profit_vs_capacity", "gains", "channel_value"):
        assert (project / f"reports/plots/economics/{name}.csv").stat().st_size > 0
    assert (project / "reports/scorecard.yaml").exists()
    assert _read(project, "channels.json")["available"] is True


def test_a_dearer_sales_contact_raises_thresholds_and_changes_profit(project, monkeypatch):
    run_stage(project, monkeypatch, sales_contact_cost=150)
    cheap = (_read(project, "thresholds.json"), _read(project, "metrics/economics.json"))
    run_stage(project, monkeypatch, sales_contact_cost=900)
    dear = (_read(project, "thresholds.json"), _read(project, "metrics/economics.json"))
    for segment, low in cheap[0]["segments"].items():
        assert dear[0]["segments"][segment]["hot_min_score"] > low["hot_min_score"]
    assert dear[0]["default"]["hot_min_score"] > cheap[0]["default"]["hot_min_score"]
    assert dear[1]["economics"]["contacts_model"] < cheap[1]["economics"]["contacts_model"]
    assert dear[1]["economics"]["profit_model"] != cheap[1]["economics"]["profit_model"]
    # contacting everyone costs 750 more per contact
    extra = cheap[1]["economics"]["profit_contact_all"] - dear[1]["economics"]["profit_contact_all"]
    assert extra == pytest.approx(750 * cheap[1]["economics"]["contacts_contact_all"])


def test_capacity_limits_contacts_per_snapshot(project, monkeypatch):
    run_stage(project, monkeypatch, sales_capacity_per_week=10)
    figures = _read(project, "metrics/economics.json")["economics"]
    assert figures["contacts_model"] <= 10 * figures["n_snapshots"]
    thresholds = _read(project, "thresholds.json")
    assert thresholds["rule"]["capacity_per_batch"] == 10
    # the capacity cut sits above the money threshold: only the best 10 a week go to sales
    cut = thresholds["test_window"]["capacity_min_score_median"]
    assert cut > max(s["hot_min_score"] for s in thresholds["segments"].values())


def test_fixed_value_gives_one_threshold(project, monkeypatch):
    run_stage(project, monkeypatch, conversion_value="fixed", fixed_conversion_value=5000)
    thresholds = _read(project, "thresholds.json")
    assert thresholds["segments"] == {}
    assert thresholds["default"]["hot_min_score"] == math.floor(100 * 150 / 5000) + 1


def test_missing_predictions_is_a_user_error(tmp_path, monkeypatch):
    params = write_params(tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LeadscoreError, match="data/predictions/test.parquet: not found"):
        economics_stage.run(argparse.Namespace(params=str(params), verbose=False))


@pytest.mark.slow
def test_dvc_repro_moves_thresholds_when_the_contact_cost_changes(tmp_path):
    """The real thing: `dvc repro -s economics` in a copy, rerun after editing params.yaml."""
    import os
    import shutil
    import subprocess
    import sys

    root = make_project(tmp_path / "project", n_leads=300)
    repo = Path(__file__).resolve().parents[1]
    shutil.copy(repo / "dvc.yaml", root / "dvc.yaml")
    for code in ("pipeline", "models"):  # the stage's code dependencies
        shutil.copytree(repo / code, root / code, ignore=shutil.ignore_patterns("__pycache__"))
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["economics"].update(bootstrap_samples=20, scorecard={"n_features": 3})
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}

    def repro(cost: float) -> dict:
        params["economics"]["sales_contact_cost"] = cost
        (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
        done = subprocess.run(
            [f"{bin_dir}/dvc", "repro", "--single-item", "economics"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return _read(root, "thresholds.json")

    subprocess.run([f"{bin_dir}/dvc", "init", "--no-scm", "-q"], cwd=root, check=True, env=env)
    cheap = repro(150)
    dear = repro(600)
    assert dear["default"]["hot_min_score"] > cheap["default"]["hot_min_score"]
    assert "economics" in (root / "dvc.lock").read_text()


def test_nightly_scoring_reads_the_same_rule_back(project, monkeypatch):
    """thresholds.json is the contract with scoring: read back, it routes as the stage did."""
    from scoring.thresholds import read_thresholds

    run_stage(project, monkeypatch)
    rule = read_thresholds(project / "reports" / "thresholds.json")
    test = pd.read_parquet(project / "data/predictions/test.parquet")
    bands = pd.read_parquet(project / "data/features/test.parquet")[
        ["lead_id", "as_of", "employee_band"]
    ]
    test = test.merge(bands, on=["lead_id", "as_of"])
    routes = ec.route_leads(
        test["p_model"].to_numpy(), rule.conversion_value(test), rule.economics, test["as_of"]
    )
    figures = _read(project, "metrics/economics.json")["economics"]
    assert (routes == ec.SALES).sum() == figures["contacts_model"]
    assert (routes == ec.NURTURE).sum() == figures["nurtures_model"]
