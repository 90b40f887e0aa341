"""No signal, no promotion: a model must beat the base rate and every baseline beyond doubt.

The uncertainty is the bootstrap over evaluation rows, paired: every resample scores the model
and the reference on the same rows, so the interval of the ROC AUC difference reflects how much
the comparison itself could move (two overlapping marginal intervals can still hide a clear
paired difference, and vice versa). The base rate is the constant predictor, ROC AUC 0.5.
A model whose 95 % interval of the difference reaches zero has no demonstrated signal over that
reference, and the run says so instead of promoting it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from models.metrics import roc_auc, weighted_auc

BASE_RATE = "base_rate"


@dataclass(frozen=True)
class SignalCheck:
    signal: bool
    comparisons: dict[str, dict] = field(default_factory=dict)  # reference -> figures
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def paired_auc_difference(
    y, p_model, p_reference, *, samples: int, seed: int
) -> tuple[float, float, float]:
    """(ROC AUC model - reference, 2.5 %, 97.5 % bootstrap percentiles), same resamples for both.

    ``p_reference`` None stands for the constant predictor (ROC AUC 0.5 in every resample).
    """
    y = np.asarray(y, dtype=float)
    rng = np.random.default_rng(seed)
    n = len(y)
    differences = []
    for _ in range(samples):
        weights = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
        model = weighted_auc(y, p_model, weights)
        reference = 0.5 if p_reference is None else weighted_auc(y, p_reference, weights)
        differences.append(model - reference)
    differences = np.asarray(differences)
    differences = differences[~np.isnan(differences)]
    point = roc_auc(y, p_model) - (0.5 if p_reference is None else roc_auc(y, p_reference))
    low, high = np.percentile(differences, [2.5, 97.5])
    return float(point), float(low), float(high)


def check_signal(
    y, p_model, references: dict[str, np.ndarray], *, samples: int, seed: int
) -> SignalCheck:
    """Whether the model beats the base rate and each reference (name -> P(convert))."""
    comparisons, reasons = {}, []
    for name, p in {BASE_RATE: None, **references}.items():
        point, low, high = paired_auc_difference(y, p_model, p, samples=samples, seed=seed)
        beats = low > 0
        comparisons[name] = {
            "roc_auc_difference": round(point, 4),
            "ci_low": round(low, 4),
            "ci_high": round(high, 4),
            "beats": beats,
        }
        what = "the base rate (ROC AUC 0.5)" if p is None else name
        verdict = "beats" if beats else "does not beat"
        reasons.append(
            f"model {verdict} {what}: ROC AUC difference {point:+.4f}, 95 % paired bootstrap "
            f"interval [{low:+.4f}, {high:+.4f}]"
            + ("" if beats else " reaches zero: no signal beyond it")
        )
    signal = all(c["beats"] for c in comparisons.values())
    return SignalCheck(signal=signal, comparisons=comparisons, reasons=reasons)
