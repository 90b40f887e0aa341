"""`leadscore train` end to end on small synthetic feature sets in a temporary project."""

import json

import pandas as pd
import pytest
import yaml
from mlflow import MlflowClient

from pipeline.cli import main
from tests.conftest import ROOT
from tests.model_frames import frame_and_truth, point_table_rules

PREDICTION_COLUMNS = [
    "lead_id",
    "as_of",
    "label",
    "p_model",
    "p_logistic",
    "p_frequency_nb",
    "p_point_table",
    "points_point_table",
    "mql_point_table",
    "p_oracle",
]


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder with feature sets, a Bayes limit, params.yaml and its own MLflow store."""
    features = tmp_path / "data" / "features"
    features.mkdir(parents=True)
    truth = []
    for split, n, seed in (("train", 6000, 1), ("validation", 3000, 2), ("test", 6000, 3)):
        frame, p_true = frame_and_truth(n, seed=seed)
        frame["lead_id"] = split + frame["lead_id"]
        frame.to_parquet(features / f"{split}.parquet")
        truth.append(frame[["lead_id", "as_of"]].assign(p_convert=p_true))
    (tmp_path / "data" / "ground_truth").mkdir()
    pd.concat(truth).to_parquet(tmp_path / "data" / "ground_truth" / "bayes_limit.parquet")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "features.md").write_text("| feature | meaning |\n")
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["point_table"] = {"rules": point_table_rules(), "mql_threshold": 30}
    params["train"]["lightgbm"] |= {"n_estimators": 300, "early_stopping_rounds": 30}
    params["train"]["bootstrap_samples"] = 100
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    return tmp_path


@pytest.mark.slow
def test_train_writes_every_output_and_registers_the_champion(project):
    assert main(["train"]) == 0

    metrics = json.loads((project / "reports/metrics/model.json").read_text())
    for key in ("roc_auc", "pr_auc", "log_loss", "brier", "ece", "lift_at_10pct", "n", "positives"):
        assert key in metrics["test"]
    for baseline in ("point_table", "frequency_nb", "logistic"):
        assert {"roc_auc", "pr_auc", "brier", "ece"} <= set(metrics["baselines"][baseline])
    assert {"roc_auc", "pr_auc", "brier"} <= set(metrics["oracle"])
    assert metrics["oracle"]["coverage"] == 1.0
    assert metrics["test"]["roc_auc"] > metrics["baselines"]["point_table"]["roc_auc"]
    assert metrics["oracle"]["roc_auc"] >= metrics["test"]["roc_auc"] - 0.01

    for split in ("validation", "test"):
        table = pd.read_parquet(project / f"data/predictions/{split}.parquet")
        assert list(table.columns) == PREDICTION_COLUMNS
        assert table["p_oracle"].notna().all()
        assert set(table["mql_point_table"].unique()) <= {0, 1}
    for name in ("lightgbm", "logistic", "frequency_nb", "point_table"):
        assert (project / f"data/models/{name}.joblib").exists()

    plots = project / "reports/plots/models"
    for chart in ("roc", "precision_recall", "gains"):
        for model in ("model", "logistic", "frequency_nb", "point_table", "oracle"):
            curve = pd.read_csv(plots / chart / f"{model}.csv")
            assert 2 <= len(curve) <= 210 and (curve["model"] == model).all()
    assert (plots / "reliability" / "model.csv").exists()
    assert (plots / "score_distribution" / "converted.csv").exists()

    importance = pd.read_csv(project / "reports/importance.csv")
    assert list(importance.columns) == ["feature", "gain", "gain_share", "mean_abs_shap"]
    assert importance["mean_abs_shap"].is_monotonic_decreasing

    promotion = json.loads((project / "reports/promotion.json").read_text())
    assert promotion["promoted"] and promotion["champion"]["uri"] == "models:/lead-scoring@champion"

    client = MlflowClient()
    run = client.get_run(promotion["challenger"]["run_id"])
    assert run.data.params["train.lightgbm.n_estimators"] == "300"
    assert run.data.params["point_table.rules.0.feature"] == "seniority"
    assert "git_commit" in run.data.tags and "dvc_lock_sha256" in run.data.tags
    assert run.data.tags["calibration.lightgbm"] in ("isotonic", "sigmoid")
    assert run.data.metrics["test.roc_auc"] == pytest.approx(metrics["test"]["roc_auc"])
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"plots", "features.md", "importance.csv", "model.json", "promotion.json"} <= artifacts
    assert client.list_artifacts(run.info.run_id, "plots/models/roc")

    # the same data again: identical model, no better than the champion, which stays
    assert main(["train"]) == 0
    again = json.loads((project / "reports/promotion.json").read_text())
    assert not again["promoted"]
    assert again["challenger"]["version"] == "2" and again["champion"]["version"] == "1"
    assert again["challenger"]["roc_auc"] == promotion["challenger"]["roc_auc"]


def test_missing_feature_sets_are_one_line_errors(tmp_path, monkeypatch, capsys):
    (tmp_path / "params.yaml").write_text((ROOT / "params.yaml").read_text())
    monkeypatch.chdir(tmp_path)
    assert main(["train"]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "leadscore featurize" in error


def test_a_point_table_rule_on_an_unknown_feature_is_a_one_line_error(project, capsys):
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["point_table"]["rules"].append({"feature": "shoe_size", "above": 40, "points": 5})
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    assert main(["train"]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "shoe_size" in error
