"""The learned point table in money: thresholds in points, and its figures beside the model's."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models import economics as ec
from models import learned_point_table as lpt
from models import scorecard as sc

# 100 points stand for p = 0.1 and 20 more points double the odds
CARD = sc.Scorecard(
    bins=[sc.FeatureBins("x", sc.NUMERIC, edges=(1.0,))],
    points=[np.array([0, 0, 10])],
    base_points=90,
    points_to_double_odds=20,
    anchor_points=100,
    anchor_probability=0.1,
)
# at V = 1000 a sales contact breaks even at p = 100/1000, a nurture touch at 5/(0.1*1000)
MONEY = ec.Economics(sales_contact_cost=100, nurture_touch_cost=5, nurture_uplift=0.1)


def test_point_thresholds_are_the_break_even_probabilities_in_points():
    thresholds = lpt.point_thresholds(CARD, conversion_value=1000, economics=MONEY)
    # nurture: 100 + (logit(0.05) - logit(0.1)) * 20 / ln 2 = 78.44 -> 79 points
    nurture = 100 + (math.log(0.05 / 0.95) - math.log(0.1 / 0.9)) * 20 / math.log(2)
    assert thresholds == {"sales_min_points": 100, "nurture_min_points": math.ceil(nurture)}


def test_nurture_never_asks_more_points_than_sales():
    no_uplift = ec.Economics(sales_contact_cost=100, nurture_touch_cost=5, nurture_uplift=0.0)
    thresholds = lpt.point_thresholds(CARD, conversion_value=1000, economics=no_uplift)
    assert thresholds == {"sales_min_points": 100, "nurture_min_points": 100}


def test_a_contact_dearer_than_the_deal_has_no_points_threshold():
    thresholds = lpt.point_thresholds(CARD, conversion_value=50, economics=MONEY)
    assert thresholds["sales_min_points"] is None


def test_comparison_figures_by_hand():
    figures = lpt.comparison_figures(
        CARD,
        label=np.array([0, 1, 0, 1]),
        p_model=np.array([0.1, 0.9, 0.2, 0.8]),
        legacy_points=np.array([1.0, 2, 3, 4]),
        learned_points=np.array([10, 30, 20, 40]),
    )
    assert figures["auc_model"] == 1.0
    assert figures["auc_point_table"] == 0.75  # 3 of the 4 (converted, not) pairs in order
    assert figures["auc_learned_point_table"] == 1.0
    assert figures["auc_gap_model_minus_learned_point_table"] == 0.0
    # ranks 1,3,2,4 against the model's 1,4,2,3: 1 - 6 * 2 / (4 * 15)
    assert figures["learned_point_table_rank_correlation"] == pytest.approx(0.8)
    assert figures["learned_point_table_features"] == 1


def test_a_window_with_one_outcome_has_no_auc():
    figures = lpt.comparison_figures(
        CARD,
        label=np.zeros(3, dtype=int),
        p_model=np.array([0.1, 0.2, 0.3]),
        legacy_points=np.array([1.0, 2, 3]),
        learned_points=np.array([1, 2, 3]),
    )
    assert math.isnan(figures["auc_model"]) and math.isnan(figures["auc_learned_point_table"])
