"""Leakage detection before training: columns that were written after (or because of) the outcome.

A lead-scoring model must see a lead as it was when it was scored. Columns that a sales rep
filled in during or after the sales conversation, or that exist only for won deals, make a model
look brilliant in a notebook and useless in production. Five checks, on training rows only:

- single_column_auc: the column alone ranks the outcome almost perfectly (out-of-fold ROC AUC
  of its own conversion rates above ``max_single_auc``);
- settling_values: recorded values that occur often and (nearly) always with one outcome
  ("Closed by Horizzon", "Worst") cover at least ``min_settled_share`` of the rows:
  dispositions written by whoever knew the outcome. A value settles something only when it
  also moves the conversion rate far from the base rate (with 7 % converting, a value nobody
  converts from says little);
- one_class_fill: the column is filled in (almost) only for one outcome class, as deal
  attributes that exist only for won deals (with conversion times, the classes are "converted
  at any time" and "never converted", so a deal won after the label horizon counts as won);
- after_outcome: a timestamp falls at or after the conversion for most converted leads;
- filled_together: the column is empty on exactly the same rows as a flagged column, so the
  same step wrote both (a score and its index, a block of fields on one form).

Flagged columns are excluded unless listed in ``leakage.keep``; ``leakage.exclude`` removes
columns without evidence. The report (reports/exports/<name>/leakage.json) lists every flag
with its evidence and, for every column, the figures the checks used.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features.sources import LeakageSettings
from models.binning import bin_labels, quantile_edges
from models.frames import MISSING, as_text, is_categorical
from models.metrics import roc_auc

log = logging.getLogger(__name__)

SINGLE_COLUMN_AUC = "single_column_auc"
SETTLING_VALUES = "settling_values"
ONE_CLASS_FILL = "one_class_fill"
AFTER_OUTCOME = "after_outcome"
FILLED_TOGETHER = "filled_together"

FOLDS = 5
SMOOTHING = 1.0  # pseudo-rows at the prior rate when estimating a level's conversion rate
NUMERIC_LEVELS = 20  # numbers with more distinct values are binned into this many quantiles
# a missingness pattern identifies a writing step only when it is neither rare nor universal
MIN_PATTERN_SHARE, MAX_PATTERN_SHARE, SAME_PATTERN = 0.05, 0.95, 0.99


@dataclass
class LeakageReport:
    flagged: dict[str, dict] = field(default_factory=dict)  # export column -> checks, evidence
    excluded: list[str] = field(default_factory=list)  # export columns removed
    excluded_features: list[str] = field(default_factory=list)
    columns: list[dict] = field(default_factory=list)  # figures for every column
    settings: dict = field(default_factory=dict)
    rows: int = 0
    positives: int = 0

    def as_dict(self) -> dict:
        return {
            "rows_checked": self.rows,
            "positives": self.positives,
            "settings": self.settings,
            "flagged": [{"column": c, **f} for c, f in self.flagged.items()],
            "excluded_columns": self.excluded,
            "excluded_features": self.excluded_features,
            "columns": self.columns,
        }


def levels_of(values: pd.Series) -> pd.Series:
    """A column as discrete levels: categories as text, numbers by value (few distinct values)
    or by quantile bin; missing is a level of its own."""
    if is_categorical(values):
        return as_text(values)
    numbers = values.astype("float64")
    if numbers.nunique() <= NUMERIC_LEVELS:
        return as_text(numbers.map(lambda v: f"{v:g}", na_action="ignore"))
    return bin_labels(numbers, quantile_edges(numbers, NUMERIC_LEVELS))


def out_of_fold_rates(levels: pd.Series, y: np.ndarray, *, seed: int) -> np.ndarray:
    """Each row's level conversion rate estimated without the row's own fold (smoothed)."""
    y = np.asarray(y, dtype=float)
    codes, uniques = pd.factorize(levels.to_numpy())
    fold = np.random.default_rng(seed).permutation(len(y)) % FOLDS
    rates = np.empty(len(y))
    for k in range(FOLDS):
        train = fold != k
        prior = y[train].mean()
        sums = np.bincount(codes[train], weights=y[train], minlength=len(uniques))
        counts = np.bincount(codes[train], minlength=len(uniques))
        rate = (sums + SMOOTHING * prior) / (counts + SMOOTHING)  # unseen level: the prior
        rates[~train] = rate[codes[~train]]
    return rates


def single_column_auc(values: pd.Series, y: np.ndarray, *, seed: int) -> float:
    """Out-of-fold ROC AUC of the column alone (an id column scores 0.5, not 1)."""
    return roc_auc(y, out_of_fold_rates(levels_of(values), y, seed=seed))


def settling_values(values: pd.Series, y: np.ndarray, settings: LeakageSettings) -> dict:
    """The frequent values after which the outcome is (nearly) certain, and their row share.

    Only recorded values count (categories, numbers with few distinct values): the extreme
    quantile bin of a strong continuous predictor is pure by construction, not a disposition.
    """
    if not is_categorical(values) and values.nunique() > NUMERIC_LEVELS:
        return {"share_of_rows": 0.0, "values": {}}
    codes, uniques = pd.factorize(levels_of(values).to_numpy())
    rows = np.bincount(codes, minlength=len(uniques))
    rate = np.bincount(codes, weights=np.asarray(y, dtype=float), minlength=len(uniques)) / rows
    table = pd.DataFrame({"rows": rows, "rate": rate}, index=pd.Index(uniques, name="level"))
    table = table[(table.index != MISSING) & (table["rows"] >= settings.min_value_rows)]
    certain = (table["rate"] >= settings.value_purity) | (
        table["rate"] <= 1 - settings.value_purity
    )
    shifted = (table["rate"] - np.mean(y)).abs() >= settings.min_rate_shift
    pure = table[certain & shifted].sort_values("rows", ascending=False)
    return {
        "share_of_rows": float(pure["rows"].sum() / len(values)),
        "values": {
            str(level): {"rows": int(row.rows), "conversion_rate": round(float(row.rate), 3)}
            for level, row in pure.head(8).iterrows()
        },
    }


def fill_rates(values: pd.Series, y: np.ndarray) -> tuple[float, float]:
    """Share of converted and of not converted rows where the column is filled in."""
    filled = values.notna().to_numpy()
    y = np.asarray(y, dtype=bool)
    return float(filled[y].mean()), float(filled[~y].mean())


def after_outcome_share(stamps: pd.Series, outcome_at: pd.Series) -> tuple[float, int]:
    """Share of converted rows (with both times) whose timestamp is at or after the outcome."""
    both = stamps.notna() & outcome_at.notna()
    if not both.any():
        return 0.0, 0
    return float((stamps[both] >= outcome_at[both]).mean()), int(both.sum())


def _one_class(rate_pos: float, rate_neg: float, settings: LeakageSettings) -> bool:
    high, low = max(rate_pos, rate_neg), min(rate_pos, rate_neg)
    return high >= settings.min_fill_rate and low <= settings.max_fill_ratio * high


def detect_leakage(
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    feature_columns: dict[str, str],
    settings: LeakageSettings,
    timestamps: pd.DataFrame | None = None,
    outcome_at: pd.Series | None = None,
    seed: int = 0,
) -> LeakageReport:
    """Run the checks on training rows and decide what to exclude (see the module docstring).

    ``feature_columns`` maps each feature of ``X`` to the export column it comes from; flags and
    the explicit lists are by export column.
    """
    y = np.asarray(y, dtype=int)
    ever = y.astype(bool)
    if outcome_at is not None and outcome_at.notna().any():
        ever = ever | outcome_at.notna().to_numpy()
    report = LeakageReport(rows=len(y), positives=int(y.sum()), settings=vars(settings).copy())
    report.settings["exclude"] = list(settings.exclude)
    report.settings["keep"] = list(settings.keep)
    by_column: dict[str, list[str]] = {}
    for feature in X.columns:
        by_column.setdefault(feature_columns.get(feature, feature), []).append(feature)

    for column, features in by_column.items():
        values = X[features[0]]
        auc = single_column_auc(values, y, seed=seed)
        settled = settling_values(values, y, settings)
        rate_pos, rate_neg = fill_rates(values, ever)
        report.columns.append(
            {
                "column": column,
                "features": features,
                "single_column_auc": round(auc, 4),
                "settled_share": round(settled["share_of_rows"], 4),
                "fill_rate_converted": round(rate_pos, 4),
                "fill_rate_not_converted": round(rate_neg, 4),
            }
        )
        if auc > settings.max_single_auc:
            _flag(
                report,
                column,
                SINGLE_COLUMN_AUC,
                {"single_column_auc": round(auc, 4), "threshold": settings.max_single_auc},
            )
        if settled["share_of_rows"] >= settings.min_settled_share:
            _flag(
                report, column, SETTLING_VALUES, settled | {"threshold": settings.min_settled_share}
            )
        if _one_class(rate_pos, rate_neg, settings):
            _flag(
                report,
                column,
                ONE_CLASS_FILL,
                {
                    "fill_rate_converted": round(rate_pos, 4),
                    "fill_rate_not_converted": round(rate_neg, 4),
                },
            )
    _check_timestamps(report, timestamps, outcome_at, settings)
    _check_filled_together(report, X, by_column)
    report.columns.sort(key=lambda c: -c["single_column_auc"])

    for column, finding in report.flagged.items():
        if column in settings.exclude:
            finding["action"] = "excluded: listed in leakage.exclude"
        elif column in settings.keep:
            finding["action"] = "kept: listed in leakage.keep"
        elif not settings.detect:
            finding["action"] = "kept: leakage.detect is off"
        else:
            finding["action"] = "excluded"
    detected = [c for c, f in report.flagged.items() if f["action"] == "excluded"]
    report.excluded = list(dict.fromkeys([*detected, *settings.exclude]))
    report.excluded_features = [f for c in report.excluded for f in by_column.get(c, [])]
    for column in report.excluded:
        checks = report.flagged.get(column, {}).get("checks", [])
        reason = ", ".join(checks)
        if column in settings.exclude:
            reason = "leakage.exclude" + (f"; also flagged: {reason}" if reason else "")
        log.warning("leakage: excluding '%s' (%s)", column, reason)
    for column, finding in report.flagged.items():
        if finding["action"].startswith("kept"):
            log.warning(
                "leakage: '%s' flagged (%s) but %s",
                column,
                ", ".join(finding["checks"]),
                finding["action"],
            )
    return report


def _flag(report: LeakageReport, column: str, check: str, evidence: dict) -> None:
    finding = report.flagged.setdefault(column, {"checks": [], "evidence": {}})
    finding["checks"].append(check)
    finding["evidence"][check] = evidence


def _check_timestamps(report, timestamps, outcome_at, settings: LeakageSettings) -> None:
    if timestamps is None or outcome_at is None:
        return
    for column in timestamps.columns:
        share, rows = after_outcome_share(timestamps[column], outcome_at)
        if rows and share >= settings.min_after_outcome_share:
            _flag(
                report,
                column,
                AFTER_OUTCOME,
                {"share_at_or_after_outcome": round(share, 4), "converted_rows_compared": rows},
            )


def _check_filled_together(report: LeakageReport, X: pd.DataFrame, by_column: dict) -> None:
    """Columns empty on the same rows as a flagged column were written in the same step."""
    masks = {c: X[f[0]].isna().to_numpy() for c, f in by_column.items()}
    patterned = {
        c: m for c, m in masks.items() if MIN_PATTERN_SHARE <= m.mean() <= MAX_PATTERN_SHARE
    }
    for flagged in [c for c in report.flagged if c in patterned]:
        for column, mask in patterned.items():
            if column == flagged or column in report.flagged:
                continue
            agreement = float((mask == patterned[flagged]).mean())
            if agreement >= SAME_PATTERN:
                _flag(
                    report,
                    column,
                    FILLED_TOGETHER,
                    {
                        "with": flagged,
                        "same_missingness": round(agreement, 4),
                        "missing_share": round(float(mask.mean()), 4),
                    },
                )
