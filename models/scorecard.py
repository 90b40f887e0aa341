"""A learned point table: binned features -> integer points, summed, for teams that need one.

The scorecard is distilled from the model. Features are binned (quantile bins for numbers, the
frequent categories for text, a bin for missing values), the most informative bins are chosen
greedily, and a ridge regression on the one-hot bins is fitted to the model's log-odds (or a
logistic regression to the label). Points are the coefficients on a log-odds scale where
``points_to_double_odds`` points double the odds, rounded to integers; a lead's score is
base_points plus one rule's points per feature. ``anchor_points`` points correspond to
``anchor_probability`` (the break-even probability of a sales contact), so "100 points -> sales"
reads like the legacy MQL threshold but means money.

The export is a flat list of rules (feature, condition, points) that a CRM rule engine or a
formula field can take; ``score_from_rules`` scores a frame from that export alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from sklearn.linear_model import LogisticRegression, Ridge

from features.errors import LeadscoreError
from pipeline.outputs import write_text

NUMERIC, CATEGORICAL = "numeric", "categorical"
FORMAT = "leadscore-scorecard/1"
ID_COLUMNS = ("lead_id", "as_of", "label")


def _text(values: pd.Series) -> pd.Series:
    """Categories as stripped strings; missing and empty strings become NA."""
    text = values.astype("string").str.strip()
    return text.where(text != "")


def _nice(x: float) -> float:
    """Round a bin edge to 3 significant digits, so the rule reads well in a CRM."""
    return float(f"{x:.3g}")


def _fmt(x: float) -> str:
    return f"{x:g}"


@dataclass(frozen=True)
class FeatureBins:
    """How one feature is binned. Numeric bins are (-inf, e0], (e0, e1], ..., (e_last, inf)."""

    feature: str
    kind: str
    edges: tuple[float, ...] = ()  # numeric
    categories: tuple[str, ...] = ()  # categorical, in bin order

    @property
    def n_bins(self) -> int:
        # bin 0 = missing; numeric: len(edges)+1 value bins; categorical: other + categories
        return 1 + (len(self.edges) + 1 if self.kind == NUMERIC else 1 + len(self.categories))

    def codes(self, values: pd.Series) -> np.ndarray:
        """The bin of every value (0 = missing)."""
        if self.kind == NUMERIC:
            x = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
            code = 1 + np.searchsorted(np.asarray(self.edges, dtype=float), x, side="left")
            return np.where(np.isnan(x), 0, code)
        text = _text(values)
        lookup = {c: i + 2 for i, c in enumerate(self.categories)}
        code = text.map(lookup).fillna(1).to_numpy(dtype=int)
        return np.where(text.isna().to_numpy(), 0, code)

    def rules(self) -> list[dict[str, Any]]:
        """One rule per bin, in bin order, without points."""
        f = self.feature
        rules: list[dict[str, Any]] = [{"condition": f"{f} is missing", "missing": True}]
        if self.kind == NUMERIC:
            bounds = [None, *self.edges, None]
            for lower, upper in zip(bounds[:-1], bounds[1:], strict=True):
                if lower is None and upper is None:
                    condition = f"{f} is any number"
                elif lower is None:
                    condition = f"{f} <= {_fmt(upper)}"
                elif upper is None:
                    condition = f"{f} > {_fmt(lower)}"
                else:
                    condition = f"{_fmt(lower)} < {f} <= {_fmt(upper)}"
                rules.append({"condition": condition, "lower": lower, "upper": upper})
        else:
            listed = ", ".join(self.categories)
            rules.append({"condition": f"{f} not in ({listed})", "other": True})
            for category in self.categories:
                rules.append({"condition": f"{f} = {category}", "values": [category]})
        return [{"feature": f, "kind": self.kind, **r} for r in rules]


def bin_feature(
    values: pd.Series, feature: str, *, n_bins: int, min_share: float, max_categories: int
) -> FeatureBins | None:
    """Quantile bins for a number, frequent categories for text; None when nothing varies."""
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        x = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
        if len(x) == 0 or np.nanmin(x) == np.nanmax(x):
            return None
        quantiles = np.quantile(x, np.linspace(0, 1, n_bins + 1)[1:-1])
        edges = sorted({_nice(q) for q in quantiles})
        edges = [e for e in edges if e < x.max()]
        if not edges:  # one value dominates the top: split just below the maximum
            edges = [float(x[x < x.max()].max())]
        return FeatureBins(feature, NUMERIC, edges=tuple(edges))
    text = _text(values).dropna()
    if text.empty:
        return None
    shares = text.value_counts(normalize=True, sort=True)
    kept = [str(c) for c, s in shares.items() if s >= min_share][:max_categories]
    if not kept or (len(kept) == 1 and len(shares) == 1):
        return None
    return FeatureBins(feature, CATEGORICAL, categories=tuple(kept))


def _one_hot(codes: np.ndarray, n_bins: int) -> np.ndarray:
    out = np.zeros((len(codes), n_bins))
    out[np.arange(len(codes)), codes] = 1.0
    return out


def select_features(
    codes: Mapping[str, np.ndarray], n_bins: Mapping[str, int], target: np.ndarray, k: int
) -> list[str]:
    """Greedy forward selection: each step adds the feature whose bins explain most residual.

    The residual is refitted (least squares on the one-hot bins chosen so far) after each step, so
    a feature that repeats one already chosen (count_x_30d after count_x_90d) gains little.
    """
    residual = target - target.mean()
    chosen: list[str] = []
    for _ in range(min(k, len(codes))):
        best, best_gain = None, 0.0
        for name, code in codes.items():
            if name in chosen:
                continue
            sums = np.bincount(code, weights=residual, minlength=n_bins[name])
            counts = np.bincount(code, minlength=n_bins[name])
            gain = float(np.sum(sums[counts > 0] ** 2 / counts[counts > 0]))
            if gain > best_gain:
                best, best_gain = name, gain
        if best is None:
            break
        chosen.append(best)
        design = np.hstack(
            [np.ones((len(target), 1))] + [_one_hot(codes[c], n_bins[c]) for c in chosen]
        )
        coef, *_ = np.linalg.lstsq(design, target, rcond=None)
        residual = target - design @ coef
    return chosen


@dataclass
class Scorecard:
    """Integer points per bin of each feature, plus base points."""

    bins: list[FeatureBins]
    points: list[np.ndarray]
    base_points: int
    points_to_double_odds: float
    anchor_points: float
    anchor_probability: float
    shares: list[np.ndarray] = field(default_factory=list)  # share of fit rows per bin

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        """Total points of every row of ``frame``."""
        total = np.full(len(frame), self.base_points, dtype=np.int64)
        for bins, points in zip(self.bins, self.points, strict=True):
            total += points[bins.codes(_column(frame, bins.feature))]
        return total

    def probability(self, points: np.ndarray) -> np.ndarray:
        """The conversion probability the points stand for."""
        return points_to_probability(
            points, self.points_to_double_odds, self.anchor_points, self.anchor_probability
        )

    def min_points_for(self, probability: float) -> int | None:
        """The fewest points whose probability reaches ``probability`` (None outside (0, 1))."""
        if not 0 < probability < 1:
            return None
        logit = math.log(probability / (1 - probability))
        anchor = math.log(self.anchor_probability / (1 - self.anchor_probability))
        raw = self.anchor_points + (logit - anchor) * self.points_to_double_odds / math.log(2)
        return int(math.ceil(raw - 1e-9))

    def rules(self) -> list[dict[str, Any]]:
        """The export: the base rule, then one rule per bin with its points."""
        rows: list[dict[str, Any]] = [
            {"feature": "(base)", "kind": "base", "condition": "always", "points": self.base_points}
        ]
        for i, (bins, points) in enumerate(zip(self.bins, self.points, strict=True)):
            for j, rule in enumerate(bins.rules()):
                rule["points"] = int(points[j])
                if self.shares:
                    rule["share"] = round(float(self.shares[i][j]), 4)
                rows.append(rule)
        return rows


def _column(frame: pd.DataFrame, feature: str) -> pd.Series:
    if feature not in frame.columns:
        raise LeadscoreError(
            f"scorecard: column '{feature}' missing from the scored frame; "
            "score a frame built by the feature code (features.build)"
        )
    return frame[feature]


def points_to_probability(
    points: np.ndarray,
    points_to_double_odds: float,
    anchor_points: float,
    anchor_probability: float,
) -> np.ndarray:
    """p = sigmoid(logit(anchor_probability) + (points - anchor_points) * ln 2 / PDO)."""
    anchor = math.log(anchor_probability / (1 - anchor_probability))
    logit = anchor + (np.asarray(points, dtype=float) - anchor_points) * math.log(2) / (
        points_to_double_odds
    )
    return 1 / (1 + np.exp(-logit))


def candidate_features(frame: pd.DataFrame) -> list[str]:
    """Every column but the keys and the label."""
    return [c for c in frame.columns if c not in ID_COLUMNS]


def fit_scorecard(
    frame: pd.DataFrame,
    *,
    p_model: np.ndarray,
    label: np.ndarray | None = None,
    fit_to: str = "model",
    n_features: int = 12,
    n_bins: int = 5,
    min_bin_share: float = 0.01,
    max_categories: int = 12,
    l2: float = 1.0,
    points_to_double_odds: float = 20.0,
    anchor_points: float = 100.0,
    anchor_probability: float = 0.02,
    seed: int = 0,
    max_rows: int = 50_000,
) -> Scorecard:
    """Fit the scorecard on a feature frame and the model's probabilities for the same rows.

    fit_to='model' regresses the model's log-odds on the bins (distillation: reproduces the
    model's ranking); fit_to='label' fits a logistic regression to ``label`` instead.
    """
    if fit_to not in ("model", "label"):
        raise LeadscoreError(
            f"params.yaml: economics.scorecard.fit_to must be model or label, not {fit_to!r}"
        )
    if not 0 < anchor_probability < 1:
        anchor_probability = min(max(anchor_probability, 1e-6), 1 - 1e-6)
    if len(frame) > max_rows:  # the bins and the fit are stable well before this size
        keep = np.sort(np.random.default_rng(seed).choice(len(frame), max_rows, replace=False))
        frame = frame.iloc[keep]
        p_model = np.asarray(p_model)[keep]
        label = None if label is None else np.asarray(label)[keep]
    p = np.clip(np.asarray(p_model, dtype=float), 1e-3, 1 - 1e-3)
    target = np.log(p / (1 - p))

    all_bins = {}
    for name in candidate_features(frame):
        bins = bin_feature(
            frame[name], name, n_bins=n_bins, min_share=min_bin_share, max_categories=max_categories
        )
        if bins is not None:
            all_bins[name] = bins
    if not all_bins:
        raise LeadscoreError("scorecard: no feature varies in the fit frame; check data/features")
    codes = {name: b.codes(frame[name]) for name, b in all_bins.items()}
    sizes = {name: b.n_bins for name, b in all_bins.items()}
    chosen = select_features(codes, sizes, target, n_features)

    design = np.hstack([_one_hot(codes[c], sizes[c]) for c in chosen])
    if fit_to == "model":
        reg = Ridge(alpha=l2).fit(design, target)
        coef, intercept = reg.coef_, float(reg.intercept_)
    else:
        if label is None:
            raise LeadscoreError("scorecard: fit_to='label' needs the label column")
        reg = LogisticRegression(C=1.0 / l2, max_iter=2000).fit(design, np.asarray(label))
        coef, intercept = reg.coef_[0], float(reg.intercept_[0])

    scale = points_to_double_odds / math.log(2)
    anchor_logit = math.log(anchor_probability / (1 - anchor_probability))
    per_feature, shares, start = [], [], 0
    for name in chosen:
        block = coef[start : start + sizes[name]].copy()
        start += sizes[name]
        counts = np.bincount(codes[name], minlength=sizes[name])
        reference = _reference_bin(all_bins[name], counts)
        block[counts == 0] = block[reference]  # unseen bins score like a typical lead
        intercept += block[reference]
        per_feature.append(np.round((block - block[reference]) * scale).astype(np.int64))
        shares.append(counts / counts.sum())
    base = int(round(anchor_points + (intercept - anchor_logit) * scale))
    return Scorecard(
        bins=[all_bins[c] for c in chosen],
        points=per_feature,
        base_points=base,
        points_to_double_odds=points_to_double_odds,
        anchor_points=anchor_points,
        anchor_probability=anchor_probability,
        shares=shares,
    )


def _reference_bin(bins: FeatureBins, counts: np.ndarray) -> int:
    """The bin that scores 0 points: the lowest values of a number (so points read as "more
    pricing-page views: +n"), the most common value of a category."""
    if bins.kind == NUMERIC and counts[1] > 0:
        return 1
    return int(np.argmax(counts))


# ---- export and scoring from the export -------------------------------------------------------


def export_document(scorecard: Scorecard, thresholds: Mapping[str, int | None]) -> dict[str, Any]:
    """The YAML document: how to add up points, what they mean, and the rules."""
    return {
        "format": FORMAT,
        "score": "base_points + for each feature the points of the one rule whose condition "
        "matches the lead (rules of a feature do not overlap; numeric bins are lower < x <= upper)",
        "base_points": scorecard.base_points,
        "points_to_double_odds": scorecard.points_to_double_odds,
        "anchor": {
            "points": scorecard.anchor_points,
            "probability": scorecard.anchor_probability,
            "meaning": "a lead with this many points converts with this probability; it is the "
            "break-even probability of a sales contact at the default conversion value",
        },
        "probability_from_points": "1 / (1 + exp(-(ln(anchor.probability / (1 - "
        "anchor.probability)) + (points - anchor.points) * ln(2) / points_to_double_odds)))",
        "thresholds": {
            **dict(thresholds),
            "rule": "sales when points >= sales_min_points; else nurture when points >= "
            "nurture_min_points (at the default conversion value; null = never)",
        },
        "rules": [r for r in scorecard.rules() if r["kind"] != "base"],
    }


def write_exports(
    scorecard: Scorecard, thresholds: Mapping[str, int | None], *, csv_path: Path, yaml_path: Path
) -> None:
    """reports/scorecard.csv (one row per rule) and reports/scorecard.yaml."""
    rows = scorecard.rules()
    table = pd.DataFrame(
        {
            "feature": [r["feature"] for r in rows],
            "kind": [r["kind"] for r in rows],
            "condition": [r["condition"] for r in rows],
            "lower_exclusive": [r.get("lower") for r in rows],
            "upper_inclusive": [r.get("upper") for r in rows],
            "values": [";".join(r.get("values", [])) for r in rows],
            "missing": [bool(r.get("missing", False)) for r in rows],
            "other": [bool(r.get("other", False)) for r in rows],
            "points": [r["points"] for r in rows],
            "share_of_leads": [r.get("share") for r in rows],
        }
    )
    write_text(csv_path, table.to_csv(index=False))
    document = export_document(scorecard, thresholds)
    write_text(yaml_path, yaml.safe_dump(document, sort_keys=False, allow_unicode=True))


def read_rules(yaml_path: str | Path) -> dict[str, Any]:
    """The exported scorecard document."""
    document = yaml.safe_load(Path(yaml_path).read_text(encoding="utf-8"))
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise LeadscoreError(
            f"{yaml_path}: not a {FORMAT} document; export it with leadscore economics"
        )
    return document


def _matches(rule: Mapping[str, Any], values: pd.Series) -> np.ndarray:
    if rule["kind"] == NUMERIC:
        x = pd.to_numeric(values, errors="coerce").astype("float64")
        if rule.get("missing"):
            return x.isna().to_numpy()
        ok = x.notna()
        if rule.get("lower") is not None:
            ok &= x > rule["lower"]
        if rule.get("upper") is not None:
            ok &= x <= rule["upper"]
        return ok.to_numpy(dtype=bool)
    text = _text(values)
    if rule.get("missing"):
        return text.isna().to_numpy()
    if rule.get("other"):
        return None  # decided after the listed values
    return text.isin(rule["values"]).fillna(False).to_numpy(dtype=bool)


def score_from_rules(document: Mapping[str, Any], frame: pd.DataFrame) -> np.ndarray:
    """Total points of every row of ``frame`` computed from the exported document alone."""
    total = np.full(len(frame), int(document["base_points"]), dtype=np.int64)
    by_feature: dict[str, list[Mapping[str, Any]]] = {}
    for rule in document["rules"]:
        by_feature.setdefault(rule["feature"], []).append(rule)
    for feature, rules in by_feature.items():
        values = _column(frame, feature)
        matched = np.zeros(len(frame), dtype=bool)
        other_rule = None
        for rule in rules:
            hit = _matches(rule, values)
            if hit is None:
                other_rule = rule
                continue
            hit = hit & ~matched
            total += np.where(hit, int(rule["points"]), 0)
            matched |= hit
        if other_rule is not None:
            total += np.where(~matched, int(other_rule["points"]), 0)
    return total
