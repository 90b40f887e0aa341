"""Baseline and control arm: the legacy, hand-tuned Marketo-style point table.

The rules live in params.yaml (`point_table`) in a small declarative format, never evaluated as
code. Each rule names one feature, one condition and the points it adds:

    - {feature: seniority, in: [vp, director, c_level], points: 15}
    - {feature: industry_is_target, equals: 1, points: 10}
    - {feature: count_pricing_page_view_all, per: 1, points: 5, max: 25}   # 5 per visit, <= 25
    - {feature: count_unsubscribe_all, above: 0, points: -10}

Conditions: `in` (a list of values), `equals`, `above` (>), `below` (<), `per` (points for every
`per` units, optionally capped at `max` in absolute value). A missing value matches nothing. A lead
is an MQL when its points reach `mql_threshold`. The table learns nothing; `fit` only checks the
rules against the features and learns an increasing map from points to a conversion rate so that it
can be evaluated like any other model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from features.errors import LeadscoreError

CONDITIONS = ("in", "equals", "above", "below", "per")
WHERE = "params.yaml point_table.rules"


@dataclass(frozen=True)
class Rule:
    feature: str
    condition: str
    value: Any
    points: float
    cap: float | None = None  # only for `per`

    def points_for(self, column: pd.Series) -> np.ndarray:
        """Points this rule gives each row (0 where it does not apply or the value is missing)."""
        if self.condition == "per":
            units = np.floor(column.to_numpy(dtype=float, na_value=np.nan) / self.value)
            points = np.nan_to_num(units, nan=0.0).clip(min=0) * self.points
            if self.cap is not None:
                points = points.clip(-self.cap, self.cap)
            return points
        return np.where(self.matches(column), self.points, 0.0)

    def matches(self, column: pd.Series) -> np.ndarray:
        if self.condition in ("above", "below"):
            numbers = column.to_numpy(dtype=float, na_value=np.nan)
            with np.errstate(invalid="ignore"):
                hit = numbers > self.value if self.condition == "above" else numbers < self.value
            return hit & ~np.isnan(numbers)
        values = self.value if self.condition == "in" else [self.value]
        if pd.api.types.is_numeric_dtype(column.dtype):
            return column.isin([float(v) for v in values]).to_numpy()
        return column.astype(object).isin([str(v) for v in values]).to_numpy()


def _describe(rule: Any) -> str:
    if isinstance(rule, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in rule.items()) + "}"
    return repr(rule)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parse_rule(index: int, rule: Any) -> Rule:
    """One rule from params.yaml; a malformed rule is a user error that names it."""
    where = f"{WHERE}[{index}] {_describe(rule)}"
    if not isinstance(rule, dict):
        raise LeadscoreError(
            f"{where}: a rule is a mapping like {{feature: x, above: 0, points: 5}}"
        )
    unknown = sorted(set(rule) - {"feature", "points", "max", *CONDITIONS})
    if unknown:
        raise LeadscoreError(f"{where}: unknown keys {unknown}; use feature, points, {CONDITIONS}")
    if not isinstance(rule.get("feature"), str):
        raise LeadscoreError(f"{where}: 'feature' must name a feature column")
    if not _number(rule.get("points")):
        raise LeadscoreError(f"{where}: 'points' must be a number")
    conditions = [c for c in CONDITIONS if c in rule]
    if len(conditions) != 1:
        raise LeadscoreError(f"{where}: give exactly one of {', '.join(CONDITIONS)}")
    condition, value = conditions[0], rule[conditions[0]]
    if condition == "in" and not (isinstance(value, list) and value):
        raise LeadscoreError(f"{where}: 'in' takes a non-empty list of values")
    if condition in ("above", "below") and not _number(value):
        raise LeadscoreError(f"{where}: '{condition}' takes a number")
    if condition == "per" and not (_number(value) and value > 0):
        raise LeadscoreError(f"{where}: 'per' takes a positive number of units")
    if "max" in rule and (condition != "per" or not _number(rule["max"]) or rule["max"] < 0):
        raise LeadscoreError(f"{where}: 'max' caps a 'per' rule and must be a number >= 0")
    return Rule(rule["feature"], condition, value, float(rule["points"]), rule.get("max"))


def parse_rules(rules: Any) -> list[Rule]:
    if not isinstance(rules, list) or not rules:
        raise LeadscoreError(f"{WHERE}: expected a non-empty list of rules")
    return [parse_rule(i, rule) for i, rule in enumerate(rules)]


class PointTable(BaseEstimator, ClassifierMixin):
    """The hand-set table as an estimator: predict_points, predict_mql, predict_proba."""

    def __init__(self, rules: list | None = None, mql_threshold: float = 100):
        self.rules = rules
        self.mql_threshold = mql_threshold

    def _parsed(self, X: pd.DataFrame) -> list[Rule]:
        parsed = parse_rules(self.rules)
        for index, rule in enumerate(parsed):
            if rule.feature not in X.columns:
                raise LeadscoreError(
                    f"{WHERE}[{index}] {_describe(self.rules[index])}: feature '{rule.feature}' "
                    "is not in the feature set; see reports/features.md for the feature names"
                )
        return parsed

    def predict_points(self, X: pd.DataFrame) -> np.ndarray:
        """The sum of every rule's points for each lead."""
        total = np.zeros(len(X))
        for rule in self._parsed(X):
            total += rule.points_for(X[rule.feature])
        return total

    def predict_mql(self, X: pd.DataFrame) -> np.ndarray:
        """1 when a lead's points reach the MQL threshold, else 0."""
        return (self.predict_points(X) >= self.mql_threshold).astype(int)

    def fit(self, X: pd.DataFrame, y) -> PointTable:
        """Check the rules and learn a logistic map from points to a conversion rate.

        The map is strictly increasing, so the probabilities rank leads exactly as the points do.
        """
        y = np.asarray(y, dtype=int)
        mapping = LogisticRegression(C=1e6).fit(self.predict_points(X).reshape(-1, 1), y)
        self.slope_ = float(mapping.coef_[0, 0])
        self.intercept_ = float(mapping.intercept_[0])
        if self.slope_ < 0:  # more points, fewer conversions: do not let the map reverse the table
            rate = np.clip(y.mean(), 1e-6, 1 - 1e-6)
            self.slope_, self.intercept_ = 0.0, float(np.log(rate / (1 - rate)))
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = expit(self.intercept_ + self.slope_ * self.predict_points(X))
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.predict_mql(X)
