"""`leadscore ingest` as a user runs it: unusable tables stop with one line and exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from features.ingest import ingest_all
from tests.conftest import ROOT
from tests.ingest_files import outputs, write_crm

# Each run starts the whole CLI (seconds of imports): end-to-end tests, kept to the cases the
# issue names; the other unusable-file cases are tested in process (test_ingest_readers.py).
pytestmark = pytest.mark.slow


def run_ingest(root, paths, **ingest) -> subprocess.CompletedProcess:
    params = root / "params.yaml"
    settings = {"paths": paths, "dayfirst": True, "extra_activity_types": [], **ingest}
    params.write_text(yaml.safe_dump({"ingest": settings}))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "--params", str(params), "ingest"],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_ingest_writes_the_interim_tables_and_the_report(tmp_path):
    result = run_ingest(tmp_path, write_crm(tmp_path))
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "reports" / "ingest.json").read_text())
    assert report["tables"]["leads"]["accepted"] == 4
    assert "leads: read 4, accepted 4" in result.stderr  # counts are logged


def _missing_file(root, paths):
    (root / paths["outcomes"]).unlink()
    return "outcomes.csv: file not found"


def _missing_column(root, paths):
    text = (root / paths["leads"]).read_text().replace("created_at", "created", 1)
    (root / paths["leads"]).write_text(text)
    return "required column 'created_at' is missing"


def _empty(root, paths):
    (root / paths["channel_costs"]).write_text("")
    return "channel_costs.csv: the file is empty"


def _not_csv_or_parquet(root, paths):
    (root / "data/raw/leads.xlsx").write_bytes(b"PK\x03\x04")
    paths["leads"] = "data/raw/leads.xlsx"
    return "not a CSV or Parquet file"


def _unreadable_parquet(root, paths):
    (root / paths["activities"]).write_bytes(b"PAR1 truncated by a failed upload")
    return "activities.parquet: not a readable Parquet file"


@pytest.mark.parametrize(
    "breakage",
    [
        _missing_file,
        _missing_column,
        _empty,
        _not_csv_or_parquet,
        _unreadable_parquet,
    ],
)
def test_an_unusable_table_is_one_line_exit_2_and_keeps_the_previous_outputs(tmp_path, breakage):
    paths = write_crm(tmp_path)
    ingest_all(paths, root=tmp_path)  # a good run's outputs, in process to save a CLI start
    before = outputs(tmp_path)
    message = breakage(tmp_path, paths)
    result = run_ingest(tmp_path, paths)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    (error,) = result.stderr.strip().splitlines()  # found before any row is read or logged
    assert error.startswith("leadscore ingest: error: ") and message in error
    assert outputs(tmp_path) == before
