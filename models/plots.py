"""DVC plot data for the test window: ROC, precision-recall, reliability, gains, score histogram.

One small CSV per model and chart under reports/plots/models/<chart>/<model>.csv (each row also
names its model, so the files concatenate to long format); dvc.yaml's top-level `plots:` draws
the files of one chart together. Curves are resampled on a fixed grid of at most
CURVE_POINTS points so the files stay small whatever the test size.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_curve, roc_curve

from models.metrics import calibration_bins, capture_at
from pipeline.outputs import write_text

CURVE_POINTS = 201
HISTOGRAM_BINS = 20
CHARTS = ("roc", "precision_recall", "reliability", "gains", "score_distribution")


def roc_points(y, p) -> pd.DataFrame:
    """True-positive rate on a grid of false-positive rates."""
    fpr, tpr, _ = roc_curve(y, p)
    grid = np.linspace(0, 1, CURVE_POINTS)
    return pd.DataFrame({"fpr": grid, "tpr": np.interp(grid, fpr, tpr)})


def precision_recall_points(y, p) -> pd.DataFrame:
    """Precision on a grid of recall levels (the best precision reached at that recall or more)."""
    precision, recall, _ = precision_recall_curve(y, p)
    order = np.argsort(recall, kind="stable")
    recall, precision = recall[order], precision[order]
    # interpolated precision: the maximum precision at any recall >= r, as in PR analysis
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    grid = np.linspace(0, 1, CURVE_POINTS)
    index = np.minimum(np.searchsorted(recall, grid, side="left"), len(recall) - 1)
    return pd.DataFrame({"recall": grid, "precision": envelope[index]})


def reliability_points(y, p) -> pd.DataFrame:
    """Mean predicted probability against observed conversion rate per non-empty 10 % bin."""
    bins = pd.DataFrame(calibration_bins(y, p))
    return bins.loc[bins["n"] > 0, ["mean_predicted", "observed_rate", "n"]]


def gains_points(y, p, steps: int = 100) -> pd.DataFrame:
    """Share of conversions captured when contacting the top share of leads by score."""
    shares = np.linspace(0, 1, steps + 1)
    captured = [0.0] + [capture_at(y, p, s) for s in shares[1:]]
    return pd.DataFrame({"share_of_leads": shares, "share_of_conversions": captured})


def score_histogram(y, p, outcome: int) -> pd.DataFrame:
    """Share of leads with one outcome in each equal-width probability bin."""
    y, p = np.asarray(y), np.asarray(p, dtype=float)
    counts, edges = np.histogram(p[y == outcome], bins=HISTOGRAM_BINS, range=(0, 1))
    return pd.DataFrame(
        {"probability": (edges[:-1] + edges[1:]) / 2, "share": counts / max(counts.sum(), 1)}
    )


def _write(directory: Path, chart: str, name: str, table: pd.DataFrame) -> None:
    table = table.assign(model=name)
    write_text(directory / chart / f"{name}.csv", table.to_csv(index=False, float_format="%.6g"))


def write_plots(directory: str | Path, y, scores: dict[str, np.ndarray], chosen: str) -> None:
    """All chart files for the models in ``scores`` (name -> P(convert)); ``chosen`` gets a
    score histogram per outcome. Files of models no longer present are removed."""
    directory = Path(directory)
    for chart in CHARTS:
        for old in (directory / chart).glob("*.csv"):
            old.unlink()
    y = np.asarray(y)
    for name, p in scores.items():
        _write(directory, "roc", name, roc_points(y, p))
        _write(directory, "precision_recall", name, precision_recall_points(y, p))
        _write(directory, "reliability", name, reliability_points(y, p))
        _write(directory, "gains", name, gains_points(y, p))
    diagonal = pd.DataFrame({"mean_predicted": [0.0, 1.0], "observed_rate": [0.0, 1.0], "n": 0})
    _write(directory, "reliability", "perfect", diagonal)
    random_gains = pd.DataFrame({"share_of_leads": [0.0, 1.0], "share_of_conversions": [0.0, 1.0]})
    _write(directory, "gains", "random", random_gains)
    for outcome, label in ((1, "converted"), (0, "not_converted")):
        _write(directory, "score_distribution", label, score_histogram(y, scores[chosen], outcome))
