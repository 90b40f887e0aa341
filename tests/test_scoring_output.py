"""The CRM import file: mappings, injection neutralisation, deterministic and atomic writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pyarrow.csv as pa_csv
import pytest

from features.errors import LeadscoreError
from scoring.output import (
    COLUMNS,
    import_format,
    neutralise,
    remove_stale_temporaries,
    sort_rows,
    text_column,
    write_scores,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def score_frame(n: int = 6, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = rng.random(n)
    frame = pd.DataFrame(
        {
            "lead_id": pd.array([f"L{i:05d}" for i in range(n)], dtype="str"),
            "score": np.floor(100 * p + 0.5).astype("int64"),
            "probability": p,
            "tier": pd.array(rng.choice(["hot", "warm", "cold"], n), dtype="str"),
            "route": pd.array(rng.choice(["sales", "nurture", "none"], n), dtype="str"),
            "expected_value": p * 8000 - 150,
            "reason_1": pd.array(["Visited the pricing page once (+)"] * n, dtype="str"),
            "reason_2": pd.array(["Student title (\u2212)"] * n, dtype="str"),
            "reason_3": pd.array([None] * n, dtype="str"),
            "model_version": "3",
            "scored_at": pd.Series([pd.Timestamp("2025-06-02")] * n, dtype="datetime64[us]"),
            "arm": pd.array(rng.choice(["model", "control"], n), dtype="str"),
        }
    )
    return frame[list(COLUMNS)]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_a_spreadsheet_would_execute_get_a_leading_quote(start):
    cell = f'{start}HYPERLINK("http://x")'
    assert neutralise(pd.Series([cell, "safe", "a=b"], dtype="str")).tolist() == [
        "'" + cell,
        "safe",
        "a=b",
    ]


def test_neutralised_cells_in_the_written_csv(tmp_path):
    frame = score_frame(4)
    frame["lead_id"] = pd.array(["=1+1", "+L1", "-L2", "@SUM(A1)"], dtype="str")
    frame["reason_3"] = pd.array(["=cmd|' /C calc'!A0", "ok", None, "\tTab"], dtype="str")
    frame["expected_value"] = [-150.0, -20.5, 10.0, 0.0]  # negative numbers stay numbers
    out = tmp_path / "scores.csv"
    write_scores(
        frame,
        csv_path=out,
        parquet_path=tmp_path / "s.parquet",
        history_path=None,
        fmt=import_format(),
    )
    written = pa_csv.read_csv(out).to_pandas()
    assert sorted(written["lead_id"]) == sorted(["'=1+1", "'+L1", "'-L2", "'@SUM(A1)"])
    assert set(written["reason_3"]) - {""} == {"'=cmd|' /C calc'!A0", "ok", "'\tTab"}
    assert sorted(written["expected_value"]) == [-150.0, -20.5, 0.0, 10.0]
    raw = pd.read_parquet(tmp_path / "s.parquet")  # the canonical file keeps the real ids
    assert sorted(raw["lead_id"]) == sorted(["=1+1", "+L1", "-L2", "@SUM(A1)"])


def test_salesforce_preset_maps_headers_labels_and_dates(tmp_path):
    fmt = import_format(preset="salesforce", labels={"route": {"none": "No action"}})
    out = tmp_path / "scores.csv"
    write_scores(
        score_frame(),
        csv_path=out,
        parquet_path=tmp_path / "s.parquet",
        history_path=None,
        fmt=fmt,
    )
    written = pd.read_csv(out)
    assert list(written.columns[:6]) == [
        "Id",
        "Lead_Score__c",
        "Conversion_Probability__c",
        "Rating",
        "Lead_Route__c",
        "Expected_Value__c",
    ]
    assert set(written["Rating"]) <= {"Hot", "Warm", "Cold"}
    assert set(written["Lead_Route__c"]) <= {"Sales", "Nurture", "No action"}
    assert set(written["Scored_At__c"]) == {"2025-06-02T00:00:00Z"}


def test_hubspot_preset_and_overrides():
    fmt = import_format(preset="hubspot", columns={"score": "hubspotscore"})
    assert fmt.header("lead_id") == "Record ID"
    assert fmt.header("score") == "hubspotscore"
    assert fmt.datetime_format == "%Y-%m-%d"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"preset": "marketo"}, "scoring.preset 'marketo' unknown"),
        ({"columns": {"scroe": "x"}}, "unknown column(s) ['scroe']"),
        ({"columns": {"score": "tier"}}, "the same header"),
        ({"labels": {"tier": {"hott": "A"}}}, "unknown value(s) ['hott']"),
        ({"labels": {"score": {"1": "A"}}}, "only ['tier', 'route', 'arm']"),
    ],
)
def test_bad_mappings_are_one_clear_error(kwargs, message):
    with pytest.raises(LeadscoreError, match=None) as error:
        import_format(**kwargs)
    assert message in str(error.value)


def test_rows_sorted_and_rewrites_byte_identical(tmp_path):
    frame = score_frame(50, seed=1)
    paths = {}
    for name in ("a", "b"):
        paths[name] = (tmp_path / name / "scores.csv", tmp_path / name / "scores.parquet")
        shuffled = frame.sample(frac=1, random_state=len(name) * 7)  # input order must not matter
        write_scores(
            shuffled,
            csv_path=paths[name][0],
            parquet_path=paths[name][1],
            history_path=tmp_path / name / "history" / "scores_2025-06-02.parquet",
            fmt=import_format(),
        )
    for a, b in zip(paths["a"], paths["b"], strict=True):
        assert a.read_bytes() == b.read_bytes()
    written = pd.read_csv(paths["a"][0])
    assert written["probability"].is_monotonic_decreasing
    assert (tmp_path / "a" / "history" / "scores_2025-06-02.parquet").read_bytes() == paths["a"][
        1
    ].read_bytes()


def test_failure_during_the_write_leaves_the_old_files_byte_identical(tmp_path):
    csv, parquet = tmp_path / "scores.csv", tmp_path / "scores.parquet"
    write_scores(
        score_frame(10),
        csv_path=csv,
        parquet_path=parquet,
        history_path=None,
        fmt=import_format(),
    )
    before = csv.read_bytes(), parquet.read_bytes()

    def fail_after_first_batch(rows: int) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_scores(
            score_frame(500, seed=2),
            csv_path=csv,
            parquet_path=parquet,
            history_path=None,
            fmt=import_format(),
            on_rows=fail_after_first_batch,
            batch_rows=100,
        )
    assert (csv.read_bytes(), parquet.read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.csv", "scores.parquet"]


def test_a_run_killed_mid_write_leaves_the_old_file_intact(tmp_path):
    """SIGKILL after the first CSV batch reached the temp file: the old bytes stay."""
    csv, parquet = tmp_path / "scores.csv", tmp_path / "scores.parquet"
    write_scores(
        score_frame(10),
        csv_path=csv,
        parquet_path=parquet,
        history_path=None,
        fmt=import_format(),
    )
    before = csv.read_bytes(), parquet.read_bytes()
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path.insert(0, {ROOT!r}); sys.path.insert(0, {os.path.join(ROOT, "tests")!r})
        from test_scoring_output import score_frame
        from scoring.output import import_format, write_scores

        def die(rows):
            os.kill(os.getpid(), signal.SIGKILL)

        write_scores(
            score_frame(5000, seed=4), csv_path={str(csv)!r}, parquet_path={str(parquet)!r},
            history_path=None, fmt=import_format(), on_rows=die, batch_rows=500,
        )
        """
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, timeout=120)
    assert result.returncode == -signal.SIGKILL
    assert (csv.read_bytes(), parquet.read_bytes()) == before
    leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert any(p.name.startswith(".scores.csv.") and p.stat().st_size > 0 for p in leftovers)
    assert remove_stale_temporaries(csv, parquet) == len(leftovers)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.csv", "scores.parquet"]


def test_written_files_are_readable_by_others_like_any_new_file(tmp_path):
    csv = tmp_path / "scores.csv"
    old = os.umask(0o022)
    try:
        write_scores(
            score_frame(3),
            csv_path=csv,
            parquet_path=tmp_path / "s.parquet",
            history_path=None,
            fmt=import_format(),
        )
    finally:
        os.umask(old)
    assert csv.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("ids_sorted", [True, False])
def test_row_order_is_probability_then_lead_id_with_or_without_sorted_ids(ids_sorted):
    rng = np.random.default_rng(1)
    frame = score_frame(500)
    frame["probability"] = rng.choice([0.1, 0.25, 0.5], 500)  # many ties
    frame["lead_id"] = pd.array([f"L{i // 2:05d}" for i in range(500)], dtype="str")  # doubles
    frame["score"] = np.arange(500)  # tells rows with the same id apart
    if not ids_sorted:
        frame = frame.sample(frac=1, random_state=0)
    expected = frame.sort_values(
        ["probability", "lead_id"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)
    pd.testing.assert_frame_equal(sort_rows(frame), expected)


def test_neutralise_keeps_missing_cells_and_the_str_type():
    out = neutralise(pd.Series(["=1", None, "ok", "-2"], dtype="str", name="reason_1"))
    assert out.dtype == "str" and out.name == "reason_1"
    assert out.isna().tolist() == [False, True, False, False]
    assert out.dropna().tolist() == ["'=1", "ok", "'-2"]


def test_text_column_takes_labels_by_code():
    column = text_column(np.array([1, 0, -1, 1]), ["model", "control"])
    assert column.dtype == "str"
    assert column.equals(pd.array(["control", "model", None, "control"], dtype="str"))
