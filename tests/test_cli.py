import subprocess
import sys

from tests.conftest import ROOT


def run_cli(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args], cwd=cwd, capture_output=True, text=True
    )


def test_help_lists_every_stage():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("generate", "ingest", "featurize", "train", "score", "where"):
        assert command in result.stdout


def test_broken_params_file_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "params.yaml").write_text("generate: [unclosed\n")
    result = run_cli("--params", str(tmp_path / "params.yaml"), "generate", cwd=ROOT)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "not valid YAML" in result.stderr
