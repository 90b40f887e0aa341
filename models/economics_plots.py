"""DVC plot data of the money on the test window (reports/plots/economics/<name>.csv).

Profit against the score threshold and against the sales capacity, the gains chart, and the
legacy point table's profit as its MQL threshold moves. Every policy is judged on the same rows:
the model, the optional baselines present for every row, and both point tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models import economics as ec


def policy_probabilities(
    frame: pd.DataFrame, learned_probability: np.ndarray
) -> dict[str, np.ndarray]:
    """P(convert) of each policy drawn: model, oracle / logistic when complete, learned table."""
    return {
        "model": frame["p_model"].to_numpy(),
        **ec.optional_probabilities(frame),
        "learned_point_table": learned_probability,
    }


def economics_plot_tables(
    frame: pd.DataFrame,
    value: np.ndarray,
    *,
    learned_points: np.ndarray,
    learned_probability: np.ndarray,
    economics: ec.Economics,
    mql_threshold: float,
) -> dict[str, pd.DataFrame]:
    """The plot tables by file name; ``frame`` is the test window's predictions."""
    label = frame["label"].to_numpy()
    probabilities = policy_probabilities(frame, learned_probability)
    scores = {name: ec.score_from_probability(p) for name, p in probabilities.items()}
    gain = ec.sales_gain(label, value, economics)
    # the point tables are ranked by their points, which is all a points-only team sees
    points = {"point_table": ec.legacy_points(frame), "learned_point_table": learned_points}
    return {
        "profit_vs_threshold": ec.profit_vs_threshold(label, value, scores, economics),
        "profit_vs_capacity": profit_vs_capacity_table(
            frame, value, probabilities, economics=economics, gain=gain
        ),
        "gains": ec.gains_table(label, {**probabilities, **points}),
        "profit_vs_mql_threshold": ec.legacy_threshold_curve(
            points["point_table"], gain, mql_threshold
        ),
    }


def profit_vs_capacity_table(
    frame: pd.DataFrame,
    value: np.ndarray,
    probabilities: dict[str, np.ndarray],
    *,
    economics: ec.Economics,
    gain: np.ndarray,
) -> pd.DataFrame:
    """Profit of each policy per sales capacity, the legacy MQLs (best points first) beside them."""
    label, batch = frame["label"].to_numpy(), frame["as_of"].to_numpy()
    grid = ec.capacity_grid(batch)
    curve = ec.profit_vs_capacity(label, value, batch, probabilities, economics, grid)
    points, mqls = ec.legacy_points(frame), ec.legacy_mqls(frame)
    curve["profit_point_table"] = [
        ec.legacy_profit_within_capacity(points, mqls, batch, gain, int(k))
        for k in curve["capacity_per_batch"]
    ]
    return curve


def best_legacy_threshold(curve: pd.DataFrame) -> dict[str, float]:
    """The legacy table's best MQL threshold on ``legacy_threshold_curve``, and its profit.

    Chosen in hindsight on the test window itself: context for the hand-set threshold, not a
    fair competitor.
    """
    best = curve.loc[curve["profit_point_table"].idxmax()]
    return {
        "profit_point_table_best_threshold": float(best["profit_point_table"]),
        "point_table_best_threshold_points": float(best["points_threshold"]),
    }
