"""`leadscore score` and `leadscore evaluate-live` end to end on a small CRM world.

Real ingest, real feature build, a real MLflow sqlite store with a registered champion; the CLI
is called in-process (pipeline.cli.main) except where a fresh process is the point.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from mlflow import MlflowClient

from features.snapshots import open_leads
from features.tables import read_interim
from pipeline.cli import main
from scoring.lock import single_run
from scoring.output import COLUMNS
from tests.scoring_world import build_world

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    return build_world(tmp_path_factory.mktemp("scoring_world"))


@pytest.fixture
def in_world(world, monkeypatch):
    monkeypatch.chdir(world.root)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return world


def score(*options: str, params: str = "params.yaml") -> int:
    return main(["--params", params, "score", *options])


def one_error_line(capsys, command: str = "score") -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"leadscore {command}: error: ")
    return lines[0]


def params_with(world, name: str, **scoring) -> str:
    params = yaml.safe_load(world.params_path.read_text())
    params["scoring"].update(scoring)
    (world.root / f"{name}.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return f"{name}.yaml"


def test_scores_every_open_lead_and_reruns_give_identical_files(in_world):
    assert score("--as-of", "last", "--out", "run1/scores.csv") == 0  # ingests the raw export
    assert score("--skip-ingest", "--out", "run2/scores.csv") == 0
    assert score("--skip-ingest", "--out", "run1/scores.csv") == 0
    for name in ("scores.csv", "scores.parquet"):
        assert (Path("run1") / name).read_bytes() == (Path("run2") / name).read_bytes()

    scores = pd.read_parquet("run1/scores.parquet")
    as_of = pd.Timestamp("2024-09-30")  # the day after the world's last activity
    expected = open_leads(read_interim("leads"), read_interim("outcomes"), as_of)
    assert sorted(scores["lead_id"]) == sorted(expected["lead_id"])
    assert list(scores.columns) == list(COLUMNS)
    assert scores["score"].between(0, 100).all() and scores["score"].dtype == "int64"
    assert (scores["score"] == (100 * scores["probability"] + 0.5).astype(int)).all()
    assert set(scores["tier"]) <= {"hot", "warm", "cold"}
    assert set(scores["route"]) <= {"sales", "nurture", "none"}
    assert set(scores["arm"]) == {"model", "control"}
    assert set(scores["model_version"]) == {in_world.version}
    assert set(scores["scored_at"]) == {as_of}
    assert scores["reason_1"].str.endswith(("(+)", "(\u2212)")).all()
    assert (Path("run1") / "history" / "scores_2024-09-30.parquet").exists()

    text = Path("run1/scores.csv").read_text(encoding="utf-8")
    assert "@example.com" not in text  # the export's e-mail addresses never reach the file
    crm = pd.read_csv("run1/scores.csv", keep_default_na=False)
    assert {"'=1+1", "'+L0001", "'-L0002", "'@L0003"} & set(crm["lead_id"])
    assert not crm["lead_id"].str.match(r"^[=+\-@]").any()
    drift = json.loads(Path("reports/drift.json").read_text())
    assert drift["as_of"] == "2024-09-30T00:00:00" and drift["status"] in ("ok", "drift")
    assert "score" in drift and drift["rows"] == len(scores)


def test_personal_data_only_when_configured(in_world):
    name = params_with(in_world, "personal", include_personal_data=True, personal_columns=["email"])
    assert score("--skip-ingest", "--out", "personal/scores.csv", params=name) == 0
    crm = pd.read_csv("personal/scores.csv")
    assert crm["email"].str.endswith("@example.com").all()


def test_salesforce_preset_end_to_end(in_world):
    name = params_with(in_world, "salesforce", preset="salesforce")
    assert score("--skip-ingest", "--out", "sf/scores.csv", params=name) == 0
    crm = pd.read_csv("sf/scores.csv")
    assert {"Id", "Lead_Score__c", "Rating", "Score_Reason_1__c"} <= set(crm.columns)
    assert set(crm["Rating"]) <= {"Hot", "Warm", "Cold"}
    assert set(pd.read_parquet("sf/scores.parquet")["tier"]) <= {"hot", "warm", "cold"}


def test_second_run_while_the_lock_is_held_exits_4_with_one_line(in_world, capsys):
    assert score("--skip-ingest", "--out", "locked/scores.csv") == 0
    before = Path("locked/scores.csv").read_bytes()
    capsys.readouterr()
    with single_run(".leadscore.lock"):
        assert score("--skip-ingest", "--out", "locked/scores.csv") == 4
    assert "holds the lock" in one_error_line(capsys)
    assert Path("locked/scores.csv").read_bytes() == before


def test_fail_on_drift_exits_3_and_leaves_the_scores(in_world, capsys):
    assert score("--skip-ingest", "--out", "drift/scores.csv") == 0
    before = [Path("drift", n).read_bytes() for n in ("scores.csv", "scores.parquet")]
    name = params_with(in_world, "drifty", drift_warn_psi=0.0001)
    capsys.readouterr()
    code = score("--skip-ingest", "--fail-on-drift", "--out", "drift/scores.csv", params=name)
    assert code == 3
    assert "drift above PSI 0.0001" in one_error_line(capsys)
    assert [Path("drift", n).read_bytes() for n in ("scores.csv", "scores.parquet")] == before
    assert json.loads(Path("reports/drift.json").read_text())["status"] == "drift"
    assert score("--skip-ingest", "--out", "drift/scores.csv", params=name) == 0  # warns only


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("sqlite:///{root}/elsewhere/none.db", "no MLflow store here"),
        ("sqlite:///{root}/empty.db", "no model 'lead-scoring' with alias 'champion'"),
        ("http://127.0.0.1:9", "unreachable or unusable"),
    ],
)
def test_no_champion_or_no_store_is_one_line_exit_2(in_world, monkeypatch, capsys, uri, message):
    if "empty.db" in uri:
        empty = f"sqlite:///{in_world.root}/empty.db"
        MlflowClient(tracking_uri=empty, registry_uri=empty).search_registered_models()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri.format(root=in_world.root))
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    assert score("--skip-ingest", "--out", "nochamp/scores.csv") == 2
    assert message in one_error_line(capsys)
    assert not Path("nochamp/scores.csv").exists()


def test_missing_thresholds_is_one_line(in_world, capsys):
    assert score("--skip-ingest", "--thresholds", "nowhere.json", "--out", "t/scores.csv") == 2
    assert "nowhere.json: not found; run `leadscore economics`" in one_error_line(capsys)


def test_help_documents_every_option(capsys):
    with pytest.raises(SystemExit) as done:
        main(["score", "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    for option in (
        "--as-of",
        "--out",
        "--skip-ingest",
        "--fail-on-drift",
        "--thresholds",
        "--reference",
        "--drift-report",
        "--lock",
        "Exit codes",
    ):
        assert option in text


def test_evaluate_live_after_scoring_an_older_date(in_world, capsys):
    as_of = "2024-05-06"
    assert score("--skip-ingest", "--as-of", as_of, "--out", "old/scores.csv") == 0
    capsys.readouterr()
    code = main(
        ["evaluate-live", "--since", as_of, "--scores", "old/history", "--out", "live.json"]
    )
    assert code == 0
    assert "model minus control" in capsys.readouterr().out
    result = json.loads(Path("live.json").read_text())
    scores = pd.read_parquet("old/scores.parquet")
    outcomes = read_interim("outcomes")
    start = pd.Timestamp(as_of)
    won = outcomes[
        (outcomes["status"] == "converted")
        & (outcomes["closed_at"] >= start)
        & (outcomes["closed_at"] < start + pd.Timedelta(days=90))
    ]
    converted = scores["lead_id"].isin(won["lead_id"])
    for arm in ("model", "control"):
        in_arm = scores["arm"] == arm
        figures = result["arms"][arm]
        assert figures["leads"] == int(in_arm.sum()) and figures["pending"] == 0
        assert figures["conversions"] == int((converted & in_arm).sum())
        sales = in_arm & (scores["route"] == "sales")
        assert figures["sales_contacts"] == int(sales.sum())
        assert figures["sales_conversions"] == int((sales & converted).sum())
    assert result["scoring_dates"] == ["2024-05-06T00:00:00"]


def test_no_champion_in_a_fresh_process(world, tmp_path):
    """The installed console script: exit 2 and exactly one line on stderr, no traceback."""
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path}/missing.db"}
    env.pop("PYTHONPATH", None)
    leadscore = Path(sys.executable).with_name("leadscore")
    result = subprocess.run(
        [str(leadscore), "score", "--skip-ingest", "--out", str(tmp_path / "s.csv")],
        cwd=world.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1 and "Traceback" not in result.stderr
    assert "no MLflow store here" in errors[0]
