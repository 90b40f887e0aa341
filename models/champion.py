"""Champion / challenger: score the current champion on today's test window, gate, register.

The new model is always registered as a version of `lead-scoring` with alias `challenger`; the
`champion` alias moves to it only when the gate in models/promotion.py says so.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from models import registry
from models.metrics import score_metrics
from models.promotion import decide
from models.pyfunc_model import LeadScoringModel

log = logging.getLogger(__name__)


def evaluate_champion(
    client, X_test: pd.DataFrame, y_test: np.ndarray
) -> tuple[str | None, dict | None, str | None]:
    """(version, test metrics, problem) of the current champion on the current test rows."""
    current = registry.version_by_alias(client, registry.CHAMPION)
    if current is None:
        return None, None, None
    version = str(current.version)
    try:
        p = registry.predict_with_version(version, X_test)
    except Exception as exc:  # an old model that cannot score today's features must not block
        problem = (
            f"champion version {version} could not score the current test window "
            f"({type(exc).__name__}: {str(exc)[:200]}); judged against the point table only"
        )
        log.warning(problem)
        return version, None, problem
    return version, score_metrics(y_test, p, bootstrap_samples=0, seed=0), None


def register_and_promote(
    *,
    uri: str,
    model: LeadScoringModel,
    X_test: pd.DataFrame,
    y_test: np.ndarray,
    metrics: dict,
    train_conversions: int,
    primary_metric: str,
    margin: float,
    min_train_conversions: int,
    params: dict,
    artifacts: list[Path],
    tags: dict[str, str],
) -> dict:
    """Log and register the run, apply the gate, move the aliases; returns promotion.json's body.

    ``metrics`` is reports/metrics/model.json's body (test = the model, baselines.point_table).
    """
    client = registry.connect(uri)
    with registry.registry_lock(uri):
        champion_version, champion_metrics, problem = evaluate_champion(client, X_test, y_test)
        challenger, point_table = metrics["test"], metrics["baselines"]["point_table"]
        decision = decide(
            primary_metric=primary_metric,
            margin=margin,
            challenger=challenger,
            point_table=point_table,
            champion=champion_metrics,
            train_conversions=train_conversions,
            min_train_conversions=min_train_conversions,
        )
        reasons = ([problem] if problem else []) + decision.reasons
        run_metrics = metrics | {"promotion": {"promoted": int(decision.promote)}}
        run_id, version = registry.log_training_run(
            model=model,
            X_example=X_test,
            params=params,
            metrics=run_metrics,
            artifacts=artifacts,
            tags=tags,
        )
        registry.set_alias(client, registry.CHALLENGER, version)
        if decision.promote:
            registry.set_alias(client, registry.CHAMPION, version)
        champion_after = version if decision.promote else champion_version
    for reason in reasons:
        (log.info if decision.promote else log.warning)("promotion: %s", reason)
    return {
        "decision": "promoted" if decision.promote else "not promoted",
        "promoted": decision.promote,
        "enough_data": decision.enough_data,
        "signal": decision.signal,
        "reasons": reasons,
        "primary_metric": primary_metric,
        "margin": margin,
        "train_conversions": train_conversions,
        "min_train_conversions": min_train_conversions,
        "challenger": {
            "version": version,
            "run_id": run_id,
            primary_metric: challenger[primary_metric],
            "roc_auc_ci": [challenger["roc_auc_ci_low"], challenger["roc_auc_ci_high"]],
        },
        "point_table": {
            primary_metric: point_table[primary_metric],
            "roc_auc_ci": [point_table["roc_auc_ci_low"], point_table["roc_auc_ci_high"]],
        },
        "champion_before": {
            "version": champion_version,
            primary_metric: None if champion_metrics is None else champion_metrics[primary_metric],
        },
        "champion": {
            "version": champion_after,
            "uri": f"models:/{registry.MODEL_NAME}@{registry.CHAMPION}" if champion_after else None,
        },
    }
