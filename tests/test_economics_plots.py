"""The economics plot tables on the five-lead hand example of tests/test_economics.py."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models import economics as ec
from models.economics_plots import (
    best_legacy_threshold,
    economics_plot_tables,
    policy_probabilities,
)

# one weekly batch, V = 1000, c = 100; the legacy table makes b and d MQLs (both lost)
FRAME = pd.DataFrame(
    {
        "lead_id": list("abcde"),
        "as_of": pd.Timestamp("2025-01-06"),
        "label": [1, 0, 1, 0, 0],
        "p_model": [0.50, 0.30, 0.15, 0.08, 0.02],
        "p_oracle": [0.5, 0.3, None, 0.1, 0.0],  # incomplete: left out of every curve
        "p_logistic": [0.4, 0.4, 0.1, 0.1, 0.1],
        "points_point_table": [40.0, 120, 90, 110, 10],
        "mql_point_table": [0, 1, 0, 1, None],
    }
)
VALUE = np.full(5, 1000.0)
MONEY = ec.Economics(sales_contact_cost=100, nurture_touch_cost=5, nurture_uplift=0.1)
LEARNED_POINTS = np.array([130, 100, 95, 80, 60])
LEARNED_P = np.array([0.6, 0.3, 0.25, 0.1, 0.05])


def _tables() -> dict[str, pd.DataFrame]:
    return economics_plot_tables(
        FRAME,
        VALUE,
        learned_points=LEARNED_POINTS,
        learned_probability=LEARNED_P,
        economics=MONEY,
        mql_threshold=100,
    )


def test_policies_drawn_are_those_known_for_every_row():
    assert list(policy_probabilities(FRAME, LEARNED_P)) == [
        "model",
        "logistic",
        "learned_point_table",
    ]


def test_one_table_per_plot_file():
    assert list(_tables()) == [
        "profit_vs_threshold",
        "profit_vs_capacity",
        "gains",
        "profit_vs_mql_threshold",
    ]


def test_threshold_curve_scores_each_policy():
    curve = _tables()["profit_vs_threshold"].set_index("threshold_score")
    # score >= 16 takes a and b under the model: 900 - 100
    assert curve.loc[16, "profit_model"] == 800 and curve.loc[16, "contacts_model"] == 2
    assert "profit_oracle" not in curve.columns


def test_capacity_curve_ranks_the_legacy_mqls_by_points():
    curve = _tables()["profit_vs_capacity"].set_index("capacity_per_batch")
    assert curve["profit_point_table"].to_dict() == {
        0: 0,
        1: -100,
        2: -200,
        3: -200,
        4: -200,
        5: -200,
    }
    assert curve.loc[0, "contacts_model"] == 0


def test_gains_rank_the_point_tables_by_their_points():
    gains = _tables()["gains"]
    assert list(gains.columns) == [
        "share_of_leads",
        "random",
        "model",
        "logistic",
        "learned_point_table",
        "point_table",
    ]
    by_points = ec.gains_table(FRAME["label"].to_numpy(), {"p": FRAME["points_point_table"]})
    assert gains["point_table"].tolist() == by_points["p"].tolist()


def test_mql_threshold_curve_includes_the_hand_set_threshold():
    curve = _tables()["profit_vs_mql_threshold"].set_index("points_threshold")
    assert curve.loc[100, "is_hand_set_threshold"]
    assert curve.loc[100, "profit_point_table"] == -200  # b and d


def test_best_legacy_threshold_by_hand():
    curve = pd.DataFrame(
        {"points_threshold": [10.0, 40, 100], "profit_point_table": [1500.0, 1600, -200]}
    )
    assert best_legacy_threshold(curve) == {
        "profit_point_table_best_threshold": 1600.0,
        "point_table_best_threshold_points": 40.0,
    }
