"""MLflow tracking and the `lead-scoring` model registry with challenger / champion aliases.

The store is sqlite `mlflow.db` at the project root with artifacts in `mlartifacts/`, unless
MLFLOW_TRACKING_URI says otherwise. Every training run logs its parameters, metrics, plots,
feature catalog, git commit and dvc.lock hash, and registers the model as a new version.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import subprocess
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from filelock import FileLock
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature

from models.pyfunc_model import LeadScoringModel

log = logging.getLogger(__name__)

MODEL_NAME = "lead-scoring"
EXPERIMENT_NAME = "leadscore"
CHAMPION = "champion"
CHALLENGER = "challenger"
MLFLOW_PARAM_LIMIT = 6000  # characters MLflow keeps of a parameter value
# pinned here so logging a model does not start a slow requirements-inference subprocess
PIP_PACKAGES = ("mlflow", "lightgbm", "scikit-learn", "pandas", "numpy", "scipy", "pyarrow")


def tracking_uri(root: str | Path = ".") -> str:
    """MLFLOW_TRACKING_URI if set, else sqlite:///<root>/mlflow.db."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{Path(root).resolve()}/mlflow.db"


def _artifact_folder(uri: str) -> Path | None:
    """mlartifacts/ beside a sqlite store; None for a server, which decides for itself."""
    if uri.startswith("sqlite:///"):
        return Path(uri.removeprefix("sqlite:///")).parent / "mlartifacts"
    return None


def artifact_location(uri: str) -> str | None:
    folder = _artifact_folder(uri)
    return folder.as_uri() if folder else None


def connect(uri: str, experiment: str = EXPERIMENT_NAME) -> MlflowClient:
    """Point MLflow at the store and make sure the experiment exists (with its artifact folder)."""
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    if client.get_experiment_by_name(experiment) is None:
        client.create_experiment(experiment, artifact_location=artifact_location(uri))
    mlflow.set_experiment(experiment)
    return client


def registry_lock(uri: str):
    """One gate at a time on a local store: two trainings must not both find no champion.

    A file lock beside a sqlite store (in its mlartifacts/); servers handle their own writes.
    """
    folder = _artifact_folder(uri)
    if folder is None:
        return contextlib.nullcontext()
    folder.mkdir(parents=True, exist_ok=True)
    return FileLock(folder / ".registry.lock")


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested params / metrics as dotted keys; lists are indexed (rules.0, rules.1, ...)."""
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list) and any(isinstance(v, dict | list) for v in data):
        items = ((str(i), v) for i, v in enumerate(data))
    else:
        return {prefix: data}
    flat: dict[str, Any] = {}
    for key, value in items:
        flat.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def numeric_metrics(metrics: dict) -> dict[str, float]:
    """The numbers of a nested metrics dict, dotted, for mlflow.log_metrics."""
    return {
        key: float(value)
        for key, value in flatten(metrics).items()
        if isinstance(value, int | float) and not isinstance(value, bool) and value == value
    }


def git_commit(root: str | Path = ".") -> str:
    """HEAD's commit, or 'unknown' outside a git checkout."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return result.stdout.strip() if result.returncode == 0 else "unknown"


def file_sha256(path: str | Path) -> str:
    """sha256 of a file, or 'absent'."""
    path = Path(path)
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"


def version_by_alias(client: MlflowClient, alias: str, name: str = MODEL_NAME):
    """The model version carrying ``alias``, or None when there is none (or no model yet)."""
    try:
        return client.get_model_version_by_alias(name, alias)
    except MlflowException:
        return None


def predict_with_version(version: str, X: pd.DataFrame, name: str = MODEL_NAME) -> pd.Series:
    """P(convert) from a registered version through its pyfunc interface (signature enforced)."""
    output = mlflow.pyfunc.load_model(f"models:/{name}/{version}").predict(X)
    return pd.DataFrame(output).iloc[:, 0].astype(float)


def _pip_requirements() -> list[str]:
    from importlib.metadata import version

    return [f"{package}=={version(package)}" for package in PIP_PACKAGES]


def log_training_run(
    *,
    model: LeadScoringModel,
    X_example: pd.DataFrame,
    params: dict,
    metrics: dict,
    artifacts: list[Path],
    tags: dict[str, str],
    run_name: str = "train",
    name: str = MODEL_NAME,
) -> tuple[str, str]:
    """One MLflow run with params, metrics, artifacts, tags and the registered pyfunc.

    Returns (run_id, new model version). The caller has connected to the store.
    """
    example = X_example[model.feature_names].head(5)
    signature = infer_signature(example, model.predict(None, example))
    with mlflow.start_run(run_name=run_name) as run:
        mlflow.log_params({k: str(v)[:MLFLOW_PARAM_LIMIT] for k, v in flatten(params).items() if k})
        mlflow.log_metrics(numeric_metrics(metrics))
        mlflow.set_tags(tags)
        for path in artifacts:
            path = Path(path)
            if path.is_dir():  # reports/plots/models -> plots/models in the run
                mlflow.log_artifacts(str(path), artifact_path="/".join(path.parts[-2:]))
            elif path.exists():
                mlflow.log_artifact(str(path))
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=model,
            signature=signature,
            input_example=example,
            registered_model_name=name,
            pip_requirements=_pip_requirements(),
        )
    version = str(info.registered_model_version)
    log.info("MLflow run %s registered %s version %s", run.info.run_id, name, version)
    return run.info.run_id, version


def add_artifact(uri: str, run_id: str, path: str | Path) -> None:
    """Add a file to a finished run (promotion.json is written after the run registers)."""
    MlflowClient(tracking_uri=uri).log_artifact(run_id, str(path))


def set_alias(client: MlflowClient, alias: str, version: str, name: str = MODEL_NAME) -> None:
    client.set_registered_model_alias(name, alias, version)
