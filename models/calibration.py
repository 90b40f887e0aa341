"""Calibration on the validation window: isotonic with enough conversions, Platt scaling without.

Isotonic regression follows any monotone distortion but needs many positives to be stable;
a sigmoid (Platt) on the log-odds has two parameters and works on few. ``method_`` records the
choice so metrics and MLflow can say which was used.

The isotonic map is centred (Oron & Flournoy 2017): it interpolates linearly between the
centres of the pooled blocks instead of staying flat across each block, so leads that the
model ranks differently keep different probabilities and calibration costs no ranking (AUC).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.isotonic import isotonic_regression
from sklearn.linear_model import LogisticRegression

ISOTONIC = "isotonic"
SIGMOID = "sigmoid"
# Calibrated probabilities stay inside (0, 1): an empty isotonic bin must not claim certainty.
PROBABILITY_FLOOR = 1e-4
LOGIT_EPS = 1e-9


def choose_method(positives: int, min_positives: int) -> str:
    """Isotonic when there are at least ``min_positives`` conversions, else sigmoid."""
    return ISOTONIC if positives >= min_positives else SIGMOID


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), LOGIT_EPS, 1 - LOGIT_EPS)
    return np.log(p / (1 - p))


def centred_isotonic(p: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Knots (mean score of each pooled isotonic block, its conversion rate) of a monotone map.

    Between knots the map is linear and strictly increasing; beyond the outer knots it is flat.
    """
    # pool-adjacent-violators on the distinct scores directly: IsotonicRegression.predict
    # interpolates and returns NaN between scores one float apart (0.9999999999999999 and 1.0)
    values, index = np.unique(p, return_inverse=True)
    counts = np.bincount(index).astype(float)
    pooled = isotonic_regression(
        np.bincount(index, weights=y) / counts,
        sample_weight=counts,
        y_min=PROBABILITY_FLOOR,
        y_max=1 - PROBABILITY_FLOOR,
    )
    block = np.concatenate([[0], np.cumsum(np.diff(pooled) != 0)])  # runs of one pooled rate
    weight = np.bincount(block, weights=counts)
    centres = np.bincount(block, weights=values * counts) / weight
    rates = np.bincount(block, weights=pooled * counts) / weight
    return centres, rates


class ScoreCalibrator(BaseEstimator):
    """A monotone map from raw scores (probabilities) to calibrated probabilities."""

    def __init__(self, method: str = "auto", min_positives: int = 200):
        self.method = method
        self.min_positives = min_positives

    def fit(self, p, y) -> ScoreCalibrator:
        y = np.asarray(y, dtype=int)
        p = np.asarray(p, dtype=float)
        method = self.method
        if method == "auto":
            method = choose_method(int(y.sum()), self.min_positives)
        if method == ISOTONIC:
            mapping = centred_isotonic(p, y)
        elif method == SIGMOID:
            mapping = LogisticRegression(C=1e6)  # no shrinkage: Platt's two free parameters
            mapping.fit(_logit(p).reshape(-1, 1), y)
        else:
            raise ValueError(f"unknown calibration method {method!r}")
        self.method_ = method
        self.mapping_ = mapping
        self.positives_ = int(y.sum())
        return self

    def transform(self, p) -> np.ndarray:
        p = np.asarray(p, dtype=float)
        if self.method_ == ISOTONIC:
            centres, rates = self.mapping_
            return np.interp(p, centres, rates)
        return self.mapping_.predict_proba(_logit(p).reshape(-1, 1))[:, 1]


class CalibratedModel(BaseEstimator, ClassifierMixin):
    """A fitted model whose probabilities are re-mapped by a calibrator fitted on validation data.

    ``fit(X_val, y_val)`` fits only the calibrator; the base model is already fitted on training.
    """

    def __init__(self, base, method: str = "auto", min_positives: int = 200):
        self.base = base
        self.method = method
        self.min_positives = min_positives

    def fit(self, X, y) -> CalibratedModel:
        raw = self.base.predict_proba(X)[:, 1]
        self.calibrator_ = ScoreCalibrator(self.method, self.min_positives).fit(raw, y)
        self.method_ = self.calibrator_.method_
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X) -> np.ndarray:
        p = self.calibrator_.transform(self.base.predict_proba(X)[:, 1])
        return np.column_stack([1 - p, p])

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def with_base(self, base) -> CalibratedModel:
        """The same fitted calibration map on another model, e.g. one refitted on more rows."""
        model = CalibratedModel(base, self.method, self.min_positives)
        model.calibrator_, model.method_, model.classes_ = (
            self.calibrator_,
            self.method_,
            self.classes_,
        )
        return model

    def contributions(self, X):
        """The base model's per-feature log-odds contributions (before calibration)."""
        return self.base.contributions(X)
