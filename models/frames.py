"""The feature-set frames models read: key columns, the label and the feature columns.

data/features/*.parquet hold lead_id, as_of, label, then features; categorical features are
strings, numeric ones float64. Every estimator takes the feature columns only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.errors import LeadscoreError

KEY_COLUMNS = ("lead_id", "as_of")
LABEL = "label"
MISSING = "__missing__"  # the level a missing categorical value becomes where one is needed


def feature_names(frame: pd.DataFrame) -> list[str]:
    """Feature columns in file order (everything but the keys and the label)."""
    return [c for c in frame.columns if c not in (*KEY_COLUMNS, LABEL)]


def features_of(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[feature_names(frame)]


def labels_of(frame: pd.DataFrame, source: str = "features") -> np.ndarray:
    """The 0/1 label as int; anything else is a user error naming the file."""
    if LABEL not in frame.columns:
        raise LeadscoreError(f"{source}: column '{LABEL}' is missing; rerun `leadscore featurize`")
    label = frame[LABEL]
    if label.isna().any() or not label.isin([0, 1]).all():
        raise LeadscoreError(f"{source}: column '{LABEL}' must be 0/1 with no missing values")
    return label.to_numpy(dtype=int)


def is_categorical(column: pd.Series) -> bool:
    """Strings (str, object, category) are categorical; numbers and 0/1 floats are numeric."""
    return not pd.api.types.is_numeric_dtype(column.dtype)


def categorical_names(X: pd.DataFrame) -> list[str]:
    return [c for c in X.columns if is_categorical(X[c])]


def as_text(column: pd.Series) -> pd.Series:
    """A categorical column as plain object strings with missing values as MISSING."""
    return column.astype(object).where(column.notna(), MISSING).astype(str)


def check_columns(X: pd.DataFrame, expected: list[str], what: str) -> None:
    """A frame to score must carry every feature the model was fitted on."""
    missing = [c for c in expected if c not in X.columns]
    if missing:
        raise LeadscoreError(
            f"{what}: feature columns {missing[:5]} are missing from the input; "
            "rebuild features with the code the model was trained with"
        )
