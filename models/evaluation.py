"""Test-window evaluation of the model, the baselines and the Bayes limit (synthetic CRM only).

The result is the body of reports/metrics/model.json: `test` (the calibrated LightGBM),
`baselines.{point_table, frequency_nb, logistic}` and, when ground truth exists, `oracle`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from models.metrics import roc_auc, score_metrics
from models.training import BASELINES, PREDICTION_COLUMNS

log = logging.getLogger(__name__)


def read_bayes_limit(path: str | Path) -> pd.DataFrame | None:
    """The generator's true P(convert) per (lead_id, as_of), or None for real exports."""
    path = Path(path)
    if not path.exists():
        return None
    return pd.read_parquet(path, columns=["lead_id", "as_of", "p_convert"])


def oracle_probabilities(frame: pd.DataFrame, bayes_limit: pd.DataFrame | None) -> pd.Series:
    """The Bayes-limit probability for each row of ``frame`` (NaN where there is none)."""
    if bayes_limit is None:
        return pd.Series(np.nan, index=range(len(frame)), name="p_oracle")
    keys = frame[["lead_id", "as_of"]].astype({"lead_id": str, "as_of": "datetime64[us]"})
    truth = bayes_limit.astype({"lead_id": str, "as_of": "datetime64[us]"}).drop_duplicates(
        ["lead_id", "as_of"]
    )
    joined = keys.merge(truth, on=["lead_id", "as_of"], how="left", validate="many_to_one")
    return joined["p_convert"].rename("p_oracle").reset_index(drop=True)


def evaluate(
    test: pd.DataFrame, *, calibration: dict[str, str], bootstrap_samples: int, seed: int
) -> dict:
    """Metrics for every model on the test predictions table (training.predictions)."""
    y = test["label"].to_numpy(dtype=int)
    figures = {
        name: score_metrics(y, test[column], bootstrap_samples=bootstrap_samples, seed=seed)
        | {"calibration": calibration[name]}
        for name, column in PREDICTION_COLUMNS.items()
    }
    points = test["points_point_table"].to_numpy()
    mql = test["mql_point_table"].to_numpy() == 1
    figures["point_table"] |= {
        "roc_auc_points": roc_auc(y, points),
        "mql_share": float(mql.mean()),
        "mql_conversion_rate": float(y[mql].mean()) if mql.any() else None,
        "mql_capture": float(y[mql].sum() / y.sum()),
    }
    result = {"test": figures["lightgbm"], "baselines": {b: figures[b] for b in BASELINES}}
    known = test["p_oracle"].notna().to_numpy()
    if known.any():
        oracle = score_metrics(
            y[known], test["p_oracle"][known], bootstrap_samples=bootstrap_samples, seed=seed
        )
        model_auc_same_rows = roc_auc(y[known], test["p_model"][known])
        oracle |= {
            "coverage": float(known.mean()),
            "model_roc_auc_same_rows": model_auc_same_rows,
            "model_to_oracle_roc_auc": model_auc_same_rows / oracle["roc_auc"],
        }
        if known.mean() < 1:
            log.warning("Bayes limit covers only %.1f %% of the test rows", 100 * known.mean())
        result["oracle"] = oracle
    return result


def validation_summary(validation: pd.DataFrame) -> dict:
    """ROC AUC per model on validation; not an honest estimate: calibration was fitted there
    (and with train.refit_on_validation the models were refitted on it)."""
    y = validation["label"].to_numpy(dtype=int)
    return {name: roc_auc(y, validation[column]) for name, column in PREDICTION_COLUMNS.items()}
