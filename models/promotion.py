"""The champion/challenger gate as a pure function: a decision and the reasons for it.

A new model becomes champion only when all of these hold on the same test window:
- the training window has at least `min_train_conversions` converted leads (enough data);
- its bootstrap ROC AUC interval does not overlap the point table's (a signal beyond the table);
- it beats the point table on the primary metric by more than the margin;
- it beats the current champion (if there is one it could score) by more than the margin.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from models.metrics import HIGHER_IS_BETTER


@dataclass(frozen=True)
class Decision:
    promote: bool
    enough_data: bool
    signal: bool
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def improvement(challenger: float, reference: float, metric: str) -> float:
    """How much better the challenger is (positive = better), whatever the metric's direction."""
    if metric not in HIGHER_IS_BETTER:
        raise ValueError(
            f"unknown primary metric {metric!r}; use one of {sorted(HIGHER_IS_BETTER)}"
        )
    difference = challenger - reference
    return difference if HIGHER_IS_BETTER[metric] else -difference


def intervals_overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return not (a[0] > b[1] or b[0] > a[1])


def _interval(metrics: dict) -> tuple[float, float]:
    return metrics["roc_auc_ci_low"], metrics["roc_auc_ci_high"]


def decide(
    *,
    primary_metric: str,
    margin: float,
    challenger: dict,
    point_table: dict,
    champion: dict | None,
    train_conversions: int,
    min_train_conversions: int,
) -> Decision:
    """Whether the challenger becomes champion; ``champion`` is None when there is none to beat.

    ``challenger`` and ``point_table`` (and ``champion``) are test-window metric dicts holding the
    primary metric; the first two also hold roc_auc_ci_low / roc_auc_ci_high.
    """
    reasons: list[str] = []
    enough_data = train_conversions >= min_train_conversions
    if not enough_data:
        reasons.append(
            f"too little data: {train_conversions} converted leads in the training window, "
            f"fewer than train.min_train_conversions = {min_train_conversions}; not promoted"
        )
    signal = not intervals_overlap(_interval(challenger), _interval(point_table))
    if not signal:
        low, high = _interval(challenger)
        pt_low, pt_high = _interval(point_table)
        reasons.append(
            f"no signal beyond the point table: the model's 95 % ROC AUC interval "
            f"[{low:.3f}, {high:.3f}] overlaps the point table's [{pt_low:.3f}, {pt_high:.3f}]; "
            "not promoted"
        )
    value = challenger[primary_metric]
    versus_table = improvement(value, point_table[primary_metric], primary_metric)
    beats_table = versus_table > margin
    reasons.append(
        f"{primary_metric} {value:.4f} vs point table {point_table[primary_metric]:.4f}: "
        f"{'better' if beats_table else 'not better'} by more than the margin {margin}"
        f" (difference {versus_table:+.4f})"
    )
    beats_champion = True
    if champion is None:
        reasons.append("no champion to beat: the first model that passes the gate is promoted")
    else:
        versus_champion = improvement(value, champion[primary_metric], primary_metric)
        beats_champion = versus_champion > margin
        reasons.append(
            f"{primary_metric} {value:.4f} vs champion {champion[primary_metric]:.4f} on the "
            f"same test window: {'better' if beats_champion else 'not better'} by more than the "
            f"margin {margin} (difference {versus_champion:+.4f})"
        )
    promote = enough_data and signal and beats_table and beats_champion
    if promote:
        reasons.append("promoted to champion")
    else:
        stays = "the champion stays" if champion is not None else "there is still no champion"
        reasons.append(f"not promoted: {stays}")
    return Decision(promote=promote, enough_data=enough_data, signal=signal, reasons=reasons)
