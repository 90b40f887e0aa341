"""`leadscore economics`: routes, tiers and thresholds from money; channel economics; a learned
point table.

Reads data/predictions/{validation,test}.parquet, data/features/{train,validation,test}.parquet
and data/interim/*; writes reports/metrics/economics.json, reports/thresholds.json,
reports/channels.json, reports/scorecard.{csv,yaml} and reports/plots/economics/*.csv.
"""

from __future__ import annotations

import argparse
import logging
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from sklearn.metrics import roc_auc_score

from features import contract
from features.errors import LeadscoreError
from models import channels as ch
from models import economics as ec
from models import scorecard as sc
from models.deal_value import ConversionValues, fit_segment_values, fixed_values
from pipeline.outputs import write_json, write_text
from pipeline.params import load_params, section

log = logging.getLogger(__name__)

PREDICTIONS_DIR = Path("data/predictions")
FEATURES_DIR = Path("data/features")
REPORTS = Path("reports")
PLOTS = REPORTS / "plots" / "economics"
PREDICTION_COLUMNS = (
    "lead_id",
    "as_of",
    "label",
    "p_model",
    "points_point_table",
    "mql_point_table",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass  # paths are the pipeline's fixed layout; the money is in params.yaml `economics:`


def run(args: argparse.Namespace) -> int:
    params = load_params(args.params)
    econ = section(params, "economics")
    seed = int(params.get("seed", 0))
    economics = economics_from_params(econ)
    started = time.perf_counter()

    test = read_predictions("test")
    validation = read_predictions("validation")
    values = conversion_values(econ, test_start=test["as_of"].min())
    attributes = lead_attributes(list(values.segment_columns))
    if values.segment_columns:
        test = test.merge(attributes, on="lead_id", how="left", validate="many_to_one")
    value = values.for_frame(test)

    routes = ec.policy_routes(test, value, economics)
    card, card_figures, points = learned_point_table(
        econ.get("scorecard", {}), validation, test, economics, values, seed
    )
    routes["learned_point_table"] = ec.route_leads(
        card.probability(points), value, economics, test["as_of"].to_numpy()
    )
    figures = ec.compare_policies(
        test["label"].to_numpy(),
        value,
        test["lead_id"].to_numpy(),
        routes,
        economics,
        bootstrap_samples=int(econ.get("bootstrap_samples", 500)),
        seed=seed,
    )
    figures.update(card_figures)
    figures.update(window_figures(test, value, routes["model"]))
    figures.update(write_curves(test, value, points, card, economics, params))
    figures = {k: ch.json_ready(v) for k, v in figures.items()}  # NaN is not JSON
    log.info("routing compared in %.1f s", time.perf_counter() - started)

    write_json(REPORTS / "metrics" / "economics.json", {"economics": figures})
    thresholds = ec.thresholds_document(
        values,
        economics,
        as_of=test["as_of"].to_numpy(),
        p_model=test["p_model"].to_numpy(),
        model_routes=routes["model"],
        fixed_value=float(econ.get("fixed_conversion_value", 0)),
        shrinkage=float(econ.get("value_shrinkage", 20)),
    )
    write_json(REPORTS / "thresholds.json", thresholds)
    write_json(REPORTS / "channels.json", channel_document(econ, economics))
    log.info(
        "profit on test: model %.0f, point table %.0f, oracle %s; contacts model %d",
        figures["profit_model"],
        figures["profit_point_table"],
        f"{figures['profit_oracle']:.0f}" if "profit_oracle" in figures else "n/a",
        figures["contacts_model"],
    )
    log.info("economics done in %.1f s", time.perf_counter() - started)
    return 0


# ---- parameters and inputs ---------------------------------------------------------------------


def economics_from_params(econ: dict[str, Any]) -> ec.Economics:
    """The money of params.yaml `economics:`."""
    per_week = float(econ.get("sales_capacity_per_week", 0) or 0)
    per_day = float(econ.get("sales_capacity_per_day", 0) or 0)
    if per_week > 0 and per_day > 0:
        raise LeadscoreError(
            "params.yaml: set economics.sales_capacity_per_week or sales_capacity_per_day, not both"
        )
    days = float(econ.get("working_days_per_week", 5))
    capacity = per_week if per_week > 0 else per_day * days
    return ec.Economics(
        sales_contact_cost=float(_required(econ, "sales_contact_cost")),
        nurture_touch_cost=float(econ.get("nurture_touch_cost", 0)),
        nurture_uplift=float(econ.get("nurture_uplift", 0)),
        sales_capacity=int(round(capacity)) if capacity > 0 else None,
    )


def _required(econ: dict[str, Any], key: str) -> Any:
    if key not in econ:
        raise LeadscoreError(f"params.yaml: missing key 'economics.{key}'; add it (see README)")
    return econ[key]


def read_predictions(split: str) -> pd.DataFrame:
    """data/predictions/<split>.parquet with the columns the economics need."""
    path = PREDICTIONS_DIR / f"{split}.parquet"
    if not path.exists():
        raise LeadscoreError(f"{path}: not found; run `leadscore train` first")
    frame = pd.read_parquet(path)
    missing = [c for c in PREDICTION_COLUMNS if c not in frame.columns]
    if not missing:
        frame["as_of"] = _as_timestamp(frame["as_of"])
    if missing:
        raise LeadscoreError(f"{path}: column(s) {missing} missing; rerun `leadscore train`")
    if frame["p_model"].isna().any():
        raise LeadscoreError(
            f"{path}: column 'p_model' has missing values; rerun `leadscore train`"
        )
    return frame.reset_index(drop=True)


def _as_timestamp(values: pd.Series) -> pd.Series:
    """as_of as naive datetime64[us], whatever unit the writer used, so joins line up."""
    return pd.to_datetime(values).astype("datetime64[us]")


def interim(table: str, columns: list[str] | None = None) -> pd.DataFrame | None:
    """An ingested table, or None when this CRM export does not have it."""
    if not Path(contract.interim_path(table)).exists():
        return None
    try:
        from features.tables import read_interim
    except ImportError:  # ingest not built yet: the Parquet files follow the contract anyway
        return pd.read_parquet(contract.interim_path(table), columns=columns)
    return read_interim(table, columns=columns)


def lead_attributes(columns: list[str]) -> pd.DataFrame:
    """One row per lead with ``columns``, from the feature sets (lead attributes do not change
    between snapshots), else from data/interim/leads.parquet."""
    frames = []
    for split in ("train", "validation", "test"):
        path = FEATURES_DIR / f"{split}.parquet"
        if path.exists() and columns and set(columns) <= set(pq.read_schema(path).names):
            frames.append(pd.read_parquet(path, columns=["lead_id", *columns]))
    if frames:
        return pd.concat(frames, ignore_index=True).drop_duplicates("lead_id", keep="last")
    leads = interim("leads")
    if leads is None or not all(c in leads.columns for c in columns):
        raise LeadscoreError(
            f"params.yaml: economics.value_segments {columns} are neither feature columns in "
            f"{FEATURES_DIR} nor lead columns; name existing columns (e.g. employee_band)"
        )
    return leads[["lead_id", *columns]]


def conversion_values(econ: dict[str, Any], *, test_start: pd.Timestamp) -> ConversionValues:
    """The value of a conversion: fixed, or learned per segment from deals won before the test
    window (so that the test window's own deals never set the values it is judged by)."""
    mode = str(econ.get("conversion_value", "fixed"))
    fixed = float(econ.get("fixed_conversion_value", 0))
    if mode not in ("fixed", "segment"):
        try:
            return fixed_values(float(mode))
        except ValueError:
            raise LeadscoreError(
                f"params.yaml: economics.conversion_value must be fixed, segment or a number, "
                f"not {mode!r}"
            ) from None
    if mode == "fixed":
        return fixed_values(fixed)
    outcomes = interim("outcomes")
    if outcomes is None or "deal_value" not in outcomes.columns:
        log.warning("no deal values in data/interim/outcomes: using the fixed conversion value")
        return fixed_values(fixed)
    segments = list(econ.get("value_segments", []))
    won = outcomes[
        (outcomes["status"] == contract.CONVERTED) & (outcomes["closed_at"] < test_start)
    ]
    won = won.merge(lead_attributes(segments), on="lead_id", how="inner") if segments else won
    values = fit_segment_values(
        won,
        segment_columns=segments,
        shrinkage=float(econ.get("value_shrinkage", 20)),
        fallback=fixed,
    )
    log.info(
        "conversion value: %d won deals before %s, mean %.0f, %d segments",
        len(won),
        test_start.date(),
        values.default,
        len(values.by_segment),
    )
    return values


# ---- the learned point table -------------------------------------------------------------------


def features_with_predictions(split: str, predictions: pd.DataFrame) -> pd.DataFrame:
    """The feature rows of ``split`` with the model's probability, aligned with ``predictions``."""
    path = FEATURES_DIR / f"{split}.parquet"
    if not path.exists():
        raise LeadscoreError(f"{path}: not found; run `leadscore featurize` first")
    features = pd.read_parquet(path).drop(columns=["label"], errors="ignore")
    features["as_of"] = _as_timestamp(features["as_of"])
    joined = predictions[["lead_id", "as_of", "label", "p_model"]].merge(
        features, on=["lead_id", "as_of"], how="left", validate="one_to_one", indicator=True
    )
    unmatched = int((joined["_merge"] != "both").sum())
    if unmatched:
        raise LeadscoreError(
            f"{path}: {unmatched} prediction rows have no feature row; rerun featurize and train"
        )
    return joined.drop(columns="_merge")


def learned_point_table(
    card_params: dict[str, Any],
    validation: pd.DataFrame,
    test: pd.DataFrame,
    economics: ec.Economics,
    values: ConversionValues,
    seed: int,
) -> tuple[sc.Scorecard, dict[str, float], np.ndarray]:
    """Fit the scorecard on validation, export it, score test; its AUC beside the model's."""
    started = time.perf_counter()
    fit_frame = features_with_predictions("validation", validation)
    test_frame = features_with_predictions("test", test)
    anchor = economics.sales_contact_cost / values.default
    card = sc.fit_scorecard(
        fit_frame.drop(columns=["p_model"]),
        p_model=fit_frame["p_model"].to_numpy(),
        label=fit_frame["label"].to_numpy(),
        fit_to=str(card_params.get("fit_to", "model")),
        n_features=int(card_params.get("n_features", 12)),
        n_bins=int(card_params.get("n_bins", 5)),
        min_bin_share=float(card_params.get("min_bin_share", 0.01)),
        max_categories=int(card_params.get("max_categories", 12)),
        l2=float(card_params.get("l2", 1.0)),
        points_to_double_odds=float(card_params.get("points_to_double_odds", 20)),
        anchor_points=float(card_params.get("anchor_points", 100)),
        anchor_probability=anchor,
        seed=seed,
    )
    uplift_value = economics.nurture_uplift * values.default
    nurture_p = economics.nurture_touch_cost / uplift_value if uplift_value > 0 else math.inf
    thresholds = {
        "sales_min_points": card.min_points_for(anchor),
        "nurture_min_points": card.min_points_for(min(nurture_p, anchor)),
    }
    sc.write_exports(
        card,
        thresholds,
        csv_path=REPORTS / "scorecard.csv",
        yaml_path=REPORTS / "scorecard.yaml",
    )
    points = card.score(test_frame.drop(columns=["p_model"]))
    label = test_frame["label"].to_numpy()
    figures = {
        "auc_model": _auc(label, test_frame["p_model"].to_numpy()),
        "auc_point_table": _auc(label, test["points_point_table"].to_numpy()),
        "auc_learned_point_table": _auc(label, points),
        "learned_point_table_features": len(card.bins),
        "learned_point_table_rank_correlation": float(
            pd.Series(points).corr(pd.Series(test_frame["p_model"].to_numpy()), method="spearman")
        ),
    }
    figures["auc_gap_model_minus_learned_point_table"] = (
        figures["auc_model"] - figures["auc_learned_point_table"]
    )
    log.info(
        "learned point table: %d features, AUC %.4f (model %.4f, legacy %.4f) in %.1f s",
        len(card.bins),
        figures["auc_learned_point_table"],
        figures["auc_model"],
        figures["auc_point_table"],
        time.perf_counter() - started,
    )
    return card, figures, points


def _auc(label: np.ndarray, score: np.ndarray) -> float:
    return float(roc_auc_score(label, score)) if len(np.unique(label)) == 2 else float("nan")


# ---- thresholds, tiers, curves -----------------------------------------------------------------


def window_figures(test: pd.DataFrame, value: np.ndarray, routes: np.ndarray) -> dict[str, Any]:
    """Size of the test window and the model's tier counts in it."""
    tiers = pd.Series(ec.tiers_of(routes)).value_counts()
    return {
        "n_rows": len(test),
        "n_leads": int(test["lead_id"].nunique()),
        "n_snapshots": int(test["as_of"].nunique()),
        "positives": int(test["label"].sum()),
        "mean_conversion_value": float(np.mean(value)),
        **{f"tier_{t}": int(tiers.get(t, 0)) for t in ec.TIER_LABELS},
    }


def write_curves(
    test: pd.DataFrame,
    value: np.ndarray,
    points: np.ndarray,
    card: sc.Scorecard,
    economics: ec.Economics,
    params: dict[str, Any],
) -> dict[str, float]:
    """Profit versus threshold and capacity, gains, the legacy threshold curve (DVC plot data).

    Returns the legacy table's profit at its best threshold in hindsight, for context.
    """
    label = test["label"].to_numpy()
    probabilities = {"model": test["p_model"].to_numpy()}
    for name in ("oracle", "logistic"):
        if f"p_{name}" in test.columns and test[f"p_{name}"].notna().all():
            probabilities[name] = test[f"p_{name}"].to_numpy()
    probabilities["learned_point_table"] = card.probability(points)
    scores = {k: ec.score_from_probability(p) for k, p in probabilities.items()}
    _write_csv("profit_vs_threshold.csv", ec.profit_vs_threshold(label, value, scores, economics))

    batch = test["as_of"].to_numpy()
    grid = ec.capacity_grid(batch)
    curve = ec.profit_vs_capacity(label, value, batch, probabilities, economics, grid)
    gain = label * value - economics.sales_contact_cost
    points_legacy = test["points_point_table"].to_numpy(dtype=float)
    mql_rows = test["mql_point_table"].fillna(0).to_numpy(dtype=float) > 0
    curve["profit_point_table"] = [
        ec.legacy_profit_within_capacity(points_legacy, mql_rows, batch, gain, int(k))
        for k in curve["capacity_per_batch"]
    ]
    _write_csv("profit_vs_capacity.csv", curve)

    legacy = {"point_table": points_legacy, "learned_point_table": points}
    gains = ec.gains_table(label, {**probabilities, **legacy})
    _write_csv("gains.csv", gains)

    mql = float(params.get("point_table", {}).get("mql_threshold", 100))
    legacy_curve = ec.legacy_threshold_curve(points_legacy, gain, mql)
    _write_csv("profit_vs_mql_threshold.csv", legacy_curve)
    best = legacy_curve.loc[legacy_curve["profit_point_table"].idxmax()]
    return {  # hindsight: the legacy table's best threshold chosen on the test window itself
        "profit_point_table_best_threshold": float(best["profit_point_table"]),
        "point_table_best_threshold_points": float(best["points_threshold"]),
    }


def _write_csv(name: str, table: pd.DataFrame) -> None:
    write_text(PLOTS / name, table.to_csv(index=False, float_format="%.6g"))


# ---- channels ----------------------------------------------------------------------------------


def channel_document(econ: dict[str, Any], economics: ec.Economics) -> dict[str, Any]:
    """reports/channels.json (and its plot data): KPIs, value per lead vs CPL, attribution."""
    started = time.perf_counter()
    leads, outcomes = interim("leads"), interim("outcomes")
    if leads is None or outcomes is None:
        return {"available": False, "reason": "no data/interim leads or outcomes table"}
    activities = interim("activities", columns=["lead_id", "occurred_at", "activity_type"])
    document, tables = ch.channel_report(
        leads,
        outcomes,
        interim("channel_costs"),
        activities,
        sales_contact_cost=economics.sales_contact_cost,
        maturity_days=int(econ.get("channel_maturity_days", 180)),
        cpl_per_channel=econ.get("cpl_per_channel") or {},
        touch_channels=dict(econ.get("touch_channels") or {}),
    )
    for name, table in tables.items():
        _write_csv(f"{name}.csv", table)
    log.info("channel economics in %.1f s", time.perf_counter() - started)
    return document
