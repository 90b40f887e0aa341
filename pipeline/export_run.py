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
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from features.errors import LeadscoreError
from features.event_log_export import event_log_feature_frame
from features.export_features import select_features
from features.flat_export import ExportFrame, dataset_summary, flat_feature_frame
from features.sources import FLAT, SourceConfig, load_source
from models import registry
from models.economics import Economics
from models.explain import importance_table
from models.export_economics import export_economics, routing_rule
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
from pipeline.outputs import write_json, write_parquet, write_text
from pipeline.params import load_params, section
from scoring.export_scores import NOTHING_TO_SCORE, export_scores, has_open_leads, scores_summary

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
    economics_params = params.get("economics") or {}
    value, rule = routing_rule(config.economics, economics_params)
    out = root / "reports" / "exports" / config.run_name
    work = root / "data" / "exports" / config.run_name

    examples = build_examples(config, params=params, workdir=work)
    if shuffle_labels:
        examples.frame["label"] = np.random.default_rng(seed).permutation(examples.frame["label"])
        log.warning("labels shuffled (--shuffle-labels): there is no signal to find")
    parts = split_rows(examples.frame, config=config, seed=seed)
    # leakage detection must not see the test window; under cross-validation every row is train
    features, constant, leakage = select_features(
        examples, learn=parts != "test", config=config, seed=seed
    )
    frame = examples.frame

    evaluation, final_models, protocol = evaluate(
        lambda: make_estimators(train_params, seed),
        frame,
        features,
        parts,
        config=config,
        train_params=train_params,
        seed=seed,
    )
    samples = int(train_params["bootstrap_samples"])
    metrics = model_metrics(evaluation, samples=samples, seed=seed)
    metrics["protocol"] = protocol
    metrics["dataset"] = dataset_summary(examples, config)
    metrics["features"] = {
        "used": features,
        "constant_dropped": constant,
        "excluded_for_leakage": leakage.excluded,
    }
    metrics["economics"] = export_economics(
        evaluation,
        value=value,
        economics=rule,
        bootstrap_samples=int(economics_params.get("bootstrap_samples", 200)),
        seed=seed,
    )
    signal = check_signal(
        evaluation["label"].to_numpy(),
        evaluation["p_model"],
        {b: evaluation[MODELS[b]] for b in BASELINES},
        samples=samples,
        seed=seed,
    )

    importance = importance_table(final_models["lightgbm"].base, frame[features], seed=seed)
    write_text(out / "importance.csv", importance.to_csv(index=False, float_format="%.6g"))
    write_json(out / "leakage.json", leakage.as_dict() | {"source": config.run_name})
    write_json(out / "examples.json", examples.report)
    write_parquet(work / "predictions.parquet", evaluation)
    metrics["scoring"] = write_open_lead_scores(
        examples.open_leads,
        model=final_models["lightgbm"],
        features=features,
        value=value,
        economics=rule,
        path=work / "scores.csv",
    )
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


def build_examples(config: SourceConfig, *, params: dict, workdir: Path) -> ExportFrame:
    """The labelled examples: a flat export's rows, or an event log through ingest and features."""
    if config.kind == FLAT:
        return flat_feature_frame(config)
    return event_log_feature_frame(config, workdir=workdir, params=params)


def write_open_lead_scores(
    open_leads: pd.DataFrame | None,
    *,
    model,
    features: list[str],
    value: float,
    economics: Economics,
    path: Path,
) -> dict:
    """Score the open leads into ``path``; returns metrics.json `scoring`."""
    if not has_open_leads(open_leads):
        return dict(NOTHING_TO_SCORE)
    probability = model.predict_proba(open_leads[features])[:, 1]
    scores = export_scores(open_leads, probability, value=value, economics=economics)
    write_text(path, scores.to_csv(index=False))
    return scores_summary(scores, path)


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
