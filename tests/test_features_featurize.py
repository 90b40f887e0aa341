"""`leadscore featurize` end to end on a small CRM: the three feature sets and both reports."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from features.build import catalog_for
from pipeline.cli import main
from tests.test_features_helpers import (
    make_activities,
    make_leads,
    make_outcomes,
    project_params,
    write_interim,
)


@pytest.fixture
def run(tmp_path):
    leads = make_leads(150, days=320)
    interim = write_interim(
        tmp_path / "interim",
        leads,
        make_activities(leads, 4000, days=40),
        make_outcomes(leads, days=40),
    )
    params = project_params()
    params["snapshots"].update(horizon_days=21, max_snapshots_per_lead=6)
    params["split"] = {"test_weeks": 4, "validation_weeks": 4, "gap_days": 21}
    params_file = tmp_path / "params.yaml"
    params_file.write_text(yaml.safe_dump(params))
    args = ["--params", str(params_file), "featurize", "--interim-dir", str(interim)]
    args += ["--out-dir", str(tmp_path / "features"), "--reports-dir", str(tmp_path / "reports")]
    return tmp_path, params, args


def test_featurize_writes_the_feature_sets_and_reports(run):
    tmp_path, params, args = run
    assert main(args) == 0
    specs = catalog_for(params)
    sets = {
        w: pd.read_parquet(tmp_path / "features" / f"{w}.parquet")
        for w in ("train", "validation", "test")
    }
    for name, frame in sets.items():
        assert list(frame.columns) == ["lead_id", "as_of", "label", *(s.name for s in specs)], name
        assert len(frame) > 0 and set(frame["label"].unique()) <= {0, 1}
        assert frame["label"].dtype == "int64"
    leads = [set(f["lead_id"]) for f in sets.values()]
    assert not (leads[0] & leads[1] or leads[0] & leads[2] or leads[1] & leads[2])
    assert sets["train"]["as_of"].max() + pd.Timedelta(days=21) <= sets["validation"]["as_of"].min()
    assert sets["train"].groupby("lead_id").size().max() <= 6  # the cap, on training rows only

    report = json.loads((tmp_path / "reports" / "snapshots.json").read_text())
    overall, splits, excluded = report["overall"], report["splits"], report["excluded"]
    assert (
        sum(s["snapshots"] for s in splits.values()) + sum(excluded.values())
        == overall["snapshots"]
    )
    assert excluded["censored"] == overall["censored"] > 0
    for name, frame in sets.items():
        counts = splits[name]
        assert counts["snapshots"] == len(frame) and counts["positives"] == frame["label"].sum()
        assert counts["leads"] == frame["lead_id"].nunique() and counts["censored"] == 0
    assert "earliest window" in report["lead_rule"]

    catalog = (tmp_path / "reports" / "features.md").read_text()
    assert sum(line.startswith("| `") for line in catalog.splitlines()) == len(specs)


def test_featurize_without_ingested_tables_is_one_clear_line(run, capsys):
    tmp_path, _, args = run
    args[args.index("--interim-dir") + 1] = str(tmp_path / "missing")
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("leadscore featurize: error:") and "leadscore ingest" in err
    assert len(err.splitlines()) == 1
