"""Fit the conversion model and its baselines on training rows, calibrate each on validation.

Every model ends as a CalibratedModel, so evaluation, predictions and the registry treat the
model and the baselines alike.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd
from sklearn.base import clone

from features.errors import LeadscoreError
from models.calibration import CalibratedModel
from models.frequency_nb import FrequencyNB
from models.lightgbm_model import LightGBMModel
from models.logistic import LogisticModel
from models.point_table import PointTable

log = logging.getLogger(__name__)

# model name -> prediction column in data/predictions/*.parquet
PREDICTION_COLUMNS = {
    "lightgbm": "p_model",
    "logistic": "p_logistic",
    "frequency_nb": "p_frequency_nb",
    "point_table": "p_point_table",
}
BASELINES = ("point_table", "frequency_nb", "logistic")


def _make(cls, section: str, values: dict, **fixed):
    """An estimator from a params.yaml section; an unknown key is a user error naming it."""
    accepted = set(cls().get_params()) - set(fixed)
    unknown = sorted(set(values) - accepted)
    if unknown:
        raise LeadscoreError(
            f"params.yaml {section}: unknown keys {unknown}; accepted: {sorted(accepted)}"
        )
    return cls(**values, **fixed)


def build_estimators(
    *, seed: int, lightgbm: dict, logistic: dict, frequency_nb: dict, point_table: dict
) -> dict:
    """Unfitted estimators from their params.yaml sections, cheapest first: a broken point-table
    rule fails before minutes of boosting."""
    return {
        "point_table": _make(PointTable, "point_table", point_table),
        "frequency_nb": _make(FrequencyNB, "train.frequency_nb", frequency_nb),
        "logistic": _make(LogisticModel, "train.logistic", logistic),
        "lightgbm": _make(LightGBMModel, "train.lightgbm", lightgbm, seed=seed),
    }


def fit_models(
    estimators: dict,
    X_train: pd.DataFrame,
    y_train: np.ndarray,
    X_val: pd.DataFrame,
    y_val: np.ndarray,
    *,
    calibration_min_positives: int,
    refit_on_validation: bool = False,
) -> dict[str, CalibratedModel]:
    """Fit each estimator on training rows (LightGBM stops early on validation), calibrate it on
    its validation predictions, and optionally refit it on training + validation rows.

    The refit (as scikit-learn's CalibratedClassifierCV with ensemble=False) keeps the number of
    trees and the calibration map found on validation, and learns from the most recent labelled
    weeks too: a model trained only on older leads cannot know how a channel drifted since.
    """
    fitted = {}
    for name, estimator in estimators.items():
        started = time.perf_counter()
        _fit(estimator, X_train, y_train, X_val, y_val)
        calibrated = CalibratedModel(estimator, min_positives=calibration_min_positives)
        calibrated.fit(X_val, y_val)
        if refit_on_validation:
            calibrated = calibrated.with_base(
                _refit(estimator, pd.concat([X_train, X_val]), np.concatenate([y_train, y_val]))
            )
        fitted[name] = calibrated
        log.info(
            "fitted %s, calibrated it (%s)%s in %.1f s",
            name,
            calibrated.method_,
            ", refitted on train + validation" if refit_on_validation else "",
            time.perf_counter() - started,
        )
    return fitted


def _fit(estimator, X_train, y_train, X_val, y_val) -> None:
    if isinstance(estimator, LightGBMModel):
        estimator.fit(X_train, y_train, X_val, y_val)
    else:
        estimator.fit(X_train, y_train)


def _refit(estimator, X: pd.DataFrame, y: np.ndarray):
    """A fresh copy fitted on ``X``; LightGBM grows the number of trees early stopping chose."""
    fresh = clone(estimator)
    if isinstance(estimator, LightGBMModel):
        fresh.set_params(n_estimators=estimator.best_iteration_)
    return fresh.fit(X, y)


def predictions(
    frame: pd.DataFrame,
    X: pd.DataFrame,
    models: dict[str, CalibratedModel],
    oracle: pd.Series | None = None,
) -> pd.DataFrame:
    """The prediction table economics reads: keys, label, every model's P(convert), the points."""
    table = frame[["lead_id", "as_of", "label"]].reset_index(drop=True)
    for name, column in PREDICTION_COLUMNS.items():
        table[column] = models[name].predict_proba(X)[:, 1]
    point_table = models["point_table"].base
    table["points_point_table"] = point_table.predict_points(X)
    table["mql_point_table"] = point_table.predict_mql(X)
    table["p_oracle"] = np.nan if oracle is None else np.asarray(oracle, dtype=float)
    return table
