"""reports/metrics.json is the merge of reports/metrics/*.json; report.html is self-contained."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest

from features.errors import LeadscoreError
from pipeline import report as report_stage
from pipeline.report import merge_metrics
from tests.test_economics import make_project, run_stage

MODEL_METRICS = {
    "test": {"roc_auc": 0.8123, "pr_auc": 0.41, "brier": 0.08, "ece": 0.011, "n": 480},
    "baselines": {
        "point_table": {"roc_auc": 0.70, "pr_auc": 0.22, "brier": 0.1, "ece": 0.05},
        "logistic": {"roc_auc": 0.79, "pr_auc": 0.37, "brier": 0.09, "ece": 0.02},
    },
    "oracle": {"roc_auc": 0.83, "pr_auc": 0.45, "brier": 0.07},
}


@pytest.fixture(scope="module")
def reported(tmp_path_factory) -> Path:
    root = make_project(tmp_path_factory.mktemp("crm"))
    (root / "reports" / "metrics").mkdir(parents=True)
    (root / "reports" / "metrics" / "model.json").write_text(json.dumps(MODEL_METRICS))
    with pytest.MonkeyPatch.context() as monkeypatch:
        run_stage(root, monkeypatch, "economics", "report")
    return root


def test_metrics_json_merges_every_metrics_file(reported):
    merged = json.loads((reported / "reports" / "metrics.json").read_text())
    assert merged["test"]["roc_auc"] == 0.8123
    assert merged["baselines"]["logistic"]["roc_auc"] == 0.79
    economics = json.loads((reported / "reports/metrics/economics.json").read_text())
    assert merged["economics"] == economics["economics"]


def test_report_is_self_contained(reported):
    page = (reported / "reports" / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # no remote assets
    assert "<script" not in page and "<link" not in page and "@import" not in page
    sources = re.findall(r'<img[^>]*src="([^"]+)"', page)
    assert len(sources) >= 5 and all(s.startswith("data:image/png;base64,") for s in sources)


def test_report_has_the_key_sections(reported):
    page = (reported / "reports" / "report.html").read_text()
    for anchor in ("summary", "models", "gains", "tiers", "profit", "channels", "scorecard"):
        assert f'<section id="{anchor}">' in page
    for text in (
        "Model against the baselines",
        "0.8123",  # the model's AUC from model.json
        "Gains chart",
        "Hot (SQL) from score",
        "Contact everyone",
        "Bayes limit",
        "Max bearable CPL",
        "Linear multi-touch attribution",
        "Learned point table",
        "Profit, each lead contacted once",
    ):
        assert text in page, text
    assert "Not available" not in page


def test_report_without_upstream_files_says_what_is_missing(tmp_path, monkeypatch):
    (tmp_path / "reports" / "metrics").mkdir(parents=True)
    (tmp_path / "reports" / "metrics" / "model.json").write_text(json.dumps(MODEL_METRICS))
    monkeypatch.chdir(tmp_path)
    assert report_stage.run(argparse.Namespace(params="params.yaml")) == 0
    page = (tmp_path / "reports" / "report.html").read_text()
    assert "Not available: reports/thresholds.json" in page
    assert "0.8123" in page


def test_merge_refuses_one_key_with_two_values(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"test": {"roc_auc": 0.8, "n": 10}}))
    (tmp_path / "b.json").write_text(json.dumps({"test": {"roc_auc": 0.9}, "economics": {"x": 1}}))
    with pytest.raises(LeadscoreError, match="test.roc_auc"):
        merge_metrics(tmp_path)
    (tmp_path / "b.json").write_text(json.dumps({"test": {"pr_auc": 0.4}, "economics": {"x": 1}}))
    assert merge_metrics(tmp_path) == {
        "test": {"roc_auc": 0.8, "n": 10, "pr_auc": 0.4},
        "economics": {"x": 1},
    }


def test_no_metrics_files_is_a_user_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LeadscoreError, match="no metrics files"):
        report_stage.run(argparse.Namespace(params="params.yaml"))
