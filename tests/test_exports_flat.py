"""Flat exports end to end: labels and censoring from dates, protocols, leakage, the gate."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from mlflow import MlflowClient

from features.flat_export import dataset_summary, flat_feature_frame
from features.sources import data_fingerprint, load_source
from models import registry
from pipeline.cli import main
from pipeline.export_run import run_export
from pipeline.params import load_params
from tests.conftest import ROOT
from tests.export_files import flat_leads, write_flat

PARAMS = load_params(ROOT / "params.yaml")


def test_dated_export_labels_within_the_horizon_and_censors_recent_leads(tmp_path):
    config_path, csv = write_flat(tmp_path, n=600, dated=True)
    examples = flat_feature_frame(load_source(config_path))
    raw = pd.read_csv(csv, keep_default_na=False)
    created = pd.to_datetime(raw["Created"], format="%d/%m/%Y")
    won = pd.to_datetime(raw["Won On"].replace("", None), format="%d/%m/%Y")
    data_end = max(created.max(), won.max())
    censored = created + pd.Timedelta(days=90) > data_end
    label = (raw["Converted"] == "Yes") & (won - created < pd.Timedelta(days=90))
    assert examples.report["censored"] == censored.sum() > 0
    assert examples.report["rows"] == len(examples.frame) == (~censored).sum()
    expected = pd.Series(label[~censored].astype(int).to_numpy(), name="label")
    pd.testing.assert_series_equal(examples.frame["label"], expected)
    assert (examples.frame["as_of"] == created[~censored].reset_index(drop=True)).all()
    still_open = censored & (raw["Converted"] != "Yes")
    assert examples.open_leads is not None and len(examples.open_leads) == still_open.sum()


def test_dated_export_runs_out_of_time_and_drops_what_leaks(tmp_path):
    config_path, _ = write_flat(tmp_path, n=3000, dated=True)
    result = run_export(load_source(config_path), params=PARAMS, root=tmp_path, uri=None)
    assert result["protocol"]["kind"] == "out_of_time"
    windows = result["protocol"]["windows"]
    assert windows["test"]["first"] >= "2024-08-01" > windows["validation"]["last"]
    leakage = json.loads((tmp_path / "reports/exports/flatco/leakage.json").read_text())
    flagged = {f["column"]: f["checks"] for f in leakage["flagged"]}
    assert "after_outcome" in flagged["Last Modified"]
    assert "settling_values" in flagged["Disposition"]
    assert flagged["Disposition Score"] == ["filled_together"]
    # deals won after the 90-day horizon fill it for some negatives too; it goes all the same
    assert "Deal Size" in flagged and "Deal Size" in leakage["excluded_columns"]
    assert set(result["features"]["used"]) == {"lead_source", "total_visits", "occupation"}
    assert result["test"]["roc_auc"] > 0.62  # the honest columns carry signal
    assert result["scoring"]["open_leads"] > 0
    scores = pd.read_csv(tmp_path / "data/exports/flatco/scores.csv")
    assert scores["score"].between(0, 100).all() and set(scores["route"]) <= {
        "sales",
        "nurture",
        "none",
    }


@pytest.mark.slow
def test_undated_export_cross_validates_registers_and_refuses_a_shuffled_label(tmp_path):
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    config_path, _ = write_flat(tmp_path, n=1500)
    config = load_source(config_path)
    first = run_export(config, params=PARAMS, root=tmp_path, uri=uri)
    assert first["protocol"]["kind"] == "cross_validation"
    assert (
        first["protocol"]["folds"] == 3
        and len(first["protocol"]["per_fold"]["lightgbm"]["roc_auc_per_fold"]) == 3
    )
    assert first["baselines"]["point_table"].startswith("not applicable")
    assert {"frequency_nb", "logistic"} <= set(first["baselines"])
    assert first["promotion"]["signal"]["signal"] and first["promotion"]["promoted"]
    for name in ("metrics", "leakage", "promotion", "examples"):
        assert (tmp_path / f"reports/exports/flatco/{name}.json").exists()
    leakage = json.loads((tmp_path / "reports/exports/flatco/leakage.json").read_text())
    flagged = {f["column"]: f["checks"] for f in leakage["flagged"]}
    assert "one_class_fill" in flagged["Deal Size"]  # filled for won leads only
    predictions = pd.read_parquet(tmp_path / "data/exports/flatco/predictions.parquet")
    assert len(predictions) == 1500 and set(predictions["fold"]) == {0, 1, 2}

    shuffled = run_export(config, params=PARAMS, root=tmp_path, uri=uri, shuffle_labels=True)
    promotion = shuffled["promotion"]
    assert not promotion["signal"]["signal"] and not promotion["promoted"]
    assert promotion["decision"] == "not promoted"
    assert any("no signal" in reason for reason in promotion["reasons"])
    assert abs(shuffled["test"]["roc_auc"] - 0.5) < 0.06

    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    registry.connect(uri)
    champion = client.get_model_version_by_alias("lead-scoring-flatco", registry.CHAMPION)
    challenger = client.get_model_version_by_alias("lead-scoring-flatco", registry.CHALLENGER)
    assert (str(champion.version), str(challenger.version)) == ("1", "2")
    assert registry.version_by_alias(client, registry.CHAMPION) is None  # `lead-scoring` untouched
    p = registry.predict_with_version(
        "1", flat_leads_features(tmp_path), name="lead-scoring-flatco"
    )
    assert p.between(0, 1).all()


def flat_leads_features(tmp_path) -> pd.DataFrame:
    """The used features of a few rows, as the registered model expects them."""
    examples = flat_feature_frame(load_source(tmp_path / "flatco.yaml"))
    used = json.loads((tmp_path / "reports/exports/flatco/metrics.json").read_text())
    return examples.frame[used["features"]["used"]].head(20)


def test_no_feature_left_is_a_user_error(tmp_path):
    config_path, _ = write_flat(tmp_path, n=300)
    config = load_source(config_path)
    config = type(config)(
        **{**vars(config), "leakage": type(config.leakage)(exclude=tuple(config.roles()))}
    )
    with pytest.raises(Exception, match="no feature is left after leakage exclusion"):
        run_export(config, params=PARAMS, root=tmp_path, uri=None)


def test_the_planted_export_really_has_signal():
    frame = flat_leads(3000)
    converted = frame["Converted"] == "Yes"
    assert 0.2 < converted.mean() < 0.8
    by_pair = converted.groupby([frame["Occupation"], frame["Lead Source"]]).mean()
    assert by_pair["Working", "Referral"] > 2 * by_pair["Working", "Google"]
    assert by_pair["Student", "Google"] > 2 * by_pair["Student", "Referral"]
    assert np.corrcoef(frame["Total Visits"], converted)[0, 1] > 0.1


def test_cli_runs_an_export_from_params_source_config(tmp_path, monkeypatch, capsys):
    config_path, _ = write_flat(tmp_path, n=600)
    params = load_params(ROOT / "params.yaml")
    params["source"] = {"kind": "file", "config": str(config_path)}
    params_path = tmp_path / "params.yaml"
    params_path.write_text(yaml.safe_dump(params))
    monkeypatch.chdir(tmp_path)
    assert main(["--params", str(params_path), "run-export", "--no-mlflow"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("flatco: 600 examples") and "protocol cross_validation" in printed
    assert "leakage: excluded" in printed and "promotion: not promoted" in printed
    assert (tmp_path / "reports/exports/flatco/metrics.json").exists()


def test_dataset_summary_describes_the_examples(tmp_path):
    config_path, _ = write_flat(tmp_path, n=600, dated=True)
    config = load_source(config_path)
    examples = flat_feature_frame(config)
    summary = dataset_summary(examples, config)
    labels = examples.frame["label"]
    assert summary["rows"] == len(labels) and summary["positives"] == labels.sum() > 0
    assert summary["positive_rate"] == pytest.approx(labels.mean())
    assert summary["censored"] == examples.report["censored"] > 0
    assert summary["label"] == "converted within 90 days of creation"
    assert summary["data_sha256"] == data_fingerprint(config)


def test_dataset_summary_of_an_undated_export_has_no_horizon(tmp_path):
    config = load_source(write_flat(tmp_path, n=100)[0])
    summary = dataset_summary(flat_feature_frame(config), config)
    assert "label" not in summary and summary["censored"] == 0
