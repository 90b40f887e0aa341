"""The economics stage's inputs: predictions, feature rows, lead attributes, won deals.

Each reader checks what it needs and says in one line which stage to rerun when a file or a
column is missing (data/predictions from `leadscore train`, data/features from `leadscore
featurize`, data/interim from `leadscore ingest`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from features import contract
from features.errors import LeadscoreError
from features.tables import read_interim
from models.deal_value import ConversionValues, conversion_values, won_before

log = logging.getLogger(__name__)

PREDICTIONS_DIR = Path("data/predictions")
FEATURES_DIR = Path("data/features")
PREDICTION_COLUMNS = (
    "lead_id",
    "as_of",
    "label",
    "p_model",
    "points_point_table",
    "mql_point_table",
)


def read_predictions(split: str) -> pd.DataFrame:
    """data/predictions/<split>.parquet with the columns the economics need."""
    path = PREDICTIONS_DIR / f"{split}.parquet"
    if not path.exists():
        raise LeadscoreError(f"{path}: not found; run `leadscore train` first")
    frame = pd.read_parquet(path)
    missing = [c for c in PREDICTION_COLUMNS if c not in frame.columns]
    if missing:
        raise LeadscoreError(f"{path}: column(s) {missing} missing; rerun `leadscore train`")
    if frame["p_model"].isna().any():
        raise LeadscoreError(
            f"{path}: column 'p_model' has missing values; rerun `leadscore train`"
        )
    frame["as_of"] = _as_timestamp(frame["as_of"])
    return frame.reset_index(drop=True)


def _as_timestamp(values: pd.Series) -> pd.Series:
    """as_of as naive datetime64[us], whatever unit the writer used, so joins line up."""
    return pd.to_datetime(values).astype("datetime64[us]")


def interim_if_present(table: str, columns: list[str] | None = None) -> pd.DataFrame | None:
    """An ingested table, or None when this CRM export does not have it."""
    if not Path(contract.interim_path(table)).exists():
        return None
    return read_interim(table, columns=columns)


def lead_attributes(columns: list[str]) -> pd.DataFrame:
    """One row per lead with ``columns``, from the feature sets (lead attributes do not change
    between snapshots), else from data/interim/leads.parquet."""
    frames = []
    for split in ("train", "validation", "test"):
        path = FEATURES_DIR / f"{split}.parquet"
        if path.exists() and columns and set(columns) <= set(pq.read_schema(path).names):
            frames.append(pd.read_parquet(path, columns=["lead_id", *columns]))
    if frames:
        return pd.concat(frames, ignore_index=True).drop_duplicates("lead_id", keep="last")
    leads = interim_if_present("leads")
    if leads is None or not all(c in leads.columns for c in columns):
        raise LeadscoreError(
            f"params.yaml: economics.value_segments {columns} are neither feature columns in "
            f"{FEATURES_DIR} nor lead columns; name existing columns (e.g. employee_band)"
        )
    return leads[["lead_id", *columns]]


def read_conversion_values(econ: dict[str, Any], *, test_start: pd.Timestamp) -> ConversionValues:
    """The value of a conversion; segment values learn from the deals won before the test."""
    setting = str(econ.get("conversion_value", "fixed"))
    segments = list(econ.get("value_segments", []))
    won = read_won_deals(segments, before=test_start) if setting == "segment" else None
    values = conversion_values(
        setting=setting,
        fixed_value=float(econ.get("fixed_conversion_value", 0)),
        won=won,
        segment_columns=segments,
        shrinkage=float(econ.get("value_shrinkage", 20)),
    )
    if won is not None:
        log.info(
            "conversion value: %d won deals before %s, mean %.0f, %d segments",
            len(won), test_start.date(), values.default, len(values.by_segment),
        )  # fmt: skip
    return values


def read_won_deals(segments: list[str], *, before: pd.Timestamp) -> pd.DataFrame | None:
    """Deals won before ``before`` with the lead's segment columns; None without deal values."""
    outcomes = interim_if_present("outcomes")
    if outcomes is None or "deal_value" not in outcomes.columns:
        log.warning("no deal values in data/interim/outcomes: using the fixed conversion value")
        return None
    won = won_before(outcomes, before)
    return won.merge(lead_attributes(segments), on="lead_id", how="inner") if segments else won


def labelled_features(split: str, predictions: pd.DataFrame) -> pd.DataFrame:
    """The feature rows of ``split`` in the row order of ``predictions``, with their label."""
    path = FEATURES_DIR / f"{split}.parquet"
    if not path.exists():
        raise LeadscoreError(f"{path}: not found; run `leadscore featurize` first")
    features = pd.read_parquet(path).drop(columns=["label"], errors="ignore")
    features["as_of"] = _as_timestamp(features["as_of"])
    joined = predictions[["lead_id", "as_of", "label"]].merge(
        features, on=["lead_id", "as_of"], how="left", validate="one_to_one", indicator=True
    )
    unmatched = int((joined["_merge"] != "both").sum())
    if unmatched:
        raise LeadscoreError(
            f"{path}: {unmatched} prediction rows have no feature row; rerun featurize and train"
        )
    return joined.drop(columns="_merge")
