"""The conversion model: LightGBM with native categorical splits and early stopping on validation.

Categorical levels are learned in fit and encoded as integer codes, so a level never seen in
training scores as missing instead of colliding with another level's code.
"""

from __future__ import annotations

import logging
import time

import lightgbm as lgb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sklearn.base import BaseEstimator, ClassifierMixin

from models.frames import categorical_names, check_columns

log = logging.getLogger(__name__)

BIAS = "bias"  # the contributions column holding the base log-odds


def level_codes(values: pd.Series, levels: list[str]) -> np.ndarray:
    """Position of each value in ``levels``; -1 for missing or unseen."""
    if isinstance(values.dtype, pd.StringDtype):  # Arrow's hash lookup, ~10x pd.Categorical
        value_set = pa.array(levels, type=pa.string())
        text = pa.array(values, type=pa.string())
        return np.asarray(pc.index_in(text, value_set=value_set).fill_null(-1), dtype=np.intp)
    return pd.Categorical(values, categories=levels).codes.astype(np.intp)


class LightGBMModel(BaseEstimator, ClassifierMixin):
    """Gradient-boosted trees for P(convert); deterministic for a given seed and thread count."""

    def __init__(
        self,
        num_leaves: int = 31,
        learning_rate: float = 0.05,
        n_estimators: int = 2000,
        min_child_samples: int = 50,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        reg_lambda: float = 1.0,
        early_stopping_rounds: int = 100,
        cat_smooth: float = 10.0,
        cat_l2: float = 10.0,
        min_data_per_group: int = 100,
        max_cat_to_onehot: int = 4,
        path_smooth: float = 0.0,
        n_jobs: int = 1,
        seed: int = 0,
    ):
        self.num_leaves = num_leaves
        self.learning_rate = learning_rate
        self.n_estimators = n_estimators
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.early_stopping_rounds = early_stopping_rounds
        self.cat_smooth = cat_smooth
        self.cat_l2 = cat_l2
        self.min_data_per_group = min_data_per_group
        self.max_cat_to_onehot = max_cat_to_onehot
        self.path_smooth = path_smooth
        self.n_jobs = n_jobs
        self.seed = seed

    def _booster_params(self) -> dict:
        return {
            "objective": "binary",
            "num_leaves": self.num_leaves,
            "learning_rate": self.learning_rate,
            "min_data_in_leaf": self.min_child_samples,
            "bagging_fraction": self.subsample,
            "bagging_freq": 1 if self.subsample < 1 else 0,
            "feature_fraction": self.colsample_bytree,
            "lambda_l2": self.reg_lambda,
            # categorical splits: smoothing and a minimum per level, so that a campaign with a
            # handful of leads cannot carve out a leaf of its own
            "cat_smooth": self.cat_smooth,
            "cat_l2": self.cat_l2,
            "min_data_per_group": self.min_data_per_group,
            "max_cat_to_onehot": self.max_cat_to_onehot,
            "path_smooth": self.path_smooth,
            "num_threads": self.n_jobs,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
        }

    def _encode(self, X: pd.DataFrame) -> np.ndarray:
        """Features as a float matrix in training order; categories as codes, unknown as NaN."""
        check_columns(X, self.feature_names_, "LightGBM model")
        # column-major and filled in place: each column write is contiguous and LightGBM reads
        # Fortran order without a copy (no column_stack transpose of the whole chunk)
        out = np.empty((len(X), len(self.feature_names_)), order="F")
        for j, name in enumerate(self.feature_names_):
            if name in self.categorical_levels_:
                codes = level_codes(X[name], self.categorical_levels_[name])
                out[:, j] = codes
                out[codes < 0, j] = np.nan
            else:
                out[:, j] = X[name].to_numpy(dtype=float, na_value=np.nan)
        return out

    def fit(self, X: pd.DataFrame, y, X_val: pd.DataFrame | None = None, y_val=None):
        """Fit on training rows; with validation rows, stop when validation log loss stalls."""
        self.feature_names_ = list(X.columns)
        self.categorical_levels_ = {
            name: sorted(X[name].dropna().astype(str).unique()) for name in categorical_names(X)
        }
        categorical = [
            i for i, n in enumerate(self.feature_names_) if n in self.categorical_levels_
        ]
        train = lgb.Dataset(
            self._encode(X),
            label=np.asarray(y),
            feature_name=self.feature_names_,
            categorical_feature=categorical,
            free_raw_data=True,
        )
        valid_sets, callbacks = [], []
        if X_val is not None:
            valid = train.create_valid(self._encode(X_val), label=np.asarray(y_val))
            valid_sets = [valid]
            callbacks = [lgb.early_stopping(self.early_stopping_rounds, verbose=False)]
        started = time.perf_counter()
        self.booster_ = lgb.train(
            self._booster_params(),
            train,
            num_boost_round=self.n_estimators,
            valid_sets=valid_sets,
            valid_names=["validation"] if valid_sets else None,
            callbacks=callbacks,
        )
        self.best_iteration_ = int(self.booster_.best_iteration or self.booster_.num_trees())
        self.classes_ = np.array([0, 1])
        log.info(
            "LightGBM: %d trees (best iteration) in %.1f s",
            self.best_iteration_,
            time.perf_counter() - started,
        )
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = self.booster_.predict(self._encode(X), num_iteration=self.best_iteration_)
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Per-feature log-odds contributions (TreeSHAP); a row plus ``bias`` sums to the logit."""
        values = self.booster_.predict(
            self._encode(X), num_iteration=self.best_iteration_, pred_contrib=True
        )
        return pd.DataFrame(values, columns=[*self.feature_names_, BIAS], index=X.index)

    def gain_importance(self) -> pd.Series:
        """Total split gain per feature over the trees used for prediction."""
        gain = self.booster_.feature_importance("gain", iteration=self.best_iteration_)
        return pd.Series(gain, index=self.feature_names_, name="gain")
