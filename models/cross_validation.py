"""Stratified k-fold cross-validation for exports without dates (no out-of-time split possible).

Every fold fits the same estimators as the out-of-time path (models.training.fit_models): the
training folds are split once more, stratified, into a fitting part and a validation part for
LightGBM's early stopping and for calibration, so the held-out fold is never seen before it is
scored. The out-of-fold predictions of all folds together are evaluated like a test window,
and the per-fold ROC AUCs show the spread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, train_test_split

from models.calibration import CalibratedModel
from models.metrics import roc_auc
from models.training import fit_models

log = logging.getLogger(__name__)

EstimatorFactory = Callable[[], dict]  # a fresh, unfitted {name: estimator} per call


@dataclass
class CrossValidation:
    predictions: pd.DataFrame  # one column per model: out-of-fold calibrated P(convert)
    fold: np.ndarray  # the fold that held each row out
    fold_roc_auc: dict[str, list[float]]  # model -> ROC AUC of each held-out fold
    calibration: dict[str, list[str]]  # model -> calibration method per fold

    def summary(self) -> dict:
        """Mean and spread of the per-fold ROC AUCs per model."""
        return {
            name: {
                "folds": len(aucs),
                "roc_auc_mean": float(np.mean(aucs)),
                "roc_auc_std": float(np.std(aucs, ddof=1)) if len(aucs) > 1 else 0.0,
                "roc_auc_per_fold": [round(a, 4) for a in aucs],
            }
            for name, aucs in self.fold_roc_auc.items()
        }


def stratified_folds(y: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """The fold (0..folds-1) of every row; each fold keeps the overall conversion rate."""
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    fold = np.empty(len(y), dtype=int)
    for k, (_, held_out) in enumerate(splitter.split(np.zeros(len(y)), y)):
        fold[held_out] = k
    return fold


def fit_with_validation(
    make_estimators: EstimatorFactory,
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    validation_share: float,
    seed: int,
    calibration_min_positives: int,
) -> dict[str, CalibratedModel]:
    """Fit on a stratified (1 - share) of the rows, stop early and calibrate on the rest."""
    fit_rows, validation_rows = train_test_split(
        np.arange(len(y)), test_size=validation_share, stratify=y, random_state=seed
    )
    fit_rows, validation_rows = np.sort(fit_rows), np.sort(validation_rows)
    return fit_models(
        make_estimators(),
        X.iloc[fit_rows],
        y[fit_rows],
        X.iloc[validation_rows],
        y[validation_rows],
        calibration_min_positives=calibration_min_positives,
    )


def cross_validate(
    make_estimators: EstimatorFactory,
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    folds: int,
    validation_share: float,
    seed: int,
    calibration_min_positives: int,
) -> CrossValidation:
    """Out-of-fold calibrated predictions of every estimator (see the module docstring)."""
    y = np.asarray(y, dtype=int)
    fold = stratified_folds(y, folds, seed)
    predictions: dict[str, np.ndarray] = {}
    fold_auc: dict[str, list[float]] = {}
    calibration: dict[str, list[str]] = {}
    for k in range(folds):
        started = time.perf_counter()
        train, held_out = fold != k, fold == k
        models = fit_with_validation(
            make_estimators,
            X[train],
            y[train],
            validation_share=validation_share,
            seed=seed + k,
            calibration_min_positives=calibration_min_positives,
        )
        for name, model in models.items():
            p = model.predict_proba(X[held_out])[:, 1]
            predictions.setdefault(name, np.empty(len(y)))[held_out] = p
            fold_auc.setdefault(name, []).append(roc_auc(y[held_out], p))
            calibration.setdefault(name, []).append(model.method_)
        log.info(
            "fold %d/%d: %s (%.1f s)",
            k + 1,
            folds,
            ", ".join(f"{n} ROC AUC {a[-1]:.4f}" for n, a in fold_auc.items()),
            time.perf_counter() - started,
        )
    return CrossValidation(
        predictions=pd.DataFrame(predictions, index=X.index),
        fold=fold,
        fold_roc_auc=fold_auc,
        calibration=calibration,
    )
