"""The model scoring uses: `models:/lead-scoring@champion` from the MLflow registry.

Every way this can fail at night (no store, store unreachable, no champion yet, artifacts gone)
becomes one LeadscoreError line that says what to do, never a traceback.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from features.errors import LeadscoreError
from models.registry import CHAMPION, MODEL_NAME

log = logging.getLogger(__name__)

NOT_FOUND_CODES = ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND")


@dataclass(frozen=True)
class Champion:
    model: Any  # models.pyfunc_model.LeadScoringModel: predict_proba, contributions, feature_names
    version: str
    uri: str


def check_store(uri: str) -> None:
    if uri.startswith("sqlite:///"):
        path = Path(uri.removeprefix("sqlite:///"))
        if not path.exists():
            raise LeadscoreError(
                f"{path}: no MLflow store here; run `leadscore train` first, "
                "or set MLFLOW_TRACKING_URI to the store that holds the champion"
            )


def _unreachable(uri: str, exc: Exception) -> LeadscoreError:
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    return LeadscoreError(
        f"MLflow store {uri}: unreachable or unusable ({detail}); check MLFLOW_TRACKING_URI "
        "and that the store is up"
    )


def champion_version(client: MlflowClient, uri: str, name: str = MODEL_NAME) -> str:
    """The version number carrying the champion alias; a clear error when there is none."""
    try:
        version = client.get_model_version_by_alias(name, CHAMPION)
    except MlflowException as exc:
        if exc.error_code in NOT_FOUND_CODES:
            raise LeadscoreError(
                f"MLflow store {uri}: no model '{name}' with alias '{CHAMPION}'; run "
                "`leadscore train` (it promotes a model that beats the baselines; "
                "reports/promotion.json says why the last one did not) or set the alias in MLflow"
            ) from None
        raise _unreachable(uri, exc) from None
    except Exception as exc:  # connection refused, DNS, timeouts: the store is not there
        raise _unreachable(uri, exc) from None
    return str(version.version)


def load_champion(uri: str, name: str = MODEL_NAME) -> Champion:
    """The champion's python model and version number."""
    started = time.perf_counter()
    check_store(uri)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    version = champion_version(client, uri, name)
    model_uri = f"models:/{name}/{version}"
    try:
        model = mlflow.pyfunc.load_model(model_uri).unwrap_python_model()
    except Exception as exc:
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise LeadscoreError(
            f"{model_uri} (champion): cannot be loaded ({type(exc).__name__}: {detail}); "
            "check the artifact store or retrain"
        ) from None
    for needed in ("predict_proba", "contributions", "feature_names"):
        if not hasattr(model, needed):
            raise LeadscoreError(
                f"{model_uri} (champion): has no '{needed}'; it was not logged by "
                "`leadscore train` of this version; retrain"
            )
    log.info("champion: %s version %s (%.1f s)", name, version, time.perf_counter() - started)
    return Champion(model=model, version=version, uri=model_uri)
