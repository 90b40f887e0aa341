"""The registered model: an MLflow pyfunc whose predict returns P(convert), not a class label.

Nightly scoring loads it with
    mlflow.pyfunc.load_model("models:/lead-scoring@champion").unwrap_python_model()
and calls ``predict_proba(X)`` for probabilities and ``contributions(X)`` for reason codes.
"""

from __future__ import annotations

import mlflow.pyfunc
import numpy as np
import pandas as pd

from models.calibration import CalibratedModel

OUTPUT_COLUMN = "p_convert"


class LeadScoringModel(mlflow.pyfunc.PythonModel):
    """The calibrated LightGBM plus the feature names and categorical levels it was fitted on."""

    def __init__(self, model: CalibratedModel):
        self.model = model
        self.feature_names = list(model.base.feature_names_)
        self.categorical_levels = dict(model.base.categorical_levels_)
        self.calibration_method = model.method_

    def _features(self, X: pd.DataFrame) -> pd.DataFrame:
        X = X[self.feature_names]
        # signature enforcement may hand categorical columns over as objects; keep them text
        return X.astype({name: "str" for name in self.categorical_levels})

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """scikit-learn shape (n, 2): column 1 is the calibrated P(convert)."""
        return self.model.predict_proba(self._features(X))

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Per-feature log-odds contributions (TreeSHAP of the uncalibrated trees) plus ``bias``."""
        return self.model.contributions(self._features(X))

    # model_input is annotated pd.DataFrame: MLflow then checks inputs against the logged
    # signature (from the input example) instead of trying to infer one from the hint
    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        """One float column, p_convert, per input row."""
        p = self.predict_proba(model_input)[:, 1]
        return pd.DataFrame({OUTPUT_COLUMN: p}, index=model_input.index)
