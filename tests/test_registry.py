"""The champion/challenger gate against a real MLflow sqlite store in tmp_path."""

import shutil

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from models import registry
from models.champion import register_and_promote
from models.evaluation import evaluate
from models.frames import features_of, labels_of
from models.pyfunc_model import OUTPUT_COLUMN, LeadScoringModel
from models.training import build_estimators, fit_models, predictions
from tests.model_frames import feature_frame, point_table_rules

SETTINGS = {
    "seed": 3,
    "lightgbm": {"n_estimators": 200, "early_stopping_rounds": 20, "num_leaves": 7},
    "logistic": {"n_bins": 5},
    "frequency_nb": {},
    "point_table": {"rules": point_table_rules(), "mql_threshold": 30},
}


def trained(windows: dict[str, pd.DataFrame], *, train_labels=None) -> dict:
    """Fit, calibrate and evaluate on the windows; ``train_labels`` replaces the training labels."""
    X = {k: features_of(v) for k, v in windows.items()}
    y = {k: labels_of(v) for k, v in windows.items()}
    if train_labels is not None:
        y["train"] = train_labels
    models = fit_models(
        build_estimators(**SETTINGS),
        X["train"],
        y["train"],
        X["validation"],
        y["validation"],
        calibration_min_positives=200,
    )
    test = predictions(windows["test"], X["test"], models)
    metrics = evaluate(
        test, calibration={n: m.method_ for n, m in models.items()}, bootstrap_samples=100, seed=1
    )
    return {"model": LeadScoringModel(models["lightgbm"]), "metrics": metrics, "X": X, "y": y}


@pytest.fixture(scope="module")
def windows():
    # a test window large enough for the model's AUC interval to clear the point table's
    sizes = {"train": (6000, 1), "validation": (3000, 2), "test": (6000, 3)}
    return {name: feature_frame(n, seed=seed) for name, (n, seed) in sizes.items()}


@pytest.fixture(scope="module")
def good(windows):
    return trained(windows)


@pytest.fixture(scope="module")
def weak(windows):
    """Trained on shuffled labels: no better than chance on the real test labels."""
    shuffled = np.random.default_rng(0).permutation(labels_of(windows["train"]))
    return trained(windows, train_labels=shuffled)


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory):
    """A store with MLflow's tables created once; each test copies it (migrations take seconds)."""
    path = tmp_path_factory.mktemp("template") / "mlflow.db"
    MlflowClient(tracking_uri=f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture
def uri(empty_store, tmp_path):
    shutil.copy(empty_store, tmp_path / "mlflow.db")
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


def promote(uri: str, run: dict, *, min_train_conversions: int = 120) -> dict:
    return register_and_promote(
        uri=uri,
        model=run["model"],
        X_test=run["X"]["test"],
        y_test=run["y"]["test"],
        metrics=run["metrics"],
        train_conversions=int(run["y"]["train"].sum()),
        primary_metric="roc_auc",
        margin=0.005,
        min_train_conversions=min_train_conversions,
        params={"seed": 3, "train": SETTINGS},
        artifacts=[],
        tags={"git_commit": "test"},
    )


def alias_version(uri: str, alias: str) -> str:
    return str(
        MlflowClient(tracking_uri=uri).get_model_version_by_alias("lead-scoring", alias).version
    )


def test_tracking_uri_defaults_to_sqlite_at_the_root(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert registry.tracking_uri(tmp_path) == f"sqlite:///{tmp_path.resolve()}/mlflow.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///elsewhere.db")
    assert registry.tracking_uri(tmp_path) == "sqlite:///elsewhere.db"
    assert registry.artifact_location(f"sqlite:///{tmp_path}/mlflow.db").endswith("/mlartifacts")


def test_first_model_that_beats_the_point_table_becomes_champion(uri, good):
    promotion = promote(uri, good)
    assert promotion["promoted"] and promotion["champion"]["version"] == "1"
    assert alias_version(uri, "champion") == "1"
    assert alias_version(uri, "challenger") == "1"


def test_a_worse_challenger_is_not_promoted_and_the_champion_stays(uri, good, weak):
    promote(uri, good)
    promotion = promote(uri, weak)
    assert not promotion["promoted"]
    assert promotion["champion_before"]["version"] == "1"
    assert promotion["champion"]["version"] == "1"
    assert alias_version(uri, "champion") == "1"
    assert alias_version(uri, "challenger") == "2"
    assert promotion["champion_before"]["roc_auc"] == pytest.approx(
        good["metrics"]["test"]["roc_auc"]
    )


def test_a_better_challenger_is_promoted(uri, good, weak):
    registry.connect(uri)
    _, version = registry.log_training_run(
        model=weak["model"],
        X_example=weak["X"]["test"],
        params={},
        metrics={},
        artifacts=[],
        tags={},
    )
    registry.set_alias(MlflowClient(tracking_uri=uri), "champion", version)
    promotion = promote(uri, good)
    assert promotion["promoted"]
    assert promotion["champion_before"]["version"] == "1"
    assert alias_version(uri, "champion") == "2"


def test_a_shuffled_label_has_no_signal_and_is_not_promoted(uri, windows):
    rng = np.random.default_rng(1)
    shuffled = {
        name: frame.assign(label=rng.permutation(frame["label"].to_numpy()))
        for name, frame in windows.items()
    }
    promotion = promote(uri, trained(shuffled))
    assert not promotion["promoted"] and not promotion["signal"]
    assert any("no signal beyond the point table" in reason for reason in promotion["reasons"])
    assert promotion["champion"]["version"] is None
    assert registry.version_by_alias(MlflowClient(tracking_uri=uri), "champion") is None


def test_too_few_training_conversions_are_not_promoted(uri, good):
    promotion = promote(uri, good, min_train_conversions=10**6)
    assert not promotion["promoted"] and not promotion["enough_data"]
    assert promotion["reasons"][0].startswith("too little data")


def test_the_registered_champion_predicts_probabilities_not_labels(uri, good):
    promote(uri, good)
    X = good["X"]["test"].head(300)
    loaded = mlflow.pyfunc.load_model("models:/lead-scoring@champion")
    output = loaded.predict(X)
    assert list(output.columns) == [OUTPUT_COLUMN]
    p = output[OUTPUT_COLUMN].to_numpy()
    assert p.dtype == np.float64
    assert ((p >= 0) & (p <= 1)).all()
    assert len(np.unique(p)) > 10  # a score, not a 0/1 class
    model = loaded.unwrap_python_model()
    assert np.allclose(model.predict_proba(X)[:, 1], p)
    contributions = model.contributions(X)
    assert list(contributions.columns) == [*model.feature_names, "bias"]
    assert model.calibration_method in ("isotonic", "sigmoid")
    assert set(model.categorical_levels) == {"channel", "seniority", "email_domain_type"}


def test_a_champion_that_cannot_score_todays_features_does_not_block(uri, good, windows):
    older = {name: frame.assign(retired_feature=1.0) for name, frame in windows.items()}
    registry.connect(uri)
    old = trained(older)
    _, version = registry.log_training_run(
        model=old["model"], X_example=old["X"]["test"], params={}, metrics={}, artifacts=[], tags={}
    )
    registry.set_alias(MlflowClient(tracking_uri=uri), "champion", version)
    promotion = promote(uri, good)  # today's features no longer have retired_feature
    assert any("could not score" in reason for reason in promotion["reasons"])
    assert promotion["promoted"] and alias_version(uri, "champion") == "2"


def test_the_registry_lock_sits_beside_a_sqlite_store_only(tmp_path):
    lock = registry.registry_lock(f"sqlite:///{tmp_path}/mlflow.db")
    with lock:
        assert (tmp_path / "mlartifacts" / ".registry.lock").exists()
    with registry.registry_lock("http://mlflow.example:5000"):
        pass
