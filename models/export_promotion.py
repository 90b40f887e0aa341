"""Promotion of an export's model: no signal, no promotion; its own registered model name.

The gate (models.signal_gate) must find the model better than the base rate and both baselines
beyond the paired bootstrap uncertainty; the data must hold `train.min_train_conversions`
conversions; and the model must beat the source's current champion by the promotion margin
(compared on the champion's logged evaluation, which says whether it was on the same data).
Every run is logged to MLflow and registered as `challenger` under the source's own name
(`lead-scoring-<name>`), so a real export never replaces the synthetic CRM's champion.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from features.sources import SourceConfig
from models import registry
from models.promotion import improvement
from models.pyfunc_model import LeadScoringModel
from models.signal_gate import SignalCheck

log = logging.getLogger(__name__)

EXPERIMENT = "leadscore-exports"


def gate_and_register(
    *,
    config: SourceConfig,
    uri: str | None,
    signal: SignalCheck,
    metrics: dict,
    final_models: dict,
    X_example: pd.DataFrame,
    train_params: dict,
    params: dict,
    out: Path,
    shuffled: bool,
) -> dict:
    """The promotion decision (signal, enough data, beats the export's champion) and MLflow."""
    primary = train_params["primary_metric"]
    margin = float(train_params["promotion_margin"])
    # out of time: the conversions the model learned from; cross-validation: all of them
    windows = metrics["protocol"].get("windows", {})
    positives = windows.get("train", {}).get("positives", metrics["dataset"]["positives"])
    minimum = int(train_params["min_train_conversions"])
    reasons = list(signal.reasons)
    enough = positives >= minimum
    if not enough:
        reasons.append(
            f"too little data: {positives} conversions to learn from, fewer than "
            f"train.min_train_conversions = {minimum}"
        )
    if shuffled:
        reasons.append("labels were shuffled (--shuffle-labels): never promoted")
    decision = {
        "registered_model": config.registered_model,
        "primary_metric": primary,
        "margin": margin,
        "signal": signal.as_dict(),
        "enough_data": enough,
        "train_conversions": int(positives),
        "promoted": False,
    }
    if uri is None:
        reasons.append("MLflow skipped (--no-mlflow): nothing registered or promoted")
        return decision | {"decision": "not promoted", "reasons": reasons}
    client = registry.connect(uri, experiment=EXPERIMENT)
    champion = registry.version_by_alias(client, registry.CHAMPION, name=config.registered_model)
    beats_champion, champion_info = True, {"version": None}
    if champion is None:
        reasons.append("no champion yet for this source: promoted if the checks above pass")
    else:
        run = client.get_run(champion.run_id)
        previous = run.data.metrics.get(f"test.{primary}")
        same_data = run.data.tags.get("data_sha256") == metrics["dataset"]["data_sha256"]
        champion_info = {"version": champion.version, primary: previous, "same_data": same_data}
        if previous is not None:
            gain = improvement(metrics["test"][primary], previous, primary)
            beats_champion = gain > margin
            reasons.append(
                f"{primary} {metrics['test'][primary]:.4f} vs champion version "
                f"{champion.version} {previous:.4f} (its own evaluation"
                f"{'' if same_data else ', on different data'}): "
                f"{'better' if beats_champion else 'not better'} by more than {margin}"
            )
    promote = signal.signal and enough and beats_champion and not shuffled
    if promote:
        reasons.append("promoted to champion")
    else:
        stays = f"version {champion.version} stays champion" if champion else "no champion yet"
        reasons.append(f"not promoted: {stays}")
    for reason in reasons:
        (log.info if promote else log.warning)("promotion: %s", reason)
    run_id, version = registry.log_training_run(
        model=LeadScoringModel(final_models["lightgbm"]),
        X_example=X_example,
        params={
            "source": config.run_name,
            "source_config": str(config.file),
            "train": train_params,
            "seed": params.get("seed"),
        },
        metrics={k: v for k, v in metrics.items() if k in ("test", "baselines", "economics")},
        artifacts=[out, config.file],
        tags={
            "source": config.run_name,
            "data_sha256": metrics["dataset"]["data_sha256"],
            "protocol": metrics["protocol"]["kind"],
            "git_commit": registry.git_commit(),
        },
        run_name=f"export-{config.run_name}",
        name=config.registered_model,
    )
    registry.set_alias(client, registry.CHALLENGER, version, name=config.registered_model)
    if promote:
        registry.set_alias(client, registry.CHAMPION, version, name=config.registered_model)
    return decision | {
        "decision": "promoted" if promote else "not promoted",
        "promoted": promote,
        "reasons": reasons,
        "challenger": {"version": version, "run_id": run_id},
        "champion_before": champion_info,
        "champion": {
            "version": version if promote else champion_info["version"],
            "uri": f"models:/{config.registered_model}@{registry.CHAMPION}",
        },
    }
