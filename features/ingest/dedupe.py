"""De-duplication by a table's key: repeats that differ only in formatting are merged.

Of the rows sharing a key, the first most complete one (fewest missing values) is kept. A repeat
whose values agree with it (after normalisation; text compared case- and space-insensitively;
missing values agree with anything) is merged away and counted; a repeat that contradicts it is
a conflicting duplicate and goes to quarantine, so no contradiction is hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.ingest.normalise import comparable


@dataclass
class Duplicates:
    merged: pd.Series  # bool per row: a repeat that agrees with the kept row
    conflicting: pd.Series  # bool per row: a repeat that contradicts the kept row
    detail: pd.Series  # for conflicting rows: which columns differ


def find_duplicates(
    values: pd.DataFrame, key: list[str], compare: list[str], eligible: np.ndarray | None = None
) -> Duplicates:
    """Mark the repeats of each key among the ``eligible`` (valid) rows, in file order."""
    no = pd.Series(False, index=values.index)
    eligible = np.ones(len(values), dtype=bool) if eligible is None else eligible
    keys = values[key] if eligible.all() else values.loc[eligible, key]
    shared = np.zeros(len(values), dtype=bool)
    shared[eligible] = keys.duplicated(keep=False).to_numpy()
    if not shared.any():
        return Duplicates(merged=no, conflicting=no.copy(), detail=pd.Series(None, index=no.index))
    found = _repeats(values[shared], key, compare)  # only the rows whose key repeats
    return Duplicates(
        merged=found.merged.reindex(values.index, fill_value=False),
        conflicting=found.conflicting.reindex(values.index, fill_value=False),
        detail=found.detail.reindex(values.index),
    )


def _repeats(values: pd.DataFrame, key: list[str], compare: list[str]) -> Duplicates:
    completeness = values[compare].notna().sum(axis=1)
    by_completeness = values[key].assign(_missing=-completeness)
    by_completeness = by_completeness.sort_values("_missing", kind="stable")
    repeat = by_completeness.duplicated(subset=key, keep="first").reindex(values.index)
    kept = values.loc[~repeat, key + compare]
    repeats = values.loc[repeat, key + compare].assign(_row=values.index[repeat])
    joined = repeats.merge(kept, on=key, how="left", suffixes=("", "_kept")).set_index("_row")
    differing = pd.DataFrame(
        {col: _differs(joined[col], joined[f"{col}_kept"]) for col in compare}, index=joined.index
    )
    conflict = differing.any(axis=1).reindex(values.index, fill_value=False)
    detail = pd.Series(None, index=values.index, dtype="object")
    if conflict.any():
        columns = np.array(compare, dtype=object)
        rows = differing[differing.any(axis=1)]
        key_text = joined.loc[rows.index, key].astype("str").agg(", ".join, axis=1)
        detail[rows.index] = [
            f"{'/'.join(key)} {k!r} appears earlier with other {', '.join(columns[mask])}"
            for k, mask in zip(key_text, rows.to_numpy(), strict=True)
        ]
    return Duplicates(merged=repeat & ~conflict, conflicting=conflict, detail=detail)


def _differs(value: pd.Series, kept: pd.Series) -> pd.Series:
    """Both given and different (missing agrees with anything)."""
    a, b = comparable(value), comparable(kept)
    both = a.notna() & b.notna()
    return (both & (a != b)).fillna(False).astype(bool)
