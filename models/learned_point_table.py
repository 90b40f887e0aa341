"""The learned point table priced in money, and how it fares against the model.

models.scorecard fits and exports the point table; this module ties it to the economics: its
thresholds in points are the break-even probabilities of a sales contact and a nurture touch
at the default conversion value, and its test figures sit beside the model's and the legacy
table's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models import economics as ec
from models.metrics import roc_auc
from models.scorecard import Scorecard


def point_thresholds(
    card: Scorecard, *, conversion_value: float, economics: ec.Economics
) -> dict[str, int | None]:
    """The fewest points for sales and for nurture (None: no points are enough)."""
    sales_p = ec.sales_break_even(conversion_value, economics)
    nurture_p = ec.nurture_break_even(conversion_value, economics)
    return {
        "sales_min_points": card.min_points_for(sales_p),
        # a lead worth a sales contact is worth a nurture touch too
        "nurture_min_points": card.min_points_for(min(nurture_p, sales_p)),
    }


def comparison_figures(
    card: Scorecard,
    *,
    label: np.ndarray,
    p_model: np.ndarray,
    legacy_points: np.ndarray,
    learned_points: np.ndarray,
) -> dict[str, float | int]:
    """Test AUC of the model, the legacy and the learned table; how closely the table ranks like
    the model (Spearman)."""
    figures = {
        "auc_model": _auc(label, p_model),
        "auc_point_table": _auc(label, legacy_points),
        "auc_learned_point_table": _auc(label, learned_points),
        "learned_point_table_features": len(card.bins),
        "learned_point_table_rank_correlation": float(
            pd.Series(learned_points).corr(pd.Series(p_model), method="spearman")
        ),
    }
    figures["auc_gap_model_minus_learned_point_table"] = (
        figures["auc_model"] - figures["auc_learned_point_table"]
    )
    return figures


def _auc(label: np.ndarray, score: np.ndarray) -> float:
    # a window with one outcome only has no AUC; NaN reaches the metrics file as null
    return roc_auc(label, score) if len(np.unique(label)) == 2 else float("nan")
