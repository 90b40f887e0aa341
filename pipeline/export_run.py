"""`leadscore run-export --config configs/<name>.yaml`: a real CRM export end to end.

One command for an export described by a source config (features/sources.py): build the
labelled examples (flat: one row per lead; event log: contract tables through ingest and the
feature code), check for leakage and exclude what leaks, evaluate the model against the
baselines with the protocol the data allows (out-of-time with dates, stratified k-fold
cross-validation without), calibrate, price the routing, log to MLflow under the source's own
registered model (`lead-scoring-<name>`, so the synthetic champion is never replaced), pass
the same kind of gate — no signal, no promotion — and score the leads that are still open.

Outputs (``<name>`` is the config's name, plus `.<variant>` for a variant):
  reports/exports/<name>/{metrics,leakage,promotion,examples}.json, importance.csv
  data/exports/<name>/predictions.parquet (evaluation rows), scores.csv (open leads)
  data/exports/<name>/data/interim/ (event logs: the ingested contract tables)
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from features.errors import LeadscoreError
from features.event_log_export import event_log_feature_frame
from features.export_features import EMPTY_FIELDS, PRIOR_LEADS_SUFFIX, empty_field_count
from features.flat_export import ExportFrame, flat_feature_frame
from features.leakage import detect_leakage
from features.sources import CROSS_VALIDATION, FLAT, SourceConfig, load_source
from models import economics as ec
from models import registry
from models.explain import importance_table
from models.export_promotion import gate_and_register
from models.export_protocol import (
    BASELINES,
    MODELS,
    evaluate,
    make_estimators,
    model_metrics,
    split_rows,
    train_settings,
)
from models.signal_gate import check_signal
from pipeline.outputs import atomic_path, write_json, write_text
from pipeline.params import load_params, section
from scoring.output import neutralise

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", help="source config YAML (default: source.config in params.yaml)"
    )
    parser.add_argument("--variant", help="apply a named entry of the config's `variants` section")
    parser.add_argument(
        "--shuffle-labels",
        action="store_true",
        help="permute the labels first (a no-signal check: the run must refuse to promote)",
    )
    parser.add_argument(
        "--no-mlflow", action="store_true", help="skip MLflow logging and the gate's registry part"
    )


def config_path(args: argparse.Namespace, params: dict) -> str:
    """--config, else params.yaml source.config when source.kind is file."""
    if args.config:
        return args.config
    source = params.get("source") or {}
    if source.get("kind") == "file" and source.get("config"):
        return str(source["config"])
    raise LeadscoreError(
        "leadscore run-export: no source config; pass --config configs/<name>.yaml or set "
        "source.kind: file and source.config in params.yaml"
    )


def run(args: argparse.Namespace) -> int:
    params = load_params(args.params)
    config = load_source(config_path(args, params), variant=args.variant)
    result = run_export(
        config,
        params=params,
        root=Path("."),
        uri=None if args.no_mlflow else registry.tracking_uri(),
        shuffle_labels=args.shuffle_labels,
    )
    for line in summary_lines(result):
        print(line)
    return 0


# ---------------------------------------------------------------- the run


def run_export(
    config: SourceConfig,
    *,
    params: dict,
    root: Path,
    uri: str | None,
    shuffle_labels: bool = False,
) -> dict:
    """Everything for one export; returns metrics.json's body (promotion included)."""
    started = time.perf_counter()
    seed = int(section(params, "seed"))
    train_params = train_settings(section(params, "train"), config)
    out = root / "reports" / "exports" / config.run_name
    work = root / "data" / "exports" / config.run_name

    examples = build_examples(config, params=params, workdir=work)
    if shuffle_labels:
        examples.frame["label"] = np.random.default_rng(seed).permutation(examples.frame["label"])
        log.warning("labels shuffled (--shuffle-labels): there is no signal to find")
    frame = examples.frame
    constant = [c for c in examples.features if frame[c].nunique(dropna=False) <= 1]
    parts = split_rows(frame, config, seed)

    learn = (
        parts != "test" if config.protocol.kind != CROSS_VALIDATION else np.ones(len(frame), bool)
    )
    candidates = [c for c in examples.features if c not in constant]
    leakage = detect_leakage(
        frame.loc[learn, candidates].reset_index(drop=True),
        frame.loc[learn, "label"].to_numpy(),
        feature_columns=examples.feature_columns,
        settings=config.leakage,
        timestamps=examples.timestamps[learn].reset_index(drop=True),
        outcome_at=examples.outcome_at[learn].reset_index(drop=True),
        seed=seed,
    )
    features = [c for c in candidates if c not in leakage.excluded_features]
    if not features:
        raise LeadscoreError(
            f"{config.file}: no feature is left after leakage exclusion; "
            "check tables.*.extra and leakage.keep"
        )
    if config.empty_fields:
        features = add_empty_fields(examples, features, config)
        frame = examples.frame
    log.info(
        "%d features (%d constant dropped, %d excluded for leakage)",
        len(features),
        len(constant),
        len(leakage.excluded_features),
    )

    evaluation, final_models, protocol = evaluate(
        lambda: make_estimators(train_params, seed),
        frame,
        features,
        parts,
        config=config,
        train_params=train_params,
        seed=seed,
    )
    y = evaluation["label"].to_numpy()
    samples = int(train_params["bootstrap_samples"])
    metrics = model_metrics(evaluation, samples=samples, seed=seed)
    metrics["protocol"] = protocol
    metrics["dataset"] = dataset_summary(examples, frame, config)
    metrics["features"] = {
        "used": features,
        "constant_dropped": constant,
        "excluded_for_leakage": leakage.excluded,
    }
    metrics["economics"] = export_economics(evaluation, config=config, params=params, seed=seed)
    signal = check_signal(
        y,
        evaluation["p_model"],
        {b: evaluation[MODELS[b]] for b in BASELINES},
        samples=samples,
        seed=seed,
    )

    importance = importance_table(final_models["lightgbm"].base, frame[features], seed=seed)
    write_text(out / "importance.csv", importance.to_csv(index=False, float_format="%.6g"))
    write_json(out / "leakage.json", leakage.as_dict() | {"source": config.run_name})
    write_json(out / "examples.json", examples.report)
    _write_parquet(evaluation, work / "predictions.parquet")
    metrics["scoring"] = score_open_leads(examples, final_models, features, config, params, work)
    write_json(out / "metrics.json", metrics)

    promotion = gate_and_register(
        config=config,
        uri=uri,
        signal=signal,
        metrics=metrics,
        final_models=final_models,
        X_example=frame[features],
        train_params=train_params,
        params=params,
        out=out,
        shuffled=shuffle_labels,
    )
    write_json(out / "promotion.json", promotion)
    if "challenger" in promotion:
        registry.add_artifact(uri, promotion["challenger"]["run_id"], out / "promotion.json")
    metrics["promotion"] = promotion
    metrics["leakage"] = {"flagged": list(leakage.flagged), "excluded": leakage.excluded}
    log.info(
        "%s: done in %.1f s; results in %s", config.run_name, time.perf_counter() - started, out
    )
    return metrics


def add_empty_fields(examples: ExportFrame, features: list[str], config: SourceConfig) -> list[str]:
    """derived.empty_fields: the number of empty export fields among the features that passed
    leakage detection (an excluded field's emptiness must not come back), on the examples and
    the open leads alike; returns the features with it."""
    export_columns = set(config.roles())
    fields = [
        c
        for c in features
        if examples.feature_columns.get(c) in export_columns and not c.endswith(PRIOR_LEADS_SUFFIX)
    ]
    examples.frame[EMPTY_FIELDS] = empty_field_count(examples.frame, fields)
    if examples.open_leads is not None:
        examples.open_leads[EMPTY_FIELDS] = empty_field_count(examples.open_leads, fields)
    examples.feature_columns[EMPTY_FIELDS] = EMPTY_FIELDS
    log.info("derived.empty_fields: empty fields counted over %d columns", len(fields))
    return [*features, EMPTY_FIELDS]


def build_examples(config: SourceConfig, *, params: dict, workdir: Path) -> ExportFrame:
    if config.kind == FLAT:
        return flat_feature_frame(config)
    return event_log_feature_frame(config, workdir=workdir, params=params)


# ---------------------------------------------------------------- figures


def dataset_summary(examples: ExportFrame, frame: pd.DataFrame, config: SourceConfig) -> dict:
    """Size, conversion rate, censoring and a fingerprint of the export's files."""
    report = examples.report
    summary = {
        "source": config.run_name,
        "kind": config.kind,
        "rows": int(len(frame)),
        "positives": int(frame["label"].sum()),
        "positive_rate": float(frame["label"].mean()),
        "censored": int(report.get("censored", 0)),
        "data_sha256": data_fingerprint(config),
    }
    if config.horizon_days:
        start = "first contact" if config.kind != FLAT else "creation"
        summary["label"] = f"converted within {config.horizon_days} days of {start}"
    return summary


def data_fingerprint(config: SourceConfig) -> str:
    """sha256 over the export's files, so runs on the same data can be recognised."""
    digest = hashlib.sha256()
    tables = [*config.tables.values(), *(lookup.table for lookup in config.lookups)]
    for table in sorted(tables, key=lambda t: t.name):
        digest.update(table.path.read_bytes())
    return digest.hexdigest()


def routing_rule(config: SourceConfig, params: dict) -> tuple[float, ec.Economics]:
    """(value of a conversion, costs) from the source config, else params.yaml `economics`."""
    defaults = params.get("economics") or {}

    def setting(key: str, default_key: str | None = None) -> float:
        return float(config.economics.get(key, defaults.get(default_key or key, 0)))

    economics = ec.Economics(
        sales_contact_cost=setting("sales_contact_cost"),
        nurture_touch_cost=setting("nurture_touch_cost"),
        nurture_uplift=setting("nurture_uplift"),
    )
    return setting("conversion_value", "fixed_conversion_value"), economics


def export_economics(evaluation: pd.DataFrame, *, config, params, seed: int) -> dict:
    """Realised profit of routing by the model, the logistic baseline, everyone and no one."""
    value, economics = routing_rule(config, params)
    y = evaluation["label"].to_numpy()
    routes = {
        "model": ec.route_leads(evaluation["p_model"].to_numpy(), value, economics),
        "logistic": ec.route_leads(evaluation["p_logistic"].to_numpy(), value, economics),
        "contact_all": np.full(len(y), ec.SALES),
        "contact_none": np.full(len(y), ec.NONE),
    }
    samples = int((params.get("economics") or {}).get("bootstrap_samples", 200))
    figures = ec.compare_policies(
        y,
        np.full(len(y), value),
        evaluation["lead_id"].to_numpy(),
        routes,
        economics,
        bootstrap_samples=samples,
        seed=seed,
    )
    settings = dataclasses.asdict(economics) | {"conversion_value": value}
    return figures | {"thresholds": ec.implied_thresholds(value, economics), "settings": settings}


def score_open_leads(examples, models, features, config, params, work: Path) -> dict:
    """Score the leads not labelled yet (censored: their horizon still runs) with the model."""
    open_leads = examples.open_leads
    if open_leads is None or open_leads.empty:
        return {"open_leads": 0, "note": "every lead of the export is labelled: nothing to score"}
    p = models["lightgbm"].predict_proba(open_leads[features])[:, 1]
    value, rule = routing_rule(config, params)
    routes = ec.route_leads(p, value, rule)
    scores = pd.DataFrame(
        {
            "lead_id": neutralise(open_leads["lead_id"]),
            "as_of": open_leads["as_of"].dt.date.astype("str"),
            "score": ec.score_from_probability(p),
            "probability": np.round(p, 6),
            "tier": ec.tiers_of(routes),
            "route": routes,
        }
    ).sort_values(["score", "lead_id"], ascending=[False, True])
    path = work / "scores.csv"
    write_text(path, scores.to_csv(index=False))
    counts = pd.Series(routes).value_counts().to_dict()
    return {
        "open_leads": int(len(scores)),
        "file": str(path),
        "routes": {k: int(v) for k, v in counts.items()},
    }


def _write_parquet(table: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        table.to_parquet(tmp, index=False)


def summary_lines(result: dict) -> list[str]:
    """What the run prints: the figures of the README results table and the decision."""
    data, test, base = result["dataset"], result["test"], result["baselines"]
    lines = [
        f"{data['source']}: {data['rows']} examples, {100 * data['positive_rate']:.1f} % converted"
        f", protocol {result['protocol']['kind']}",
        f"  model        ROC AUC {test['roc_auc']:.4f} [{test['roc_auc_ci_low']:.4f}, "
        f"{test['roc_auc_ci_high']:.4f}]  PR AUC {test['pr_auc']:.4f}  ECE {test['ece']:.4f}",
    ]
    for name in BASELINES:
        b = base[name]
        lines.append(
            f"  {name:<12} ROC AUC {b['roc_auc']:.4f}  PR AUC {b['pr_auc']:.4f}  ECE {b['ece']:.4f}"
        )
    lines.append(f"  leakage: excluded {', '.join(result['leakage']['excluded']) or 'nothing'}")
    lines.append(f"  promotion: {result['promotion']['decision']}")
    lines += [f"    {r}" for r in result["promotion"]["reasons"]]
    return lines
