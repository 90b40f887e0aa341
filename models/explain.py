"""What the model looks at: split gain and mean |SHAP| per feature from LightGBM itself.

Gain says how much each feature improved the fit while training; mean |SHAP| (TreeSHAP via
LightGBM's pred_contrib) says how far it moves a typical test lead's log-odds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.lightgbm_model import BIAS, LightGBMModel


def importance_table(
    model: LightGBMModel, X: pd.DataFrame, *, max_rows: int = 5000, seed: int = 0
) -> pd.DataFrame:
    """feature, gain, gain_share, mean_abs_shap, sorted by mean |SHAP| (largest first).

    SHAP is computed on at most ``max_rows`` rows drawn with ``seed``: the mean of a few thousand
    rows is stable and TreeSHAP on a full test window would dominate training time.
    """
    if len(X) > max_rows:
        rows = np.sort(np.random.default_rng(seed).choice(len(X), max_rows, replace=False))
        X = X.iloc[rows]
    contributions = model.contributions(X).drop(columns=[BIAS])
    gain = model.gain_importance()
    table = pd.DataFrame(
        {
            "feature": gain.index,
            "gain": gain.to_numpy(),
            "gain_share": (gain / gain.sum()).to_numpy() if gain.sum() else 0.0,
            "mean_abs_shap": contributions.abs().mean().reindex(gain.index).to_numpy(),
        }
    )
    return table.sort_values(
        ["mean_abs_shap", "gain", "feature"], ascending=[False, False, True]
    ).reset_index(drop=True)
