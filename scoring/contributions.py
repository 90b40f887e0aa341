"""Per-feature contributions for the reasons: exact TreeSHAP, or a lookup learned from a sample.

Exact TreeSHAP (LightGBM pred_contrib) costs a few milliseconds per lead, hundreds of times a
prediction: fine for thousands of open leads, an hour for a million. Above ``exact_max_rows``
leads the exact contributions are computed for a seeded sample of ``sample_rows`` leads of the
same night, and every lead gets, per feature, the mean exact contribution of
the sampled leads with the same value (numbers: the same value when the feature has few distinct
values, else the same quantile bin; missing is a value of its own). That keeps each feature's
main effect and drops interactions, which is what a top-three list of reasons shows anyway.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

log = logging.getLogger(__name__)

MAX_LEVELS = 64  # a numeric feature with at most this many distinct values is looked up exactly
QUANTILE_BINS = 32
MAX_DENSE = 100_000  # integer levels spanning at most this many values use a dense table


@dataclass(frozen=True)
class FeatureLookup:
    """Mean contribution by value of one feature; the last entry is for missing values."""

    levels: np.ndarray  # sorted numeric levels / bin lower edges, or category labels
    means: np.ndarray  # len(levels) + 1
    categorical: bool
    # integer levels (counts, flags): a dense table from floor(value) - lowest to the mean
    dense: np.ndarray | None = None

    def apply(self, values: pd.Series) -> np.ndarray:
        if self.categorical:
            codes = category_codes(values, self.levels)
            return self.means[np.where(codes < 0, len(self.levels), codes)]
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        missing = np.isnan(numbers)
        if self.dense is not None:
            low = self.levels[0]
            offset = np.clip(
                np.floor(np.where(missing, low, numbers)) - low, 0, len(self.dense) - 1
            )  # noqa: E501
            out = self.dense[offset.astype(np.intp)]
        else:
            index = np.searchsorted(self.levels, numbers, side="right") - 1
            out = self.means[np.clip(index, 0, max(len(self.levels) - 1, 0))]
        return np.where(missing, self.means[-1], out)


def category_codes(values: pd.Series, levels: np.ndarray) -> np.ndarray:
    """Position of each value in ``levels``; -1 for missing or unseen (Arrow's index_in)."""
    value_set = pa.array([str(level) for level in levels], type=pa.string())
    text = pa.array(values.astype("str"), type=pa.string())
    return np.asarray(pc.index_in(text, value_set=value_set).fill_null(-1), dtype=np.intp)


def fit_lookup(values: pd.Series, contributions: np.ndarray, categorical: bool) -> FeatureLookup:
    """The mean contribution per value (or quantile bin) of one feature on sampled rows."""
    contributions = np.asarray(contributions, dtype=float)
    missing = values.isna().to_numpy()
    if categorical:
        levels = np.array(sorted(values[~missing].astype(str).unique()), dtype=object)
        codes = category_codes(values, levels)
        index = np.where(missing | (codes < 0), len(levels), codes)
    else:
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        present = numbers[~missing]
        levels = np.unique(present)
        if len(levels) > MAX_LEVELS:
            levels = np.unique(np.quantile(present, np.linspace(0, 1, QUANTILE_BINS + 1)[:-1]))
        index = np.clip(np.searchsorted(levels, numbers, side="right") - 1, 0, None)
        index = np.where(missing, len(levels), index)
    sums = np.bincount(index, weights=contributions, minlength=len(levels) + 1)
    counts = np.bincount(index, minlength=len(levels) + 1)
    means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    dense = None
    if not categorical and len(levels) and np.all(levels == np.floor(levels)):
        span = np.arange(levels[0], levels[-1] + 1)
        if len(span) <= MAX_DENSE:  # for integer levels floor(v) falls in the same bin as v
            dense = means[np.searchsorted(levels, span, side="right") - 1]
    return FeatureLookup(levels=levels, means=means, categorical=categorical, dense=dense)


class ReasonContributions:
    """Contributions per lead for the reasons, exact up to ``exact_max_rows`` leads."""

    def __init__(
        self,
        model,
        names: list[str],
        categorical: set[str],
        *,
        exact_max_rows: int,
        sample_rows: int | None = None,
    ):
        self.model = model
        self.names = names
        self.categorical = categorical
        self.exact_max_rows = exact_max_rows
        self.sample_rows = min(sample_rows or exact_max_rows, exact_max_rows)
        self.lookups: list[FeatureLookup] | None = None

    def prepare(self, X: pd.DataFrame, *, seed: int) -> None:
        """With more leads than exact_max_rows, learn the lookups from a seeded sample."""
        if len(X) <= self.exact_max_rows:
            return
        started = time.perf_counter()
        rng = np.random.default_rng(seed)
        rows = np.sort(rng.choice(len(X), self.sample_rows, replace=False))
        sample = X.iloc[rows]
        exact = self.exact(sample)
        self.lookups = [
            fit_lookup(sample[name], exact[:, j], name in self.categorical)
            for j, name in enumerate(self.names)
        ]
        log.info(
            "reasons: exact TreeSHAP on a sample of %d of %d leads, lookup for the rest (%.1f s)",
            len(rows),
            len(X),
            time.perf_counter() - started,
        )

    def exact(self, X: pd.DataFrame) -> np.ndarray:
        """The model's own per-feature contributions (columns in ``names`` order)."""
        return self.model.contributions(X)[self.names].to_numpy(dtype=float)

    def columns(self, X: pd.DataFrame) -> Iterator[np.ndarray]:
        """Each feature's contributions in ``names`` order, one column at a time.

        The lookup path computes a column when asked, so the (rows, features) matrix of a
        chunk never exists; the exact path yields the columns of the model's matrix.
        """
        if self.lookups is None:
            yield from self.exact(X).T
            return
        for lookup, name in zip(self.lookups, self.names, strict=True):
            yield lookup.apply(X[name])
