import numpy as np
import pandas as pd
import pytest

from features.errors import LeadscoreError
from models.metrics import roc_auc
from models.point_table import PointTable, parse_rules
from pipeline.params import load_params
from tests.conftest import ROOT
from tests.model_frames import feature_frame, point_table_rules

LEADS = pd.DataFrame(
    {
        "seniority": pd.array(["vp", "student", None, "manager"], dtype="str"),
        "industry_is_target": [1.0, 0.0, np.nan, 1.0],
        "count_pricing_page_view_all": [7.0, 1.0, np.nan, 2.0],
        "count_unsubscribe_all": [0.0, 2.0, 0.0, np.nan],
        "days_since_last_web_visit": [3.0, 40.0, np.nan, 10.0],
    }
)
RULES = [
    {"feature": "seniority", "in": ["vp", "director", "c_level"], "points": 15},
    {"feature": "seniority", "equals": "student", "points": -20},
    {"feature": "industry_is_target", "equals": 1, "points": 10},
    {"feature": "industry_is_target", "equals": 0, "points": -10},
    {"feature": "count_pricing_page_view_all", "per": 1, "points": 5, "max": 25},
    {"feature": "count_unsubscribe_all", "above": 0, "points": -10},
    {"feature": "days_since_last_web_visit", "below": 7, "points": 5},
]


def test_points_by_hand():
    points = PointTable(RULES, mql_threshold=30).predict_points(LEADS)
    # vp 15 + target 10 + pricing 7*5 capped at 25 + recent visit 5
    # student -20, non-target -10, pricing 5, unsubscribed -10
    # nothing known: 0
    # target 10 + pricing 10 (the missing unsubscribe count matches nothing)
    assert points.tolist() == [55.0, -35.0, 0.0, 20.0]


def test_mql_when_points_reach_the_threshold():
    assert PointTable(RULES, mql_threshold=20).predict_mql(LEADS).tolist() == [1, 0, 0, 1]


def test_per_counts_whole_units():
    table = PointTable([{"feature": "count_pricing_page_view_all", "per": 3, "points": 4}], 10)
    assert table.predict_points(LEADS).tolist() == [8.0, 0.0, 0.0, 0.0]


def test_a_rule_on_a_missing_feature_names_the_rule_and_the_feature():
    rules = [*RULES, {"feature": "count_demo_request_all", "per": 1, "points": 20}]
    with pytest.raises(LeadscoreError, match=r"rules\[7\].*count_demo_request_all"):
        PointTable(rules, 100).predict_points(LEADS)


@pytest.mark.parametrize(
    "rule, message",
    [
        ({"feature": "seniority", "points": 5}, "exactly one of"),
        ({"feature": "seniority", "in": ["vp"], "equals": "vp", "points": 5}, "exactly one of"),
        ({"feature": "seniority", "in": "vp", "points": 5}, "list"),
        ({"feature": "seniority", "in": ["vp"], "points": "many"}, "'points' must be a number"),
        ({"feature": "seniority", "in": ["vp"], "points": 5, "when": "x"}, "unknown keys"),
        ({"in": ["vp"], "points": 5}, "'feature'"),
        ({"feature": "count_unsubscribe_all", "above": "0", "points": 5}, "takes a number"),
        ({"feature": "count_unsubscribe_all", "per": 0, "points": 5}, "positive"),
        ({"feature": "count_unsubscribe_all", "above": 0, "points": 5, "max": 5}, "'max'"),
        ("seniority in ['vp']", "mapping"),
    ],
)
def test_malformed_rules_are_user_errors(rule, message):
    with pytest.raises(LeadscoreError, match=message):
        parse_rules([rule])


def test_rule_values_are_data_never_code():
    rule = {"feature": "seniority", "equals": "__import__('os').getcwd()", "points": 99}
    assert PointTable([rule], 10).predict_points(LEADS).tolist() == [0.0, 0.0, 0.0, 0.0]


def test_the_default_table_in_params_yaml_parses_and_uses_all_time_counts():
    table = load_params(ROOT / "params.yaml")["point_table"]
    rules = parse_rules(table["rules"])
    counts = [r.feature for r in rules if r.feature.startswith("count_")]
    assert counts and all(name.endswith("_all") for name in counts)  # the legacy table never decays
    assert any(r.points < 0 for r in rules)  # negative signals lower the score
    assert table["mql_threshold"] > 0


def test_the_default_table_names_only_catalog_features():
    catalog = pytest.importorskip("features.catalog")
    names = {spec.name for spec in catalog.FEATURES}
    rules = parse_rules(load_params(ROOT / "params.yaml")["point_table"]["rules"])
    assert {r.feature for r in rules} <= names


def test_fitted_probabilities_rank_exactly_like_the_points():
    frame = feature_frame(4000, seed=11)
    X, y = frame.drop(columns=["lead_id", "as_of", "label"]), frame["label"]
    table = PointTable(point_table_rules(), mql_threshold=30).fit(X, y)
    p = table.predict_proba(X)[:, 1]
    assert ((p > 0) & (p < 1)).all()
    assert roc_auc(y, p) == pytest.approx(roc_auc(y, table.predict_points(X)))
    assert roc_auc(y, p) > 0.6  # the legacy table does know something
