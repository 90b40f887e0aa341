"""The batch pieces: routing of both arms, thresholds file, contributions lookup, as-of dates."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from features.errors import LeadscoreError
from models.deal_value import ConversionValues
from models.economics import Economics
from models.lightgbm_model import LightGBMModel
from models.point_table import PointTable
from scoring.batch import resolve_as_of, routed_scores
from scoring.contributions import ReasonContributions, fit_lookup
from scoring.control_group import assign_arms
from scoring.thresholds import RoutingRule, read_thresholds, split_capacity

RULE = RoutingRule(
    economics=Economics(sales_contact_cost=150, nurture_touch_cost=5, nurture_uplift=0.05),
    values=ConversionValues(
        default=8000.0,
        segment_columns=("employee_band",),
        by_segment={"1-10": 1000.0},
        mode="segment",
    ),
)
TABLE = PointTable(
    rules=[{"feature": "count_demo_request_all", "per": 1, "points": 20}], mql_threshold=20
)


def lead_ids_in_arms(n_model: int, n_control: int) -> list[str]:
    ids = [f"L{i:05d}" for i in range(1000)]
    arms = assign_arms(ids, 0.5)
    model = [i for i, a in zip(ids, arms, strict=True) if a == "model"][:n_model]
    control = [i for i, a in zip(ids, arms, strict=True) if a == "control"][:n_control]
    return model + control


def test_model_arm_by_expected_profit_control_arm_by_the_point_table():
    ids = lead_ids_in_arms(4, 2)
    matrix = pd.DataFrame(
        {
            "lead_id": ids,
            "employee_band": ["51-200", "51-200", "1-10", "51-200", "51-200", "51-200"],
            "count_demo_request_all": [0.0, 0.0, 0.0, 0.0, 1.0, 0.0],
        }
    )
    # V = 8000 except 1000 for the 1-10 band; hot when p*V > 150, warm when p*0.05*V > 5
    p = np.array([0.05, 0.015, 0.09, 0.001, 0.001, 0.9])
    scores = routed_scores(
        matrix,
        p,
        rule=RULE,
        point_table=TABLE,
        control_share=0.5,
        control_salt="leadscore-control-v1",
    )
    assert scores["arm"].tolist() == ["model"] * 4 + ["control"] * 2
    assert all(scores[c].dtype == "str" for c in ("lead_id", "tier", "route", "arm"))
    # 0.05*8000=400>150 sales; 0.015*8000=120<150 but 0.015*400=6>5 nurture;
    # 0.09*1000=90<150 and 0.09*50=4.5<5: none; 0.001: none.
    # control: one demo request = 20 points = MQL -> sales, even at p=0.001; p=0.9 no MQL -> none
    assert scores["route"].tolist() == ["sales", "nurture", "none", "none", "sales", "none"]
    assert scores["tier"].tolist() == ["hot", "warm", "cold", "cold", "hot", "cold"]
    assert scores["score"].tolist() == [5, 2, 9, 0, 0, 90]
    assert scores["expected_value"].tolist() == pytest.approx(
        [250.0, -30.0, -60.0, -142.0, -142.0, 7050.0]
    )


def test_capacity_is_shared_between_arms_by_their_share():
    assert split_capacity(None, 0.1) == (None, None)
    assert split_capacity(50, 0.1) == (45, 5)


def test_thresholds_file_of_the_economics_stage(tmp_path):
    path = tmp_path / "thresholds.json"
    with pytest.raises(LeadscoreError, match="not found; run `leadscore economics`"):
        read_thresholds(path)
    path.write_text("{}")
    with pytest.raises(LeadscoreError, match="not a thresholds file"):
        read_thresholds(path)
    path.write_text(
        json.dumps(
            {
                "economics": {
                    "sales_contact_cost": 150,
                    "nurture_touch_cost": 5,
                    "nurture_uplift": 0.05,
                    "sales_capacity_per_batch": 40,
                    "conversion_value": "segment",
                },
                "segment_columns": ["employee_band"],
                "segments": {"1-10": {"conversion_value": 1000.0, "hot_min_score": 16}},
                "default": {"conversion_value": 8000.0},
            }
        )
    )
    rule = read_thresholds(path)
    assert rule.economics.sales_capacity == 40
    frame = pd.DataFrame({"employee_band": ["1-10", "5000+", None]})
    assert rule.conversion_value(frame).tolist() == [1000.0, 8000.0, 8000.0]


def test_lookup_contributions_equal_exact_ones_for_an_additive_model():
    rng = np.random.default_rng(0)
    n = 4000
    X = pd.DataFrame(
        {
            "count_web_visit_all": rng.poisson(3, n).astype(float),
            "seniority": pd.array(rng.choice(["vp", "intern", "manager"], n), dtype="str"),
            "days_since_last_activity": np.where(
                rng.random(n) < 0.3, np.nan, rng.integers(0, 40, n)
            ),  # noqa: E501
        }
    )
    logit = -2 + 0.3 * X["count_web_visit_all"] + np.where(X["seniority"] == "vp", 1.0, -0.5)
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    # stumps: every tree uses one feature, so TreeSHAP is a function of each value alone
    model = LightGBMModel(n_estimators=60, num_leaves=2, min_child_samples=20).fit(X, y)
    names = list(X.columns)
    exact = ReasonContributions(model, names, {"seniority"}, exact_max_rows=n)
    exact.prepare(X, seed=0)
    approx = ReasonContributions(model, names, {"seniority"}, exact_max_rows=3000, sample_rows=1500)
    approx.prepare(X, seed=0)
    assert approx.lookups is not None and exact.lookups is None

    def matrix(path: ReasonContributions) -> np.ndarray:
        return np.column_stack(list(path.columns(X)))

    np.testing.assert_allclose(matrix(approx), matrix(exact), atol=1e-9)
    # the exact path streams the columns of the model's own TreeSHAP matrix
    np.testing.assert_array_equal(matrix(exact), exact.exact(X))


def test_as_of_dates(tmp_path):
    assert resolve_as_of("2025-06-02", tmp_path) == pd.Timestamp("2025-06-02")
    assert resolve_as_of("2025-06-02T06:30", tmp_path) == pd.Timestamp("2025-06-02 06:30")
    assert resolve_as_of("2025-06-02T08:00+02:00", tmp_path) == pd.Timestamp("2025-06-02 06:00")
    with pytest.raises(LeadscoreError, match="not a date"):
        resolve_as_of("yesterday", tmp_path)
    with pytest.raises(LeadscoreError, match="run `leadscore ingest`"):
        resolve_as_of("last", tmp_path)


def test_lookup_maps_unseen_numbers_to_the_bin_below_and_missing_apart():
    values = pd.Series([0.0, 1.0, 2.0, 5.0, np.nan, 2.0])
    lookup = fit_lookup(values, np.array([1.0, 2.0, 3.0, 6.0, -4.0, 5.0]), categorical=False)
    assert lookup.dense is not None  # integer levels: the dense table
    applied = lookup.apply(pd.Series([2.5, 4.9, 7.0, np.nan, -3.0, 1.0]))
    assert applied.tolist() == [4.0, 4.0, 6.0, -4.0, 1.0, 2.0]  # level 2 has mean (3+5)/2
    fractional = fit_lookup(values / 10, np.array([1.0, 2.0, 3.0, 6.0, -4.0, 5.0]), False)
    assert fractional.dense is None
    assert fractional.apply(pd.Series([0.25, np.nan])).tolist() == [4.0, -4.0]
    categories = fit_lookup(pd.Series(["a", "b", None, "a"]), np.array([1.0, 3.0, 9.0, 2.0]), True)
    assert categories.apply(pd.Series(["a", "zzz", None])).tolist() == [1.5, 9.0, 9.0]
