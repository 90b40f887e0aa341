"""The features of an export: which ones the model may use, and the derived ones.

select_features drops constant columns and what leakage detection excludes. The derived features
are switched on by the source config's `derived` section:

- prior_leads: per configured column, how many earlier leads came with the same value (a landing
  page's popularity) — counted point in time: only leads first contacted on an earlier day, so a
  lead never counts itself, its same-day neighbours or anything after it;
- empty_fields: how many of the model's form fields a lead left empty (a web form's "Select"
  counts once the config maps it to missing). It is computed after leakage detection, over the
  columns that survived it, so the emptiness of an excluded rep-written field cannot leak back.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from features.errors import LeadscoreError
from features.leakage import LeakageReport, detect_leakage
from features.sources import SourceConfig

if TYPE_CHECKING:  # flat_export imports this module: a runtime import would be circular
    from features.flat_export import ExportFrame

log = logging.getLogger(__name__)

PRIOR_LEADS_SUFFIX = "_prior_leads"
EMPTY_FIELDS = "empty_fields"


def prior_leads(values: pd.Series, as_of: pd.Series) -> pd.Series:
    """For each lead, the number of leads with the same value whose as_of day is earlier.

    Missing values get NaN (no group to count). Row order does not matter.
    """
    day = pd.to_datetime(as_of).dt.floor("D")
    frame = pd.DataFrame({"value": values.astype(object), "day": day}, index=values.index)
    present = frame["value"].notna() & frame["day"].notna()
    daily = frame[present].groupby(["value", "day"]).size().rename("n").reset_index()
    daily = daily.sort_values(["value", "day"])
    daily["before"] = daily.groupby("value")["n"].cumsum() - daily["n"]
    counts = frame[present].merge(daily, on=["value", "day"], how="left")["before"]
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    out[present.to_numpy()] = counts.to_numpy(dtype="float64")
    return out


def prior_leads_features(
    leads: pd.DataFrame, columns: dict[str, str], *, as_of: str = "as_of"
) -> pd.DataFrame:
    """`<feature>_prior_leads` per configured column (feature name -> leads column), row-aligned.

    ``leads`` must hold every lead of the export (censored and open ones too): a page's
    popularity at a lead's first contact counts all earlier leads, labelled or not.
    """
    return pd.DataFrame(
        {
            f"{name}{PRIOR_LEADS_SUFFIX}": prior_leads(leads[column], leads[as_of])
            for name, column in columns.items()
        },
        index=leads.index,
    )


def empty_field_count(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """How many of ``columns`` are empty per row, as float64."""
    if not columns:
        return pd.Series(0.0, index=frame.index)
    return frame[columns].isna().sum(axis=1).astype("float64")


def empty_field_sources(
    features: list[str], feature_columns: dict[str, str], export_columns: set[str]
) -> list[str]:
    """The features empty_fields counts: those read from an export field, not prior_leads counts.

    A derived count is never empty for a reason the lead chose, so it must not count as a field.
    """
    return [
        c
        for c in features
        if feature_columns.get(c) in export_columns and not c.endswith(PRIOR_LEADS_SUFFIX)
    ]


def add_empty_fields(examples: ExportFrame, features: list[str], config: SourceConfig) -> list[str]:
    """Add derived.empty_fields to the examples and the open leads; returns the features with it.

    ``features`` are those that passed leakage detection, so an excluded field's emptiness
    cannot come back through the count.
    """
    fields = empty_field_sources(features, examples.feature_columns, set(config.roles()))
    examples.frame[EMPTY_FIELDS] = empty_field_count(examples.frame, fields)
    if examples.open_leads is not None:
        examples.open_leads[EMPTY_FIELDS] = empty_field_count(examples.open_leads, fields)
    examples.feature_columns[EMPTY_FIELDS] = EMPTY_FIELDS
    log.info("derived.empty_fields: empty fields counted over %d columns", len(fields))
    return [*features, EMPTY_FIELDS]


def constant_columns(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """The columns with one value (missing counts as one) in every row: nothing to learn."""
    return [c for c in columns if frame[c].nunique(dropna=False) <= 1]


def select_features(
    examples: ExportFrame, *, learn: np.ndarray, config: SourceConfig, seed: int
) -> tuple[list[str], list[str], LeakageReport]:
    """(the features the model uses, the constant ones dropped, the leakage report).

    Leakage detection sees only the ``learn`` rows, so the test window plays no part in what is
    excluded. With derived.empty_fields the count is added to the examples (see add_empty_fields).
    """
    frame = examples.frame
    constant = constant_columns(frame, examples.features)
    candidates = [c for c in examples.features if c not in constant]
    leakage = detect_leakage(
        frame.loc[learn, candidates].reset_index(drop=True),
        frame.loc[learn, "label"].to_numpy(),
        feature_columns=examples.feature_columns,
        settings=config.leakage,
        timestamps=examples.timestamps[learn].reset_index(drop=True),
        outcome_at=examples.outcome_at[learn].reset_index(drop=True),
        seed=seed,
    )
    features = [c for c in candidates if c not in leakage.excluded_features]
    if not features:
        raise LeadscoreError(
            f"{config.file}: no feature is left after leakage exclusion; "
            "check tables.*.extra and leakage.keep"
        )
    if config.empty_fields:
        features = add_empty_fields(examples, features, config)
    log.info(
        "%d features (%d constant dropped, %d excluded for leakage)",
        len(features),
        len(constant),
        len(leakage.excluded_features),
    )
    return features, constant, leakage
