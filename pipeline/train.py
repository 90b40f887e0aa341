"""`leadscore train`: fit the model and baselines, calibrate, evaluate, explain, register, gate.

Reads data/features/{train,validation,test}.parquet (and the Bayes limit when it exists); writes
data/models/, data/predictions/, reports/metrics/model.json, reports/promotion.json,
reports/plots/models/, reports/importance.csv, and one MLflow run with a registered version.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from features.errors import LeadscoreError
from pipeline.outputs import atomic_path, write_json, write_parquet, write_text
from pipeline.params import load_params, section

log = logging.getLogger(__name__)

SPLITS = ("train", "validation", "test")
MODELS_DIR = Path("data/models")
PREDICTIONS_DIR = Path("data/predictions")
METRICS_FILE = Path("reports/metrics/model.json")
PROMOTION_FILE = Path("reports/promotion.json")
PLOTS_DIR = Path("reports/plots/models")
IMPORTANCE_FILE = Path("reports/importance.csv")
FEATURE_CATALOG = Path("reports/features.md")
# model -> the name its curves carry in reports/plots/models/ ("model" is the LightGBM)
PLOT_NAMES = {
    "lightgbm": "model",
    "logistic": "logistic",
    "frequency_nb": "frequency_nb",
    "point_table": "point_table",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--features-dir", default="data/features", help="folder of train/validation/test.parquet"
    )
    parser.add_argument(
        "--ground-truth",
        default="data/ground_truth/bayes_limit.parquet",
        help="Bayes-limit probabilities for the oracle metrics (skipped when absent)",
    )


def read_feature_sets(directory: str | Path) -> tuple[dict[str, pd.DataFrame], dict]:
    """The three windows and their 0/1 labels; each must hold train's features and both outcomes."""
    from models.frames import check_columns, feature_names, labels_of

    frames, labels = {}, {}
    for split in SPLITS:
        path = Path(directory) / f"{split}.parquet"
        if not path.exists():
            raise LeadscoreError(f"{path}: not found; run `leadscore featurize` first")
        frames[split] = pd.read_parquet(path)
        labels[split] = labels_of(frames[split], str(path))
        if labels[split].sum() in (0, len(labels[split])):
            raise LeadscoreError(
                f"{path}: {len(labels[split])} rows, {int(labels[split].sum())} conversions; "
                "each window needs converted and unconverted leads; widen the split windows"
            )
        check_columns(frames[split], feature_names(frames["train"]), str(path))
    return frames, labels


def _save_model(model, path: Path) -> None:
    import joblib

    with atomic_path(path) as tmp:
        joblib.dump(model, tmp)


def _plot_scores(test: pd.DataFrame) -> dict[str, np.ndarray]:
    from models.training import PREDICTION_COLUMNS

    scores = {PLOT_NAMES[name]: test[col].to_numpy() for name, col in PREDICTION_COLUMNS.items()}
    if test["p_oracle"].notna().all():  # every curve uses the same rows, so only when complete
        scores["oracle"] = test["p_oracle"].to_numpy()
    return scores


def _run_tags(models: dict) -> dict[str, str]:
    """What makes a run traceable: the code commit, the pipeline lock, the calibration chosen."""
    from models import registry

    return {
        "git_commit": registry.git_commit(),
        "dvc_lock_sha256": registry.file_sha256("dvc.lock"),
    } | {f"calibration.{name}": model.method_ for name, model in models.items()}


def run(args: argparse.Namespace) -> int:
    # imported here: the CLI imports every stage module, and MLflow alone takes seconds to load
    from models import registry
    from models.champion import register_and_promote
    from models.evaluation import (
        evaluate,
        oracle_probabilities,
        read_bayes_limit,
        validation_summary,
    )
    from models.explain import importance_table
    from models.frames import feature_names
    from models.metrics import HIGHER_IS_BETTER
    from models.plots import write_plots
    from models.pyfunc_model import LeadScoringModel
    from models.training import build_estimators, fit_models, predictions

    started = time.perf_counter()
    params = load_params(args.params)
    train_params, seed = section(params, "train"), int(section(params, "seed"))
    if train_params.get("primary_metric") not in HIGHER_IS_BETTER:
        raise LeadscoreError(
            f"{args.params}: train.primary_metric {train_params.get('primary_metric')!r} is not "
            f"one of {sorted(HIGHER_IS_BETTER)}"
        )
    frames, y = read_feature_sets(args.features_dir)
    names = feature_names(frames["train"])
    X = {split: frames[split][names] for split in SPLITS}
    log.info(
        "training on %d rows (%d conversions); validation %d rows, test %d rows; %d features",
        len(y["train"]), y["train"].sum(), len(y["validation"]), len(y["test"]), len(names),
    )  # fmt: skip

    estimators = build_estimators(
        seed=seed,
        lightgbm=section(params, "train.lightgbm"),
        logistic=section(params, "train.logistic"),
        frequency_nb=section(params, "train.frequency_nb"),
        point_table=section(params, "point_table"),
    )
    models = fit_models(
        estimators, X["train"], y["train"], X["validation"], y["validation"],
        calibration_min_positives=int(train_params["calibration_min_positives"]),
        refit_on_validation=bool(train_params.get("refit_on_validation", False)),
    )  # fmt: skip
    log.info("all models fitted in %.1f s", time.perf_counter() - started)

    truth = read_bayes_limit(args.ground_truth)
    if truth is None:
        log.info("%s absent: no oracle metrics (not the synthetic CRM)", args.ground_truth)
    tables = {
        split: predictions(
            frames[split], X[split], models, oracle_probabilities(frames[split], truth)
        )
        for split in ("validation", "test")
    }
    metrics = evaluate(
        tables["test"],
        calibration={name: model.method_ for name, model in models.items()},
        bootstrap_samples=int(train_params["bootstrap_samples"]),
        seed=seed,
    )
    lightgbm = models["lightgbm"].base
    # leads, not snapshot rows: one conversion labels up to horizon / frequency snapshots
    converted_leads = int(frames["train"].loc[y["train"] == 1, "lead_id"].nunique())
    metrics["train"] = {
        "n": len(y["train"]),
        "positives": int(y["train"].sum()),
        "converted_leads": converted_leads,
        "best_iteration": lightgbm.best_iteration_,
    }  # no timings here: the same inputs must give the same metrics file
    metrics["validation"] = {"roc_auc": validation_summary(tables["validation"])}

    for split, table in tables.items():
        write_parquet(PREDICTIONS_DIR / f"{split}.parquet", table)
    for name, model in models.items():
        _save_model(model, MODELS_DIR / f"{name}.joblib")
    write_plots(PLOTS_DIR, y["test"], _plot_scores(tables["test"]), chosen="model")
    importance = importance_table(
        lightgbm, X["test"], max_rows=int(train_params.get("explain_rows", 5000)), seed=seed
    )
    write_text(IMPORTANCE_FILE, importance.to_csv(index=False, float_format="%.6g"))
    write_json(METRICS_FILE, metrics)

    uri = registry.tracking_uri()
    promotion = register_and_promote(
        uri=uri,
        model=LeadScoringModel(models["lightgbm"]),
        X_test=X["test"],
        y_test=y["test"],
        metrics=metrics,
        train_conversions=converted_leads,
        primary_metric=train_params["primary_metric"],
        margin=float(train_params["promotion_margin"]),
        min_train_conversions=int(train_params["min_train_conversions"]),
        params=params,
        artifacts=[PLOTS_DIR, FEATURE_CATALOG, IMPORTANCE_FILE, METRICS_FILE],
        tags=_run_tags(models),
    )
    write_json(PROMOTION_FILE, promotion)
    registry.add_artifact(uri, promotion["challenger"]["run_id"], PROMOTION_FILE)
    log.info(
        "test ROC AUC: model %.4f, point table %.4f%s; %s; champion version %s; %.1f s in all",
        metrics["test"]["roc_auc"],
        metrics["baselines"]["point_table"]["roc_auc"],
        f", Bayes limit {metrics['oracle']['roc_auc']:.4f}" if "oracle" in metrics else "",
        promotion["decision"],
        promotion["champion"]["version"],
        time.perf_counter() - started,
    )
    return 0
