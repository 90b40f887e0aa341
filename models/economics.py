"""Thresholds from money: the decision rule on calibrated probabilities, and what it earns.

A sales contact costing c is worth making when its expected profit p*V - c is positive (Elkan's
cost-sensitive threshold), V being the value of a conversion. A limited sales team takes the
leads with the highest expected profit first, ``capacity`` per batch (one batch = one as-of
snapshot date, i.e. one week with the default weekly calendar). A lead not routed to sales is
nurtured when the nurture touch pays for itself: p*uplift*V - nurture_cost > 0. Tiers follow
from the route: sales = hot (SQL), nurture = warm (MQL), none = cold.

Realised profit on labelled data: a sales contact earns label*V - c, a nurture touch
label*uplift*V - nurture_cost (the assumed extra conversions), no action earns 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from features.errors import LeadscoreError
from models.deal_value import ConversionValues

SALES, NURTURE, NONE = "sales", "nurture", "none"
ROUTES: tuple[str, ...] = (SALES, NURTURE, NONE)
TIER_OF_ROUTE: dict[str, str] = {SALES: "hot", NURTURE: "warm", NONE: "cold"}
TIER_LABELS: dict[str, str] = {"hot": "SQL", "warm": "MQL", "cold": "none"}
NO_SCORE = 101  # a min score no lead reaches (scores run 0..100)
SCORE_DEFINITION = "round(100*p), halves rounded up: floor(100*p + 0.5)"


@dataclass(frozen=True)
class Economics:
    """The money behind a routing decision."""

    sales_contact_cost: float
    nurture_touch_cost: float
    nurture_uplift: float
    sales_capacity: int | None = None  # sales contacts per batch (as-of date); None = unlimited

    def __post_init__(self):
        if self.sales_contact_cost < 0 or self.nurture_touch_cost < 0:
            raise LeadscoreError("params.yaml: economics costs must be >= 0")
        if not 0 <= self.nurture_uplift <= 1:
            raise LeadscoreError("params.yaml: economics.nurture_uplift must be in [0, 1]")
        if self.sales_capacity is not None and self.sales_capacity < 0:
            raise LeadscoreError("params.yaml: economics sales capacity must be >= 0")


def economics_from_params(econ: Mapping[str, Any]) -> Economics:
    """The money of params.yaml `economics:` (the economics stage and evaluate-live share it)."""
    per_week = float(econ.get("sales_capacity_per_week", 0) or 0)
    per_day = float(econ.get("sales_capacity_per_day", 0) or 0)
    if per_week > 0 and per_day > 0:
        raise LeadscoreError(
            "params.yaml: set economics.sales_capacity_per_week or sales_capacity_per_day, not both"
        )
    days = float(econ.get("working_days_per_week", 5))
    capacity = per_week if per_week > 0 else per_day * days
    if "sales_contact_cost" not in econ:
        raise LeadscoreError(
            "params.yaml: missing key 'economics.sales_contact_cost'; add it (see README)"
        )
    return Economics(
        sales_contact_cost=float(econ["sales_contact_cost"]),
        nurture_touch_cost=float(econ.get("nurture_touch_cost", 0)),
        nurture_uplift=float(econ.get("nurture_uplift", 0)),
        sales_capacity=int(round(capacity)) if capacity > 0 else None,
    )


def score_from_probability(p: np.ndarray | pd.Series) -> np.ndarray:
    """The 0-100 score of a probability (see SCORE_DEFINITION)."""
    return np.clip(np.floor(100 * np.asarray(p, dtype=float) + 0.5), 0, 100).astype(int)


def expected_sales_profit(p: np.ndarray, value: np.ndarray, economics: Economics) -> np.ndarray:
    """p*V - c: what a sales contact is expected to earn."""
    return np.asarray(p, dtype=float) * value - economics.sales_contact_cost


def expected_nurture_profit(p: np.ndarray, value: np.ndarray, economics: Economics) -> np.ndarray:
    """p*uplift*V - nurture_cost: what a nurture touch is expected to earn."""
    return np.asarray(p, dtype=float) * economics.nurture_uplift * value - (
        economics.nurture_touch_cost
    )


def sales_gain(label: np.ndarray, value: np.ndarray, economics: Economics) -> np.ndarray:
    """label*V - c: what contacting each row earned."""
    label = np.asarray(label, dtype=float)
    return label * np.asarray(value, dtype=float) - economics.sales_contact_cost


def rank_within_batch(priority: np.ndarray, batch: np.ndarray) -> np.ndarray:
    """0 for the highest priority row of each batch, 1 for the next, ...; ties by row order."""
    priority = np.asarray(priority, dtype=float)
    codes = pd.factorize(pd.Series(batch))[0]
    order = np.lexsort((np.arange(len(priority)), -priority, codes))
    sorted_codes = codes[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_codes)) + 1]
    run_lengths = np.diff(np.r_[starts, len(order)])
    rank_sorted = np.arange(len(order)) - np.repeat(starts, run_lengths)
    rank = np.empty(len(order), dtype=int)
    rank[order] = rank_sorted
    return rank


def select_within_capacity(
    priority: np.ndarray, eligible: np.ndarray, batch: np.ndarray | None, capacity: int | None
) -> np.ndarray:
    """The eligible rows that fit the capacity, highest priority first within each batch."""
    eligible = np.asarray(eligible, dtype=bool)
    if capacity is None:
        return eligible.copy()
    if batch is None:
        batch = np.zeros(len(eligible), dtype=int)
    masked = np.where(eligible, np.asarray(priority, dtype=float), -np.inf)
    return eligible & (rank_within_batch(masked, batch) < capacity)


def route_leads(
    p: np.ndarray,
    value: np.ndarray,
    economics: Economics,
    batch: np.ndarray | None = None,
) -> np.ndarray:
    """The route of every lead: 'sales', 'nurture' or 'none' (see the module docstring)."""
    p = np.asarray(p, dtype=float)
    value = np.broadcast_to(np.asarray(value, dtype=float), p.shape)
    sales_profit = expected_sales_profit(p, value, economics)
    to_sales = select_within_capacity(
        sales_profit, sales_profit > 0, batch, economics.sales_capacity
    )
    to_nurture = ~to_sales & (expected_nurture_profit(p, value, economics) > 0)
    return np.where(to_sales, SALES, np.where(to_nurture, NURTURE, NONE))


def tiers_of(routes: np.ndarray) -> np.ndarray:
    """hot / warm / cold for sales / nurture / none."""
    return pd.Series(routes).map(TIER_OF_ROUTE).to_numpy()


def realised_profit(
    label: np.ndarray, value: np.ndarray, routes: np.ndarray, economics: Economics
) -> tuple[np.ndarray, np.ndarray]:
    """Per row: (sales profit, nurture profit) realised by ``routes`` on the observed labels."""
    label = np.asarray(label, dtype=float)
    value = np.broadcast_to(np.asarray(value, dtype=float), label.shape)
    sales = np.where(routes == SALES, sales_gain(label, value, economics), 0.0)
    nurture = np.where(
        routes == NURTURE,
        label * economics.nurture_uplift * value - economics.nurture_touch_cost,
        0.0,
    )
    return sales, nurture


def min_score_above(probability: float) -> int:
    """The smallest 0-100 score s with s/100 > probability (NO_SCORE when none)."""
    if not math.isfinite(probability):
        return NO_SCORE
    score = math.floor(100 * probability + 1e-9) + 1
    return int(min(max(score, 0), NO_SCORE))


def sales_break_even(value: float, economics: Economics) -> float:
    """The probability above which a sales contact pays: c / V (inf when V <= 0)."""
    return economics.sales_contact_cost / value if value > 0 else math.inf


def nurture_break_even(value: float, economics: Economics) -> float:
    """The probability above which a nurture touch pays: nurture_cost / (uplift * V)."""
    uplift_value = economics.nurture_uplift * value
    return economics.nurture_touch_cost / uplift_value if uplift_value > 0 else math.inf


def implied_thresholds(value: float, economics: Economics) -> dict[str, float | int]:
    """The probabilities and 0-100 scores at which a lead of conversion value V turns warm / hot.

    hot: p > c / V; warm: p > nurture_cost / (uplift * V), never above the hot threshold.
    A min score of 101 means no lead reaches the tier. Capacity may raise the hot bar further.
    """
    hot_p = sales_break_even(value, economics)
    warm_p = nurture_break_even(value, economics)
    hot_score = min_score_above(hot_p)
    warm_score = min(min_score_above(warm_p), hot_score)
    return {
        "conversion_value": float(value),
        "hot_min_probability": _finite_or_none(hot_p),
        "warm_min_probability": _finite_or_none(min(warm_p, hot_p)),
        "hot_min_score": hot_score,
        "warm_min_score": warm_score,
    }


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def bootstrap_totals(
    per_row: Mapping[str, np.ndarray], cluster: np.ndarray, *, n_samples: int, seed: int
) -> dict[str, np.ndarray]:
    """Totals of each column under ``n_samples`` resamples of whole clusters (leads).

    A lead appears in several weekly snapshots whose outcomes are one and the same, so leads,
    not rows, are resampled. Every column uses the same resamples (paired differences are valid).
    """
    codes, uniques = pd.factorize(pd.Series(cluster))
    n_clusters = len(uniques)
    by_cluster = {
        name: np.bincount(codes, weights=np.asarray(v, dtype=float), minlength=n_clusters)
        for name, v in per_row.items()
    }
    rng = np.random.default_rng(seed)
    weights = np.empty((n_samples, n_clusters))
    for i in range(n_samples):
        weights[i] = np.bincount(rng.integers(0, n_clusters, n_clusters), minlength=n_clusters)
    return {name: weights @ totals for name, totals in by_cluster.items()}


def interval(samples: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of bootstrap samples."""
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return float(low), float(high)


def profit_vs_threshold(
    label: np.ndarray, value: np.ndarray, scores: Mapping[str, np.ndarray], economics: Economics
) -> pd.DataFrame:
    """Realised sales profit and contacts when every lead with score >= t goes to sales (t=0..101).

    No capacity and no nurture: the curve shows where a plain score cut-off makes money.
    """
    gain = sales_gain(label, value, economics)
    table = pd.DataFrame({"threshold_score": np.arange(NO_SCORE + 1)})
    for name, score in scores.items():
        score = np.asarray(score, dtype=int)
        by_score = np.bincount(score, weights=gain, minlength=NO_SCORE + 1)
        count = np.bincount(score, minlength=NO_SCORE + 1)
        # sum over scores >= t: reverse cumulative sums
        table[f"profit_{name}"] = np.cumsum(by_score[::-1])[::-1]
        table[f"contacts_{name}"] = np.cumsum(count[::-1])[::-1]
    return table


def capacity_grid(batch: np.ndarray, n_points: int = 40) -> np.ndarray:
    """Capacities from 0 to the largest batch size, denser at the small end."""
    largest = int(pd.Series(batch).value_counts().max()) if len(batch) else 0
    grid = np.unique(np.round(np.geomspace(1, max(largest, 1), n_points)).astype(int))
    return np.r_[0, grid]


def profit_vs_capacity(
    label: np.ndarray,
    value: np.ndarray,
    batch: np.ndarray,
    probabilities: Mapping[str, np.ndarray],
    economics: Economics,
    capacities: np.ndarray,
) -> pd.DataFrame:
    """Realised profit of the full rule (sales within capacity, nurture for the rest)."""
    rows = []
    for capacity in capacities:
        capped = Economics(
            economics.sales_contact_cost,
            economics.nurture_touch_cost,
            economics.nurture_uplift,
            int(capacity),
        )
        row: dict[str, float] = {"capacity_per_batch": int(capacity)}
        for name, p in probabilities.items():
            routes = route_leads(p, value, capped, batch)
            sales, nurture = realised_profit(label, value, routes, capped)
            row[f"profit_{name}"] = float(sales.sum() + nurture.sum())
            row[f"contacts_{name}"] = int((routes == SALES).sum())
        rows.append(row)
    return pd.DataFrame(rows)


def gains_table(
    label: np.ndarray, scores: Mapping[str, np.ndarray], n_points: int = 100
) -> pd.DataFrame:
    """Cumulative share of conversions captured in the top x % of leads by each score."""
    label = np.asarray(label, dtype=float)
    n = len(label)
    shares = np.linspace(0, 1, n_points + 1)
    table = pd.DataFrame({"share_of_leads": shares, "random": shares})
    total = label.sum()
    for name, score in scores.items():
        # ties in a score are broken by row order (stable sort), as a rep working a list would
        order = np.argsort(-np.asarray(score, dtype=float), kind="stable")
        captured = np.r_[0, np.cumsum(label[order])]
        table[name] = captured[np.round(shares * n).astype(int)] / total if total else 0.0
    return table


# baselines whose probabilities exist only on some data (oracle: synthetic CRM only); every
# policy must be judged on the same rows, so a column with any gap is left out
OPTIONAL_POLICIES = ("oracle", "logistic")


def optional_probabilities(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """p_oracle / p_logistic of ``frame`` by policy name, each only when present for every row."""
    return {
        name: frame[f"p_{name}"].to_numpy()
        for name in OPTIONAL_POLICIES
        if f"p_{name}" in frame.columns and frame[f"p_{name}"].notna().all()
    }


def legacy_points(frame: pd.DataFrame) -> np.ndarray:
    """The legacy point table's raw points of every row."""
    return frame["points_point_table"].to_numpy(dtype=float)


def legacy_mqls(frame: pd.DataFrame) -> np.ndarray:
    """True where the legacy point table made the lead an MQL (a missing flag is no MQL)."""
    return frame["mql_point_table"].fillna(0).to_numpy(dtype=float) > 0


def policy_routes(
    frame: pd.DataFrame, value: np.ndarray, economics: Economics
) -> dict[str, np.ndarray]:
    """The routes of every policy compared on labelled data.

    ``frame`` has as_of, p_model, mql_point_table, points_point_table and optionally p_oracle and
    p_logistic. The legacy point table sends its MQLs to sales (ranked by points when capacity
    is limited) and has no nurture rule; contact_all sends everyone, contact_none no one.
    """
    batch = frame["as_of"].to_numpy()
    routes = {"model": route_leads(frame["p_model"].to_numpy(), value, economics, batch)}
    legacy = select_within_capacity(
        legacy_points(frame), legacy_mqls(frame), batch, economics.sales_capacity
    )
    routes["point_table"] = np.where(legacy, SALES, NONE)
    routes["contact_all"] = np.full(len(frame), SALES)
    routes["contact_none"] = np.full(len(frame), NONE)
    for name, p in optional_probabilities(frame).items():
        routes[name] = route_leads(p, value, economics, batch)
    return routes


def window_figures(
    frame: pd.DataFrame, value: np.ndarray, routes: np.ndarray
) -> dict[str, float | int]:
    """Size of the labelled window (rows, leads, snapshots, conversions) and its tier counts."""
    tiers = pd.Series(tiers_of(routes)).value_counts()
    return {
        "n_rows": len(frame),
        "n_leads": int(frame["lead_id"].nunique()),
        "n_snapshots": int(frame["as_of"].nunique()),
        "positives": int(frame["label"].sum()),
        "mean_conversion_value": float(np.mean(value)),
        **{f"tier_{t}": int(tiers.get(t, 0)) for t in TIER_LABELS},
    }


def compare_policies(
    label: np.ndarray,
    value: np.ndarray,
    lead_id: np.ndarray,
    routes: Mapping[str, np.ndarray],
    economics: Economics,
    *,
    bootstrap_samples: int,
    seed: int,
) -> dict[str, float | int]:
    """Realised profit, its parts, contacts and 95 % bootstrap intervals of every policy."""
    figures: dict[str, float | int] = {}
    totals: dict[str, np.ndarray] = {}
    for name, route in routes.items():
        sales, nurture = realised_profit(label, value, route, economics)
        totals[name] = sales + nurture
        figures[f"profit_{name}"] = float(totals[name].sum())
        figures[f"sales_profit_{name}"] = float(sales.sum())
        figures[f"nurture_profit_{name}"] = float(nurture.sum())
        figures[f"contacts_{name}"] = int((route == SALES).sum())
        figures[f"nurtures_{name}"] = int((route == NURTURE).sum())
    if "point_table" in totals:
        totals["model_minus_point_table"] = totals["model"] - totals["point_table"]
    if "oracle" in totals:
        totals["oracle_minus_model"] = totals["oracle"] - totals["model"]
    if bootstrap_samples > 0:
        samples = bootstrap_totals(totals, lead_id, n_samples=bootstrap_samples, seed=seed)
        for name, draws in samples.items():
            low, high = interval(draws)
            figures[f"profit_{name}_ci_low"] = low
            figures[f"profit_{name}_ci_high"] = high
    for name in ("model_minus_point_table", "oracle_minus_model"):
        if name in totals:
            figures[f"profit_{name}"] = float(totals[name].sum())
    for reference in ("oracle", "point_table"):
        if reference in totals and figures[f"profit_{reference}"] > 0:
            ratio = figures["profit_model"] / figures[f"profit_{reference}"]
            figures[f"profit_ratio_model_to_{reference}"] = ratio
    return figures


def legacy_profit_within_capacity(
    points: np.ndarray, mql: np.ndarray, batch: np.ndarray, gain: np.ndarray, capacity: int
) -> float:
    """Realised sales profit (sum of ``gain``) of the legacy MQLs, highest points first."""
    chosen = select_within_capacity(points, mql, batch, capacity)
    return float(np.asarray(gain)[chosen].sum())


def legacy_threshold_curve(
    points: np.ndarray, gain: np.ndarray, mql_threshold: float, n_points: int = 50
) -> pd.DataFrame:
    """Realised sales profit of the legacy points when the MQL threshold is moved.

    ``gain`` is label*V - c per row; the hand-set threshold is always one of the points.
    """
    points = np.asarray(points, dtype=float)
    gain = np.asarray(gain, dtype=float)
    cuts = np.unique(np.r_[np.quantile(points, np.linspace(0, 1, n_points + 1)), mql_threshold])
    rows = [
        {
            "points_threshold": float(t),
            "profit_point_table": float(gain[points >= t].sum()),
            "contacts_point_table": int((points >= t).sum()),
            "is_hand_set_threshold": bool(t == mql_threshold),
        }
        for t in cuts
    ]
    return pd.DataFrame(rows)


def thresholds_document(
    values: ConversionValues,
    economics: Economics,
    *,
    as_of: np.ndarray,
    p_model: np.ndarray,
    model_routes: np.ndarray,
    fixed_value: float,
    shrinkage: float,
) -> dict[str, Any]:
    """reports/thresholds.json: the rule, and the score thresholds per value segment.

    ``as_of``, ``p_model`` and ``model_routes`` describe the test window (tier counts, and the
    score at which the capacity cuts when it binds).
    """
    segments = {
        key: {
            **implied_thresholds(v, economics),
            "won_deals": values.conversions_by_segment.get(key, 0),
        }
        for key, v in sorted(values.by_segment.items())
    }
    model = model_routes
    score = score_from_probability(p_model)
    hot = model == SALES
    sales_scores = pd.Series(score[hot]).groupby(np.asarray(as_of)[hot])
    capacity_cut = (
        int(sales_scores.min().median())
        if economics.sales_capacity and len(sales_scores) > 0
        else None
    )
    return {
        "score_definition": SCORE_DEFINITION,
        "rule": {
            "hot": "route to sales (SQL) when p*V - sales_contact_cost > 0, i.e. score >= "
            "hot_min_score of the lead's segment, and the lead is within the sales capacity",
            "warm": "nurture (MQL) when not hot and p*nurture_uplift*V - nurture_touch_cost > 0, "
            "i.e. score >= warm_min_score",
            "cold": "no action otherwise",
            "capacity_per_batch": economics.sales_capacity,
            "capacity_batch": "one as-of date (one nightly scoring date / one weekly snapshot)",
            "capacity_ranking": "expected_profit = p*V - sales_contact_cost, highest first; "
            "hot leads beyond the capacity become warm when nurture pays",
            "expected_value": "p*V",
        },
        "tiers": {t: {"label": TIER_LABELS[t], "route": r} for r, t in TIER_OF_ROUTE.items()},
        "segment_columns": list(values.segment_columns),
        "segment_key": "the values of segment_columns joined by '|', 'missing' for an empty "
        "value; a segment not listed uses default",
        "segments": segments,
        "default": implied_thresholds(values.default, economics),
        "economics": {
            "conversion_value": values.mode,
            "fixed_conversion_value": float(fixed_value),
            "value_shrinkage": float(shrinkage),
            "sales_contact_cost": economics.sales_contact_cost,
            "nurture_touch_cost": economics.nurture_touch_cost,
            "nurture_uplift": economics.nurture_uplift,
            "sales_capacity_per_batch": economics.sales_capacity,
        },
        "test_window": {
            **{t: int((tiers_of(model) == t).sum()) for t in TIER_LABELS},
            "capacity_min_score_median": capacity_cut,
        },
    }
