"""The evaluation protocol of an export: out of time with dates, stratified k-fold CV without.

The same estimators as the synthetic CRM's training (models.training): LightGBM and the two
baselines that apply to any export, the frequency naive Bayes and logistic regression. The
legacy point table does not apply: its rules name the synthetic CRM's features.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from features.errors import LeadscoreError
from features.sources import CROSS_VALIDATION, SourceConfig
from models.cross_validation import cross_validate, fit_with_validation
from models.metrics import score_metrics
from models.training import build_estimators, fit_models

MODELS = {"lightgbm": "p_model", "logistic": "p_logistic", "frequency_nb": "p_frequency_nb"}
BASELINES = ("frequency_nb", "logistic")
POINT_TABLE_NOTE = (
    "not applicable: the legacy point table's rules name the synthetic CRM's features "
    "(seniority, pricing-page visits, ...), which a foreign export does not have"
)


def train_settings(train: dict, config: SourceConfig) -> dict:
    """params.yaml's `train` section with the source config's `train` section merged over it."""
    merged = {k: (dict(v) if isinstance(v, dict) else v) for k, v in train.items()}
    for key, value in config.train.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merged[key] | value
        else:
            merged[key] = value
    return merged


def make_estimators(train_params: dict, seed: int) -> dict:
    """LightGBM and the two baselines that apply to any export (no point table)."""
    estimators = build_estimators(
        seed=seed,
        lightgbm=train_params["lightgbm"],
        logistic=train_params["logistic"],
        frequency_nb=train_params["frequency_nb"],
        point_table={},
    )
    return {name: estimators[name] for name in MODELS}


def split_rows(frame: pd.DataFrame, config: SourceConfig, seed: int) -> np.ndarray:
    """'train' / 'validation' / 'test' per row (out-of-time), or 'train' everywhere (CV).

    Out-of-time: test = as_of from protocol.test_from on (default: the latest 20 % of dates);
    validation = the protocol.validation_days before it, or with `validation: random` a
    stratified random share of the earlier rows (when the earliest period holds too few
    conversions to learn from, a later window would starve the training set).
    """
    protocol = config.protocol
    if protocol.kind == CROSS_VALIDATION:
        return np.full(len(frame), "train", dtype=object)
    as_of = frame["as_of"]
    test_from = protocol.test_from or as_of.quantile(0.8).normalize()
    test = (as_of >= test_from).to_numpy()
    if protocol.validation == "random":
        earlier = np.flatnonzero(~test)
        if frame["label"].iloc[earlier].nunique() < 2:
            raise LeadscoreError(
                f"{config.file}: the leads before protocol.test_from need both outcomes"
            )
        _, chosen = train_test_split(
            earlier,
            test_size=protocol.validation_share,
            stratify=frame["label"].to_numpy()[earlier],
            random_state=seed,
        )
        validation = np.isin(np.arange(len(frame)), chosen)
    else:
        start = test_from - pd.Timedelta(days=protocol.validation_days)
        validation = ~test & (as_of >= start).to_numpy()
    parts = np.where(test, "test", np.where(validation, "validation", "train")).astype(object)
    for part in ("train", "validation", "test"):
        labels = frame.loc[parts == part, "label"]
        if labels.nunique() < 2:
            raise LeadscoreError(
                f"{config.file}: the {part} window ({int(len(labels))} examples, "
                f"{int(labels.sum())} converted) needs both outcomes; move protocol.test_from "
                "or protocol.validation_days"
            )
    return parts


def evaluate(
    make_estimators: Callable[[], dict],
    frame: pd.DataFrame,
    features: list[str],
    parts: np.ndarray,
    *,
    config: SourceConfig,
    train_params: dict,
    seed: int,
) -> tuple[pd.DataFrame, dict, dict]:
    """(evaluation predictions, models fitted for scoring, protocol description)."""
    X, y = frame[features], frame["label"].to_numpy()
    min_positives = int(train_params["calibration_min_positives"])
    protocol = config.protocol
    keys = frame[["lead_id", "as_of", "label"]]
    if protocol.kind == CROSS_VALIDATION:
        cv = cross_validate(
            make_estimators,
            X,
            y,
            folds=protocol.folds,
            validation_share=protocol.validation_share,
            seed=seed,
            calibration_min_positives=min_positives,
        )
        evaluation = keys.assign(**{MODELS[n]: cv.predictions[n].to_numpy() for n in MODELS})
        evaluation["fold"] = cv.fold
        final = fit_with_validation(
            make_estimators,
            X,
            y,
            validation_share=protocol.validation_share,
            seed=seed,
            calibration_min_positives=min_positives,
        )
        description = {
            "kind": CROSS_VALIDATION,
            "description": f"stratified {protocol.folds}-fold cross-validation (no dates in the "
            "export); each fold's training part split again for early stopping and calibration",
            "folds": protocol.folds,
            "validation_share": protocol.validation_share,
            "per_fold": cv.summary(),
            "calibration": cv.calibration,
        }
        return evaluation, final, description
    rows = {part: parts == part for part in ("train", "validation", "test")}
    models = fit_models(
        make_estimators(),
        X[rows["train"]],
        y[rows["train"]],
        X[rows["validation"]],
        y[rows["validation"]],
        calibration_min_positives=min_positives,
    )
    test = rows["test"]
    evaluation = keys[test].reset_index(drop=True)
    for name, column in MODELS.items():
        evaluation[column] = models[name].predict_proba(X[test])[:, 1]
    validation = (
        "the window before the test"
        if protocol.validation == "latest"
        else "a stratified random share of the earlier leads"
    )
    description = {
        "kind": "out_of_time",
        "description": "train on earlier leads, test on the latest ones; early stopping and "
        f"calibration on {validation}",
        "validation": protocol.validation,
        "calibration": {name: model.method_ for name, model in models.items()},
        "windows": window_summary(frame, parts),
    }
    return evaluation, models, description


def window_summary(frame: pd.DataFrame, parts: np.ndarray) -> dict:
    """Rows, conversions and first / last as_of of each part."""
    summary = {}
    for part in ("train", "validation", "test"):
        rows = frame[parts == part]
        summary[part] = {
            "rows": int(len(rows)),
            "positives": int(rows["label"].sum()),
            "first": rows["as_of"].min().date().isoformat(),
            "last": rows["as_of"].max().date().isoformat(),
        }
    return summary


def model_metrics(evaluation: pd.DataFrame, *, samples: int, seed: int) -> dict:
    """`test` for the model, `baselines` for the others (as reports/metrics/model.json)."""
    y = evaluation["label"].to_numpy()
    figures = {
        name: score_metrics(y, evaluation[column], bootstrap_samples=samples, seed=seed)
        for name, column in MODELS.items()
    }
    return {
        "test": figures["lightgbm"],
        "baselines": {b: figures[b] for b in BASELINES} | {"point_table": POINT_TABLE_NOTE},
    }
