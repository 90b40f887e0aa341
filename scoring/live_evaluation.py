"""Did the model earn money? Realised conversions and profit per arm of past nightly scores.

Each lead counts once: at its first scoring on or after ``since``, with the arm and route it got
that night. It is evaluated when its horizon has passed (scored_at + horizon_days <= the end of
the observed outcomes); younger leads are counted as pending. A lead converted when its outcome
is `converted` with closed_at in [scored_at, scored_at + horizon).

Realised profit follows the economics stage's rule with the realised deal values: a sales
contact earns deal_value - sales_contact_cost when the lead converted and -sales_contact_cost
otherwise; a nurture touch earns uplift * deal_value - nurture_touch_cost (the assumed extra
conversions); no action earns 0. A conversion without a recorded deal value counts at the
default conversion value. Arms differ in size, so they are compared per lead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.contract import CONVERTED
from features.errors import LeadscoreError
from models import economics as ec
from scoring.control_group import ARMS, CONTROL, MODEL

SCORE_COLUMNS = ("lead_id", "scored_at", "arm", "route")


def first_scorings(
    scores: pd.DataFrame, *, since: pd.Timestamp, until: pd.Timestamp | None = None
) -> pd.DataFrame:
    """One row per lead: its earliest scoring in [since, until]."""
    missing = [c for c in SCORE_COLUMNS if c not in scores.columns]
    if missing:
        raise LeadscoreError(
            f"scores: column(s) {missing} missing; evaluate-live reads the scores.parquet files "
            "`leadscore score` writes (canonical column names)"
        )
    frame = scores[list(SCORE_COLUMNS)].copy()
    frame["scored_at"] = pd.to_datetime(frame["scored_at"]).astype("datetime64[us]")
    keep = frame["scored_at"] >= since
    if until is not None:
        keep &= frame["scored_at"] <= until
    frame = frame[keep].sort_values(["lead_id", "scored_at"], kind="mergesort")
    return frame.drop_duplicates("lead_id", keep="first").reset_index(drop=True)


def attach_outcomes(
    scored: pd.DataFrame,
    outcomes: pd.DataFrame,
    *,
    horizon_days: int,
    observed_until: pd.Timestamp,
    default_value: float,
) -> pd.DataFrame:
    """Adds matured, converted (within the horizon) and the value of the conversion."""
    horizon = pd.Timedelta(days=horizon_days)
    won = outcomes.loc[outcomes["status"] == CONVERTED, ["lead_id", "closed_at", "deal_value"]]
    frame = scored.merge(won.drop_duplicates("lead_id"), on="lead_id", how="left")
    closed = pd.to_datetime(frame["closed_at"])
    frame["matured"] = frame["scored_at"] + horizon <= observed_until
    frame["converted"] = (
        closed.notna() & (closed >= frame["scored_at"]) & (closed < frame["scored_at"] + horizon)
    ).to_numpy(dtype=bool)
    value = pd.to_numeric(frame["deal_value"], errors="coerce")
    frame["value"] = value.where(value > 0, default_value).astype(float)
    return frame.drop(columns=["closed_at", "deal_value"])


def realised_profit(frame: pd.DataFrame, economics: ec.Economics) -> np.ndarray:
    """Per lead: what its route realised (see the module docstring)."""
    sales, nurture = ec.realised_profit(
        frame["converted"].to_numpy(dtype=float),
        frame["value"].to_numpy(dtype=float),
        frame["route"].to_numpy(dtype=object),
        economics,
    )
    return sales + nurture


def arm_figures(frame: pd.DataFrame, profit: np.ndarray) -> dict:
    """Counts, conversion rates and profit of one arm's matured leads."""
    n = len(frame)
    converted = frame["converted"].to_numpy(dtype=bool)
    route = frame["route"].to_numpy(dtype=object)
    sales, nurture = route == ec.SALES, route == ec.NURTURE

    def rate(hits: int, total: int) -> float | None:
        return hits / total if total else None

    return {
        "leads": n,
        "conversions": int(converted.sum()),
        "conversion_rate": rate(int(converted.sum()), n),
        "sales_contacts": int(sales.sum()),
        "sales_conversions": int((converted & sales).sum()),
        "sales_conversion_rate": rate(int((converted & sales).sum()), int(sales.sum())),
        "nurtured": int(nurture.sum()),
        "nurture_conversions": int((converted & nurture).sum()),
        "missed_conversions": int((converted & ~sales).sum()),
        "profit": float(profit.sum()),
        "profit_per_lead": float(profit.mean()) if n else None,
    }


def _bootstrap_difference(
    model: np.ndarray, control: np.ndarray, *, n_samples: int, seed: int
) -> tuple[float, float] | None:
    """95 % interval of mean(model) - mean(control), leads resampled within each arm."""
    if n_samples <= 0 or len(model) == 0 or len(control) == 0:
        return None
    rng = np.random.default_rng(seed)
    diffs = np.empty(n_samples)
    for i in range(n_samples):
        diffs[i] = (
            model[rng.integers(0, len(model), len(model))].mean()
            - control[rng.integers(0, len(control), len(control))].mean()
        )
    low, high = np.percentile(diffs, [2.5, 97.5])
    return float(low), float(high)


def evaluate_live(
    scores: pd.DataFrame,
    outcomes: pd.DataFrame,
    *,
    since: pd.Timestamp,
    until: pd.Timestamp | None,
    horizon_days: int,
    observed_until: pd.Timestamp,
    economics: ec.Economics,
    default_value: float,
    bootstrap_samples: int = 1000,
    seed: int = 0,
) -> dict:
    """The live comparison of the model arm against the control (legacy point table) arm."""
    scored = first_scorings(scores, since=since, until=until)
    if scored.empty:
        raise LeadscoreError(
            f"scores: no lead was scored on or after {since.date()}; pick an earlier --since "
            "or score that date first (`leadscore score --as-of DATE`)"
        )
    frame = attach_outcomes(
        scored,
        outcomes,
        horizon_days=horizon_days,
        observed_until=observed_until,
        default_value=default_value,
    )
    matured = frame[frame["matured"]].reset_index(drop=True)
    profit = realised_profit(matured, economics)
    arms = {}
    for arm in ARMS:
        mask = (matured["arm"] == arm).to_numpy()
        arms[arm] = arm_figures(matured[mask], profit[mask])
        arms[arm]["pending"] = int(((frame["arm"] == arm) & ~frame["matured"]).sum())
    model_profit = profit[(matured["arm"] == MODEL).to_numpy()]
    control_profit = profit[(matured["arm"] == CONTROL).to_numpy()]
    comparison: dict = {"profit_per_lead_model_minus_control": None}
    if len(model_profit) and len(control_profit):
        comparison["profit_per_lead_model_minus_control"] = float(
            model_profit.mean() - control_profit.mean()
        )
        interval = _bootstrap_difference(
            model_profit, control_profit, n_samples=bootstrap_samples, seed=seed
        )
        if interval is not None:
            comparison["profit_per_lead_ci_low"], comparison["profit_per_lead_ci_high"] = interval
        for key in ("conversion_rate", "sales_conversion_rate"):
            m, c = arms[MODEL][key], arms[CONTROL][key]
            comparison[f"{key}_model_minus_control"] = None if m is None or c is None else m - c
    return {
        "since": since.isoformat(),
        "until": until.isoformat() if until is not None else None,
        "scoring_dates": sorted({t.isoformat() for t in scored["scored_at"]}),
        "observed_until": observed_until.isoformat(),
        "horizon_days": horizon_days,
        "leads_scored": len(frame),
        "leads_matured": len(matured),
        "leads_pending": int((~frame["matured"]).sum()),
        "economics": {
            "sales_contact_cost": economics.sales_contact_cost,
            "nurture_touch_cost": economics.nurture_touch_cost,
            "nurture_uplift": economics.nurture_uplift,
            "default_conversion_value": default_value,
        },
        "arms": arms,
        "comparison": comparison,
    }


def summary_lines(result: dict) -> list[str]:
    """A small table for the terminal."""
    head = f"{'arm':<8} {'leads':>7} {'conv.rate':>9} {'sales':>6} {'hit rate':>8} {'profit':>12} {'per lead':>9}"  # noqa: E501
    lines = [
        f"live evaluation of leads first scored {result['since'][:10]}"
        f"{' to ' + result['until'][:10] if result['until'] else ''}, outcomes to "
        f"{result['observed_until'][:10]} ({result['leads_matured']} matured, "
        f"{result['leads_pending']} pending)",
        head,
    ]

    def pct(x):
        return f"{100 * x:8.1f}%" if x is not None else f"{'n/a':>9}"

    for arm, f in result["arms"].items():
        per_lead = (
            f"{f['profit_per_lead']:9.2f}" if f["profit_per_lead"] is not None else "      n/a"
        )
        lines.append(
            f"{arm:<8} {f['leads']:>7} {pct(f['conversion_rate'])} {f['sales_contacts']:>6} "
            f"{pct(f['sales_conversion_rate'])[1:]} {f['profit']:>12.0f} {per_lead}"
        )
    diff = result["comparison"].get("profit_per_lead_model_minus_control")
    if diff is not None:
        ci = ""
        if "profit_per_lead_ci_low" in result["comparison"]:
            c = result["comparison"]
            ci = (
                f" (95% CI {c['profit_per_lead_ci_low']:.2f} to {c['profit_per_lead_ci_high']:.2f})"
            )
        lines.append(f"profit per lead, model minus control: {diff:.2f}{ci}")
    return lines
