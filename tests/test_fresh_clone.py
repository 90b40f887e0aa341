"""The two README commands work from a clean clone: `make repro` (with its own .venv and pinned
install, then a real `dvc repro` on a small synthetic CRM) and `make test`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

# small enough for CI; the promotion gate's minimum is lowered to match the smaller history
SMALL = {"generate.n_leads": 2500, "train.min_train_conversions": 20}


def _clone(tmp_path):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs the git checkout")
    clone = tmp_path / "leadscore"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    shared = ROOT.parent / "shared"
    if shared.exists():
        (tmp_path / "shared").symlink_to(shared)
    return clone


def _shrink(params_file, overrides):
    params = yaml.safe_load(params_file.read_text())
    for dotted, value in overrides.items():
        *parents, last = dotted.split(".")
        node = params
        for part in parents:
            node = node[part]
        node[last] = value
    params_file.write_text(yaml.safe_dump(params, sort_keys=False))


def _make(clone, *targets):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "VIRTUAL_ENV"))}
    env["PATH"] = ":".join(p for p in env.get("PATH", "").split(":") if ".venv" not in p)
    return subprocess.run(
        ["make", *targets], cwd=clone, env=env, capture_output=True, text=True, timeout=1500
    )


def test_make_repro_and_make_test_from_a_clean_clone(tmp_path):
    clone = _clone(tmp_path)
    _shrink(clone / "params.yaml", SMALL)

    repro = _make(clone, "repro")
    assert repro.returncode == 0, repro.stdout[-3000:] + repro.stderr[-3000:]
    assert (clone / ".venv" / "bin" / "leadscore").exists()
    assert "Results:" in repro.stdout
    for table in ("leads", "activities", "outcomes", "channel_costs"):
        assert (clone / "data" / "interim" / f"{table}.parquet").exists()
    assert any((clone / "data" / "ground_truth").iterdir())
    ingest = json.loads((clone / "reports" / "ingest.json").read_text())
    for counts in ingest["tables"].values():
        assert (
            counts["read"]
            == counts["accepted"] + counts["quarantined"] + counts["duplicates_merged"]
        )

    # `make test` in the clone, limited to a quick module so the suite does not recurse.
    test = _make(clone, "test", "PYTEST_ARGS=tests/test_contract.py")
    assert test.returncode == 0, test.stdout[-3000:] + test.stderr[-3000:]
    assert "passed" in test.stdout
