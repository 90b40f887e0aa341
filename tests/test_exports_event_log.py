"""Event-log exports: contract tables through ingest, labels at first contact, censoring."""

from __future__ import annotations

import json

import pandas as pd

from features.event_log_export import event_log_feature_frame, ingest_export, lead_examples
from features.sources import load_source
from features.tables import read_interim
from pipeline.export_run import run_export
from pipeline.params import load_params
from tests.conftest import ROOT
from tests.export_files import event_log, event_log_config

PARAMS = load_params(ROOT / "params.yaml")


def test_lead_examples_label_by_horizon_and_censor_by_data_end():
    day = pd.Timestamp
    leads = pd.DataFrame(
        {
            "lead_id": ["won_fast", "won_late", "open", "recent", "won_before"],
            "created_at": [
                day("2024-01-01 09:30"),
                day("2024-01-01"),
                day("2024-02-01"),
                day("2024-06-20"),
                day("2024-03-10"),
            ],
        }
    )
    outcomes = pd.DataFrame(
        {
            "lead_id": ["won_fast", "won_late", "won_before"],
            "status": ["converted", "converted", "converted"],
            "closed_at": [day("2024-03-30 23:00"), day("2024-03-31"), day("2024-03-08")],
        }
    )
    examples = lead_examples(leads, outcomes, horizon_days=90, data_end=day("2024-07-01"))
    by_id = examples.set_index("lead_id")
    # as_of is the first-contact day; won on day 89 counts, on day 90 it does not
    assert by_id.loc["won_fast", "as_of"] == day("2024-01-01")
    assert by_id["label"].to_dict() == {
        "won_fast": 1,
        "won_late": 0,
        "open": 0,
        "recent": 0,
        "won_before": 0,
    }
    assert by_id["censored"].to_dict() == {
        "won_fast": False,
        "won_late": False,
        "open": False,
        "recent": True,
        "won_before": False,
    }
    assert by_id["closed_before"].sum() == 1 and by_id.loc["won_before", "closed_before"]


def test_tables_are_mapped_into_the_contract_and_ingested(tmp_path):
    paths = event_log(tmp_path)
    config = load_source(event_log_config(tmp_path, paths))
    work = tmp_path / "work"
    report = ingest_export(config, work)
    leads = read_interim("leads", root=work)
    raw = pd.read_csv(paths["leads"], keep_default_na=False)
    assert len(leads) == len(raw) and report["tables"]["leads"]["quarantined"] == 0
    first = pd.to_datetime(raw["first_contact"], format="%d-%m-%Y")
    assert (leads["created_at"].to_numpy() == first.to_numpy()).all()  # day first, not US
    assert leads["channel"].isna().sum() == (raw["origin"] == "").sum()
    assert "page" in leads.columns  # an extra column, kept for the features
    activities = read_interim("activities", root=work)
    assert set(activities["activity_type"]) == {"web_visit"}  # mapped by the value map
    outcomes = read_interim("outcomes", root=work)
    assert set(outcomes["status"]) == {"converted"}
    assert json.loads((work / "reports/ingest.json").read_text())["tables"]["outcomes"][
        "read"
    ] == len(outcomes)


def test_censoring_follows_the_latest_timestamp_of_the_export(tmp_path):
    paths = event_log(tmp_path)
    config = load_source(event_log_config(tmp_path, paths))
    examples = event_log_feature_frame(config, workdir=tmp_path / "work", params=PARAMS)
    leads = pd.read_csv(paths["leads"])
    deals = pd.read_csv(paths["outcomes"])
    first = pd.to_datetime(leads["first_contact"], format="%d-%m-%Y")
    won = pd.to_datetime(deals["won_date"], format="%d-%m-%Y %H:%M")
    data_end = max(first.max(), won.max())
    censored = first + pd.Timedelta(days=90) > data_end
    assert examples.report["censored"] == censored.sum() > 0
    assert examples.report["rows"] == len(examples.frame) == (~censored).sum()
    assert examples.report["data_end"] == data_end.isoformat()
    assert examples.frame["as_of"].max() <= data_end - pd.Timedelta(days=90)
    assert "channel" in examples.frame and "page" in examples.frame
    assert examples.feature_columns["channel"] == "origin"


def test_deal_attributes_mapped_as_features_are_caught_and_removed(tmp_path):
    paths = event_log(tmp_path)
    config = load_source(event_log_config(tmp_path, paths, deal_attributes="categorical"))
    result = run_export(config, params=PARAMS, root=tmp_path, uri=None)
    leakage = json.loads((tmp_path / "reports/exports/funnelco/leakage.json").read_text())
    segment = next(f for f in leakage["flagged"] if f["column"] == "segment")
    assert "one_class_fill" in segment["checks"]
    evidence = segment["evidence"]["one_class_fill"]
    assert evidence["fill_rate_converted"] == 1.0 and evidence["fill_rate_not_converted"] < 0.05
    assert "segment" in result["features"]["excluded_for_leakage"]
    assert "segment" not in result["features"]["used"]
    assert {"channel", "page"} <= set(result["features"]["used"])
    assert result["protocol"]["kind"] == "out_of_time"
    assert result["protocol"]["windows"]["test"]["first"] >= "2024-01-01"
    assert result["test"]["roc_auc"] > 0.6
    assert result["scoring"]["open_leads"] > 0
    assert result["promotion"]["decision"] == "not promoted"  # --no-mlflow: nothing registered
