"""Drift: the population stability index (PSI) of every feature and of the score, tonight's open
leads against the training snapshots (data/features/train.parquet).

PSI = sum over bins of (a - e) * ln(a / e), with e the reference share and a tonight's share of
a bin (both floored at 1e-4 so that an empty bin counts as rare, not impossible). Numbers are
binned at the reference deciles, categories are the reference's most frequent values plus
"other"; missing values are a bin of their own. Rule of thumb: below 0.1 stable, 0.1-0.25 a
shift worth a look, above 0.25 a population the model has not seen.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from features.errors import LeadscoreError

log = logging.getLogger(__name__)

REFERENCE_PATH = "data/features/train.parquet"
N_BINS = 10
MAX_CATEGORIES = 20
SHARE_FLOOR = 1e-4
OTHER = "(other)"


@dataclass(frozen=True)
class Binning:
    """How one column is cut into bins, learned from the reference."""

    categorical: bool
    edges: np.ndarray  # numeric: inner cut points; categorical: the kept category labels

    def counts(self, values: pd.Series) -> np.ndarray:
        """Rows per bin; the last bin is 'missing' (and, for categories, before it 'other')."""
        missing = values.isna().to_numpy()
        if self.categorical:
            codes = pd.Categorical(values.astype(object), categories=self.edges).codes
            index = np.where(codes < 0, len(self.edges), codes)  # not kept -> other
            n_bins = len(self.edges) + 2
        else:
            numbers = values.to_numpy(dtype=float, na_value=np.nan)
            index = np.searchsorted(self.edges, numbers, side="right")
            n_bins = len(self.edges) + 2
        index = np.where(missing, n_bins - 1, index)
        return np.bincount(index, minlength=n_bins)


def fit_binning(reference: pd.Series, *, categorical: bool) -> Binning:
    """Decile cut points of a number, or the most frequent categories, of the reference."""
    present = reference.dropna()
    if categorical:
        counts = present.astype(str).value_counts()
        counts = counts.sort_index().sort_values(ascending=False, kind="mergesort")
        return Binning(True, np.array(counts.index[:MAX_CATEGORIES], dtype=object))
    numbers = present.to_numpy(dtype=float)
    if len(numbers) == 0:
        return Binning(False, np.array([]))
    edges = np.unique(np.quantile(numbers, np.linspace(0, 1, N_BINS + 1)[1:-1]))
    return Binning(False, edges)


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index of two count (or share) vectors over the same bins."""
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    if e.sum() == 0 or a.sum() == 0:
        return 0.0
    e = np.maximum(e / e.sum(), SHARE_FLOOR)
    a = np.maximum(a / a.sum(), SHARE_FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def column_psi(reference: pd.Series, current: pd.Series, *, categorical: bool) -> float:
    binning = fit_binning(reference, categorical=categorical)
    return psi(binning.counts(reference), binning.counts(current))


def read_reference(
    path: str | Path, columns: Sequence[str], *, max_rows: int, seed: int
) -> pd.DataFrame:
    """A seeded sample of at most ``max_rows`` rows of the training snapshots (memory bound)."""
    path = Path(path)
    try:
        parquet = pq.ParquetFile(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise LeadscoreError(
            f"{path}: cannot be read as Parquet ({exc}); rerun featurize"
        ) from None
    present = [c for c in columns if c in parquet.schema_arrow.names]
    n = parquet.metadata.num_rows
    if n <= max_rows:
        return parquet.read(columns=present).to_pandas()
    keep = np.sort(np.random.default_rng(seed).choice(n, max_rows, replace=False))
    parts, start = [], 0
    for batch in parquet.iter_batches(batch_size=65_536, columns=present):
        stop = start + batch.num_rows
        lo, hi = np.searchsorted(keep, [start, stop])
        if hi > lo:
            parts.append(batch.take(pa.array(keep[lo:hi] - start)))
        start = stop
    return pa.Table.from_batches(parts, schema=parts[0].schema).to_pandas()


def drift_report(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    kinds: Mapping[str, str],
    reference_score: np.ndarray | None,
    current_score: np.ndarray,
    warn_psi: float,
    ignore: Sequence[str] = (),
) -> dict:
    """PSI per feature (those in both frames) and for the score; which exceed ``warn_psi``.

    Features in ``ignore`` (e.g. campaign names that change every quarter by design) are
    measured and reported but never count as drifted.
    """
    features: dict[str, dict] = {}
    for name, kind in kinds.items():
        if name not in reference.columns or name not in current.columns:
            continue
        value = column_psi(reference[name], current[name], categorical=kind == "categorical")
        features[name] = {"psi": round(value, 6), "drifted": value > warn_psi}
        if name in ignore:
            features[name].update(drifted=False, ignored=True)
    score = None
    if reference_score is not None:
        value = column_psi(
            pd.Series(reference_score, dtype=float),
            pd.Series(current_score, dtype=float),
            categorical=False,
        )
        score = {"psi": round(value, 6), "drifted": value > warn_psi}
    drifted = sorted(
        (n for n, f in features.items() if f["drifted"]), key=lambda n: (-features[n]["psi"], n)
    )
    missing = sorted(set(kinds) - set(features))
    return {
        "warn_psi": warn_psi,
        "ignored": sorted(ignore),
        "reference_rows": len(reference),
        "rows": len(current),
        "status": "drift" if drifted or (score and score["drifted"]) else "ok",
        "score": score,
        "features": features,
        "drifted_features": drifted,
        "features_not_in_reference": missing,
    }


def not_measured(reason: str, warn_psi: float, rows: int) -> dict:
    """The report when there is nothing to compare with."""
    return {
        "warn_psi": warn_psi,
        "rows": rows,
        "status": "not_measured",
        "reason": reason,
        "score": None,
        "features": {},
        "drifted_features": [],
    }


def log_drift(report: dict) -> None:
    """Warnings for each drifted feature and for the score."""
    if report["status"] == "not_measured":
        log.warning("drift not measured: %s", report["reason"])
        return
    warn = report["warn_psi"]
    score = report.get("score")
    if score and score["drifted"]:
        log.warning("drift: score PSI %.3f above %.3f", score["psi"], warn)
    for name in report["drifted_features"]:
        log.warning("drift: %s PSI %.3f above %.3f", name, report["features"][name]["psi"], warn)
    if report["status"] == "ok":
        top = max(report["features"].values(), key=lambda f: f["psi"], default={"psi": 0.0})
        log.info(
            "drift: none above PSI %.2f (largest feature PSI %.3f, score PSI %s)",
            warn,
            top["psi"],
            f"{score['psi']:.3f}" if score else "n/a",
        )
