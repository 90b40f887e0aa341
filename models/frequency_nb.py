"""Baseline: Odoo-style predictive lead scoring, a naive Bayes over per-field won/lost frequencies.

As in Odoo CRM's lead scoring: for every field value count the won and the lost leads, add 0.1
to each count, and score a lead by
    P(won) ∝ P(won) · Π_fields count_won(value) / Σ_values count_won,
the same for lost, normalised. A value never seen in training is skipped, as Odoo does. Numeric
fields are quantile-binned first; unlike Odoo, a missing value is a level of its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin

from models.binning import FeatureBinner


class FrequencyNB(BaseEstimator, ClassifierMixin):
    def __init__(self, smoothing: float = 0.1, n_bins: int = 10):
        self.smoothing = smoothing
        self.n_bins = n_bins

    def fit(self, X: pd.DataFrame, y) -> FrequencyNB:
        y = np.asarray(y, dtype=int)
        self.binner_ = FeatureBinner(n_bins=self.n_bins).fit(X)
        levels = self.binner_.transform(X)
        self.frequencies_: dict[str, pd.DataFrame] = {}
        for name in levels.columns:
            counts = pd.crosstab(levels[name], y).reindex(columns=[1, 0], fill_value=0)
            counts.columns = ["won", "lost"]
            self.frequencies_[name] = counts.astype(float) + self.smoothing
        self.won_count_ = int(y.sum())
        self.lost_count_ = int(len(y) - y.sum())
        self.classes_ = np.array([0, 1])
        return self

    def log_odds(self, X: pd.DataFrame) -> np.ndarray:
        """log P(won | x) - log P(lost | x) under the naive-Bayes product."""
        levels = self.binner_.transform(X)
        total = np.full(len(X), np.log(self.won_count_ / self.lost_count_))
        for name, counts in self.frequencies_.items():
            ratio = np.log(counts["won"] / counts["won"].sum()) - np.log(
                counts["lost"] / counts["lost"].sum()
            )
            total += levels[name].map(ratio).fillna(0.0).to_numpy(dtype=float)
        return total

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = expit(self.log_odds(X))
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)
