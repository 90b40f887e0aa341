"""Every feature as a discrete level: quantile bins for numbers, the value itself for categories.

The logistic regression one-hot encodes these levels and the frequency model counts them.
Missing is a level of its own: "never visited the pricing page" is information.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from models.frames import MISSING, as_text, check_columns, is_categorical


def quantile_edges(values: pd.Series, n_bins: int) -> np.ndarray:
    """Inner bin edges at the quantiles of the non-missing values; repeated edges merged."""
    present = values.dropna().to_numpy(dtype=float)
    if present.size == 0:
        return np.array([])
    inner = np.quantile(present, np.linspace(0, 1, n_bins + 1)[1:-1])
    return np.unique(inner)


def bin_labels(values: pd.Series, edges: np.ndarray) -> pd.Series:
    """Bin index as text (b0, b1, ...): v is in bin i when edges[i-1] < v <= edges[i]."""
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    index = np.searchsorted(edges, numbers, side="left")
    names = np.array([f"b{i}" for i in range(len(edges) + 1)] + [MISSING], dtype=object)
    index[np.isnan(numbers)] = len(edges) + 1
    labels = names[index]
    return pd.Series(labels, index=values.index, dtype=object)


class FeatureBinner(BaseEstimator, TransformerMixin):
    """Numeric columns to quantile-bin labels, categorical columns to text; learned in fit."""

    def __init__(self, n_bins: int = 10):
        self.n_bins = n_bins

    def fit(self, X: pd.DataFrame, y=None) -> FeatureBinner:
        self.feature_names_ = list(X.columns)
        self.edges_ = {
            name: quantile_edges(X[name], self.n_bins)
            for name in X.columns
            if not is_categorical(X[name])
        }
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_columns(X, self.feature_names_, "binned features")
        return pd.DataFrame(
            {
                name: bin_labels(X[name], self.edges_[name])
                if name in self.edges_
                else as_text(X[name])
                for name in self.feature_names_
            },
            index=X.index,
        )
