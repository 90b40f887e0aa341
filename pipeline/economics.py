"""`leadscore economics`: routes, tiers and thresholds from money; channel economics; a learned
point table.

Reads data/predictions/{validation,test}.parquet, data/features/{train,validation,test}.parquet
and data/interim/*; writes reports/metrics/economics.json, reports/thresholds.json,
reports/channels.json, reports/scorecard.{csv,yaml} and reports/plots/economics/*.csv.
pipeline/economics_inputs reads and checks the inputs; the logic lives in models/: economics
(the rule and its profit), deal_value (the value of a conversion), scorecard and
learned_point_table, economics_plots (the curves), channels.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models import channels as ch
from models import economics as ec
from models import learned_point_table as lpt
from models.deal_value import ConversionValues
from models.economics import economics_from_params
from models.economics_plots import best_legacy_threshold, economics_plot_tables
from models.first_contact_profit import first_contact_figures
from models.scorecard import Scorecard, fit_scorecard, write_exports
from pipeline.economics_inputs import (
    interim_if_present,
    labelled_features,
    lead_attributes,
    read_conversion_values,
    read_predictions,
)
from pipeline.outputs import write_json, write_text
from pipeline.params import load_params, section

log = logging.getLogger(__name__)

REPORTS = Path("reports")
PLOTS = REPORTS / "plots" / "economics"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass  # paths are the pipeline's fixed layout; the money is in params.yaml `economics:`


def run(args: argparse.Namespace) -> int:
    params = load_params(args.params)
    econ = section(params, "economics")
    seed = int(params.get("seed", 0))
    economics = economics_from_params(econ)
    started = time.perf_counter()

    test, validation = read_predictions("test"), read_predictions("validation")
    values = read_conversion_values(econ, test_start=test["as_of"].min())
    if values.segment_columns:
        attributes = lead_attributes(list(values.segment_columns))
        test = test.merge(attributes, on="lead_id", how="left", validate="many_to_one")
    value = values.for_frame(test)

    card, points, card_figures = learned_point_table(
        econ.get("scorecard", {}), validation, test, economics, values, seed
    )
    learned_probability = card.probability(points)
    routes = ec.policy_routes(test, value, economics)
    routes["learned_point_table"] = ec.route_leads(
        learned_probability, value, economics, test["as_of"].to_numpy()
    )
    label, lead_id = test["label"].to_numpy(), test["lead_id"].to_numpy()
    samples = int(econ.get("bootstrap_samples", 500))
    figures = ec.compare_policies(
        label, value, lead_id, routes, economics, bootstrap_samples=samples, seed=seed
    )
    figures |= first_contact_figures(
        label,
        value,
        lead_id,
        test["as_of"].to_numpy(),
        routes,
        economics,
        bootstrap_samples=samples,
        seed=seed,
    )
    plot_tables = economics_plot_tables(
        test,
        value,
        learned_points=points,
        learned_probability=learned_probability,
        economics=economics,
        mql_threshold=float(params.get("point_table", {}).get("mql_threshold", 100)),
    )
    for name, table in plot_tables.items():
        write_csv(PLOTS / f"{name}.csv", table)
    figures |= card_figures | ec.window_figures(test, value, routes["model"])
    figures |= best_legacy_threshold(plot_tables["profit_vs_mql_threshold"])
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
    write_json(REPORTS / "channels.json", channel_economics(econ, economics))
    log.info(
        "profit on test: model %.0f, point table %.0f, oracle %s; contacts model %d",
        figures["profit_model"],
        figures["profit_point_table"],
        f"{figures['profit_oracle']:.0f}" if "profit_oracle" in figures else "n/a",
        figures["contacts_model"],
    )
    log.info("economics done in %.1f s", time.perf_counter() - started)
    return 0


def write_csv(path: Path, table: pd.DataFrame) -> None:
    write_text(path, table.to_csv(index=False, float_format="%.6g"))


# ---- outputs beside the routing ----------------------------------------------------------------


def learned_point_table(
    card_params: dict[str, Any],
    validation: pd.DataFrame,
    test: pd.DataFrame,
    economics: ec.Economics,
    values: ConversionValues,
    seed: int,
) -> tuple[Scorecard, np.ndarray, dict[str, float | int]]:
    """Fit the point table on validation, export it, score test: (table, test points, figures)."""
    started = time.perf_counter()
    fit_frame = labelled_features("validation", validation)
    card = fit_scorecard(
        fit_frame,
        p_model=validation["p_model"].to_numpy(),
        label=fit_frame["label"].to_numpy(),
        fit_to=str(card_params.get("fit_to", "model")),
        n_features=int(card_params.get("n_features", 12)),
        n_bins=int(card_params.get("n_bins", 5)),
        min_bin_share=float(card_params.get("min_bin_share", 0.01)),
        max_categories=int(card_params.get("max_categories", 12)),
        l2=float(card_params.get("l2", 1.0)),
        points_to_double_odds=float(card_params.get("points_to_double_odds", 20)),
        anchor_points=float(card_params.get("anchor_points", 100)),
        # anchor_points mean break-even for a sales contact: "100 points -> sales" carries money
        anchor_probability=ec.sales_break_even(values.default, economics),
        seed=seed,
    )
    thresholds = lpt.point_thresholds(card, conversion_value=values.default, economics=economics)
    write_exports(
        card, thresholds, csv_path=REPORTS / "scorecard.csv", yaml_path=REPORTS / "scorecard.yaml"
    )
    points = card.score(labelled_features("test", test))
    figures = lpt.comparison_figures(
        card,
        label=test["label"].to_numpy(),
        p_model=test["p_model"].to_numpy(),
        legacy_points=test["points_point_table"].to_numpy(),
        learned_points=points,
    )
    log.info(
        "learned point table: %d features, AUC %.4f (model %.4f, legacy %.4f) in %.1f s",
        len(card.bins),
        figures["auc_learned_point_table"],
        figures["auc_model"],
        figures["auc_point_table"],
        time.perf_counter() - started,
    )
    return card, points, figures


def channel_economics(econ: dict[str, Any], economics: ec.Economics) -> dict[str, Any]:
    """The reports/channels.json document (KPIs, value vs CPL, attribution); writes its plots."""
    started = time.perf_counter()
    leads, outcomes = interim_if_present("leads"), interim_if_present("outcomes")
    if leads is None or outcomes is None:
        return {"available": False, "reason": "no data/interim leads or outcomes table"}
    document, tables = ch.channel_report(
        leads,
        outcomes,
        interim_if_present("channel_costs"),
        interim_if_present("activities", columns=ch.ACTIVITY_COLUMNS),
        sales_contact_cost=economics.sales_contact_cost,
        maturity_days=int(econ.get("channel_maturity_days", 180)),
        cpl_per_channel=econ.get("cpl_per_channel") or {},
        touch_channels=dict(econ.get("touch_channels") or {}),
    )
    for name, table in tables.items():
        write_csv(PLOTS / f"{name}.csv", table)
    log.info("channel economics in %.1f s", time.perf_counter() - started)
    return document
