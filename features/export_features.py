"""Derived features of an export, switched on by the source config's `derived` section.

- prior_leads: per configured column, how many earlier leads came with the same value (a landing
  page's popularity) — counted point in time: only leads first contacted on an earlier day, so a
  lead never counts itself, its same-day neighbours or anything after it;
- empty_fields: how many of the model's form fields a lead left empty (a web form's "Select"
  counts once the config maps it to missing). It is computed after leakage detection, over the
  columns that survived it, so the emptiness of an excluded rep-written field cannot leak back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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
