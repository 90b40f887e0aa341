"""Baseline: logistic regression on one-hot categories and quantile-binned numbers.

Binning lets a linear model bend (a count of 0 and a count of 9 need not differ linearly) while
staying a sum of per-level weights that a marketer could read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from models.binning import FeatureBinner


class LogisticModel(BaseEstimator, ClassifierMixin):
    """FeatureBinner -> OneHotEncoder -> LogisticRegression, as one estimator."""

    def __init__(self, C: float = 1.0, n_bins: int = 10, max_iter: int = 500):
        self.C = C
        self.n_bins = n_bins
        self.max_iter = max_iter

    def fit(self, X: pd.DataFrame, y) -> LogisticModel:
        self.pipeline_ = Pipeline(
            [
                ("bin", FeatureBinner(n_bins=self.n_bins)),
                ("onehot", OneHotEncoder(handle_unknown="ignore", dtype=np.float64)),
                ("logit", LogisticRegression(C=self.C, max_iter=self.max_iter)),
            ]
        )
        self.pipeline_.fit(X, np.asarray(y))
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.pipeline_.predict_proba(X)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)
