"""Scoring metrics for P(convert): ranking, probability quality, lift and bootstrap intervals.

Every function takes the labels ``y`` (0/1) and the scores ``p`` as array-likes; scores need not be
probabilities for the ranking metrics (ROC AUC, PR AUC, lift, capture).
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

TOP_SHARES = (0.05, 0.10, 0.20)
ECE_BINS = 10
# log loss clips probabilities so that one confident mistake costs a finite amount
LOG_LOSS_EPS = 1e-6


def _arrays(y, p) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(y, dtype=float), np.asarray(p, dtype=float)


def roc_auc(y, p) -> float:
    """Area under the ROC curve (ties count one half)."""
    y, p = _arrays(y, p)
    return float(roc_auc_score(y, p))


def pr_auc(y, p) -> float:
    """Area under the precision-recall curve as average precision (step-wise, no interpolation)."""
    y, p = _arrays(y, p)
    return float(average_precision_score(y, p))


def log_loss(y, p) -> float:
    """Mean negative log-likelihood of the labels."""
    y, p = _arrays(y, p)
    p = np.clip(p, LOG_LOSS_EPS, 1 - LOG_LOSS_EPS)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def brier(y, p) -> float:
    """Mean squared error of the probabilities."""
    y, p = _arrays(y, p)
    return float(np.mean((p - y) ** 2))


def calibration_bins(y, p, n_bins: int = ECE_BINS) -> list[dict]:
    """Equal-width probability bins: count, mean predicted probability, observed conversion rate."""
    y, p = _arrays(y, p)
    # bin i holds [i/n, (i+1)/n); p == 1 goes to the last bin
    index = np.minimum((p * n_bins).astype(int), n_bins - 1)
    bins = []
    for i in range(n_bins):
        inside = index == i
        count = int(inside.sum())
        bins.append(
            {
                "bin": i,
                "lower": i / n_bins,
                "upper": (i + 1) / n_bins,
                "n": count,
                "mean_predicted": float(p[inside].mean()) if count else float("nan"),
                "observed_rate": float(y[inside].mean()) if count else float("nan"),
            }
        )
    return bins


def ece(y, p, n_bins: int = ECE_BINS) -> float:
    """Expected calibration error: bin-size-weighted mean |predicted - observed| over equal bins."""
    n = len(np.asarray(y))
    return float(
        sum(
            b["n"] / n * abs(b["mean_predicted"] - b["observed_rate"])
            for b in calibration_bins(y, p, n_bins)
            if b["n"]
        )
    )


def positives_in_top(y, p, share: float) -> float:
    """Expected number of conversions among the top ``share`` of leads by score.

    Leads tied with the last one admitted are taken in random order, so a tie contributes its
    mean conversion rate; a point table with many equal scores is not flattered by row order.
    """
    y, p = _arrays(y, p)
    n_top = max(1, int(round(share * len(y))))
    cutoff = np.sort(p)[::-1][n_top - 1]
    above = p > cutoff
    tied = p == cutoff
    return float(y[above].sum() + (n_top - above.sum()) * y[tied].mean())


def capture_at(y, p, share: float) -> float:
    """Share of all conversions found in the top ``share`` of leads."""
    y = np.asarray(y, dtype=float)
    return positives_in_top(y, p, share) / y.sum()


def lift_at(y, p, share: float) -> float:
    """Conversion rate in the top ``share`` of leads divided by the overall conversion rate."""
    y = np.asarray(y, dtype=float)
    n_top = max(1, int(round(share * len(y))))
    return (positives_in_top(y, p, share) / n_top) / y.mean()


def weighted_auc(y, p, weights) -> float:
    """ROC AUC with row weights (a bootstrap draw is a weighting by draw counts), ties as half."""
    y, p = _arrays(y, p)
    _, block = np.unique(p, return_inverse=True)
    return _blocked_auc(block, y, np.asarray(weights, dtype=float))


def _blocked_auc(block: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    # block = rank of each row's distinct score; summing weights per block replaces a sort
    n_blocks = block.max() + 1
    pos = np.bincount(block, weights=w * y, minlength=n_blocks)
    neg = np.bincount(block, weights=w * (1 - y), minlength=n_blocks)
    total = pos.sum() * neg.sum()
    if not total:
        return float("nan")
    neg_below = np.cumsum(neg) - neg
    return float((pos * (neg_below + 0.5 * neg)).sum() / total)


def bootstrap_auc_interval(
    y, p, *, samples: int, seed: int, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval for ROC AUC; one seed draws the same rows for every model."""
    y, p = _arrays(y, p)
    _, block = np.unique(p, return_inverse=True)
    rng = np.random.default_rng(seed)
    n = len(y)
    aucs = np.array(
        [
            _blocked_auc(block, y, np.bincount(rng.integers(0, n, n), minlength=n).astype(float))
            for _ in range(samples)
        ]
    )
    aucs = aucs[~np.isnan(aucs)]
    tail = (1 - level) / 2 * 100
    return float(np.percentile(aucs, tail)), float(np.percentile(aucs, 100 - tail))


def _pct(share: float) -> str:
    return f"{round(share * 100)}pct"


def score_metrics(y, p, *, bootstrap_samples: int, seed: int) -> dict[str, float]:
    """All test-window figures for one model; the AUC interval only with bootstrap samples > 0."""
    y, p = _arrays(y, p)
    figures = {
        "n": int(len(y)),
        "positives": int(y.sum()),
        "base_rate": float(y.mean()),
        "roc_auc": roc_auc(y, p),
        "pr_auc": pr_auc(y, p),
        "log_loss": log_loss(y, p),
        "brier": brier(y, p),
        "ece": ece(y, p),
        "mean_predicted": float(p.mean()),
    }
    for share in TOP_SHARES:
        figures[f"lift_at_{_pct(share)}"] = lift_at(y, p, share)
        figures[f"capture_at_{_pct(share)}"] = capture_at(y, p, share)
    if bootstrap_samples:
        low, high = bootstrap_auc_interval(y, p, samples=bootstrap_samples, seed=seed)
        figures |= {"roc_auc_ci_low": low, "roc_auc_ci_high": high}
    return figures


HIGHER_IS_BETTER = {
    "roc_auc": True,
    "pr_auc": True,
    "lift_at_5pct": True,
    "lift_at_10pct": True,
    "lift_at_20pct": True,
    "capture_at_5pct": True,
    "capture_at_10pct": True,
    "capture_at_20pct": True,
    "log_loss": False,
    "brier": False,
    "ece": False,
}
