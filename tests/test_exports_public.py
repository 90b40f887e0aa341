"""The two public exports in ../shared/data, each config end to end (skipped without the data).

The X Education run uses 3 folds and faster trees than its config so that the suite stays
quick; bench/exports.py runs both configs as shipped and prints the README figures.
"""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest
from mlflow import MlflowClient

from features.sources import load_source
from models import registry
from pipeline.export_run import run_export
from pipeline.params import load_params
from tests.conftest import ROOT
from tests.export_files import REP_WRITTEN

PARAMS = load_params(ROOT / "params.yaml")
DEAL_ATTRIBUTES = {
    "business_segment",
    "lead_type",
    "lead_behaviour_profile",
    "business_type",
    "declared_monthly_revenue",
}


@pytest.mark.slow
def test_olist_config_end_to_end(shared_data, tmp_path):
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    config = load_source(ROOT / "configs/olist.yaml", root=ROOT)
    result = run_export(config, params=PARAMS, root=tmp_path, uri=uri)
    data = result["dataset"]
    assert data["rows"] == 7493 and data["censored"] == 506
    assert data["label"] == "converted within 180 days of first contact"
    examples = json.loads((tmp_path / "reports/exports/olist/examples.json").read_text())
    assert examples["censored_from"].startswith("2018-05-18")  # data end 2018-11-14 - 180 days
    windows = result["protocol"]["windows"]
    assert result["protocol"]["kind"] == "out_of_time"
    assert windows["test"]["first"] == "2018-03-01" and windows["train"]["last"] < "2018-03-01"
    assert windows["test"]["rows"] == 3322
    assert result["features"]["used"] == ["channel", "landing_page_id"]
    assert result["features"]["excluded_for_leakage"] == []
    assert 0.6 < result["test"]["roc_auc"] < 0.75
    assert result["scoring"]["open_leads"] > 0
    scores = pd.read_csv(tmp_path / "data/exports/olist/scores.csv")
    assert len(scores) == result["scoring"]["open_leads"]
    promotion = json.loads((tmp_path / "reports/exports/olist/promotion.json").read_text())
    assert promotion["registered_model"] == "lead-scoring-olist"
    assert set(promotion["signal"]["comparisons"]) == {"base_rate", "frequency_nb", "logistic"}
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    challenger = client.get_model_version_by_alias("lead-scoring-olist", registry.CHALLENGER)
    assert str(challenger.version) == "1"


@pytest.mark.slow
def test_olist_deal_attributes_are_caught_when_mapped(shared_data, tmp_path):
    config = load_source(ROOT / "configs/olist.yaml", root=ROOT, variant="deal_attributes_mapped")
    result = run_export(config, params=PARAMS, root=tmp_path, uri=None)
    assert set(result["features"]["excluded_for_leakage"]) >= DEAL_ATTRIBUTES
    leakage = json.loads(
        (tmp_path / "reports/exports/olist.deal_attributes_mapped/leakage.json").read_text()
    )
    checks = {f["column"]: f["checks"] for f in leakage["flagged"]}
    for column in DEAL_ATTRIBUTES:
        assert "one_class_fill" in checks[column]
    assert result["features"]["used"] == ["channel", "landing_page_id"]


@pytest.mark.slow
def test_xeducation_config_end_to_end(shared_data, tmp_path):
    config = load_source(ROOT / "configs/xeducation.yaml", root=ROOT)
    quick = {"learning_rate": 0.1, "early_stopping_rounds": 30}
    faster = config.train | {"bootstrap_samples": 100, "lightgbm": config.train["lightgbm"] | quick}
    config = dataclasses.replace(
        config, protocol=dataclasses.replace(config.protocol, folds=3), train=faster
    )
    result = run_export(config, params=PARAMS, root=tmp_path, uri=None)
    assert result["dataset"]["rows"] == 9237
    assert abs(result["dataset"]["positive_rate"] - 0.385) < 0.001
    assert result["protocol"]["kind"] == "cross_validation" and result["protocol"]["folds"] == 3
    assert set(result["features"]["excluded_for_leakage"]) >= REP_WRITTEN
    assert "total_time_spent_on_website" in result["features"]["used"]
    assert result["test"]["roc_auc"] > 0.88
    assert result["test"]["roc_auc"] > result["baselines"]["frequency_nb"]["roc_auc"]
    assert result["scoring"]["open_leads"] == 0  # a flat snapshot: every lead is labelled
