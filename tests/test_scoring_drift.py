"""PSI against hand-computed values; numeric, categorical and missing bins; reference sampling."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scoring.drift import column_psi, drift_report, fit_binning, psi, read_reference


def test_psi_hand_computed():
    # e = (0.5, 0.5), a = (0.25, 0.75): (-0.25) ln(0.5) + 0.25 ln(1.5)
    expected = -0.25 * math.log(0.5) + 0.25 * math.log(1.5)
    assert psi([50, 50], [25, 75]) == pytest.approx(expected)
    assert psi([10, 20, 30], [1, 2, 3]) == pytest.approx(0.0)


def test_empty_bins_count_as_rare_not_impossible():
    value = psi([100, 0], [50, 50])
    floor = 1e-4
    expected = (0.5 - 1.0) * math.log(0.5 / 1.0) + (0.5 - floor) * math.log(0.5 / floor)
    assert value == pytest.approx(expected)


def test_numeric_bins_are_reference_deciles_with_missing_apart():
    reference = pd.Series(np.arange(1000, dtype=float))
    binning = fit_binning(reference, categorical=False)
    assert len(binning.edges) == 9
    counts = binning.counts(pd.Series([np.nan, -5.0, 5000.0, 150.0]))
    assert counts[-1] == 1 and counts[0] == 1 and counts[-2] == 1 and counts.sum() == 4


def test_categories_outside_the_reference_go_to_other():
    reference = pd.Series(["a"] * 50 + ["b"] * 50, dtype="str")
    binning = fit_binning(reference, categorical=True)
    counts = binning.counts(pd.Series(["a", "c", None], dtype="str"))
    assert counts.tolist() == [1, 0, 1, 1]  # a, b, other, missing


def test_shift_is_flagged_and_stable_feature_is_not():
    rng = np.random.default_rng(0)
    reference = pd.DataFrame(
        {"x": rng.normal(0, 1, 5000), "c": rng.choice(["a", "b"], 5000), "y": rng.random(5000)}
    )
    current = pd.DataFrame(
        {
            "x": rng.normal(1.0, 1, 2000),
            "c": rng.choice(["a", "b"], 2000, p=[0.9, 0.1]),
            "y": rng.random(2000),
        }
    )
    report = drift_report(
        reference,
        current,
        kinds={"x": "numeric", "c": "categorical", "y": "numeric", "absent": "numeric"},
        reference_score=rng.integers(0, 100, 5000),
        current_score=rng.integers(0, 100, 2000),
        warn_psi=0.2,
    )
    assert report["drifted_features"] == ["x", "c"] or report["drifted_features"] == ["c", "x"]
    assert not report["features"]["y"]["drifted"] and report["features"]["y"]["psi"] < 0.05
    assert report["status"] == "drift" and not report["score"]["drifted"]
    assert report["features_not_in_reference"] == ["absent"]
    assert column_psi(reference["x"], reference["x"], categorical=False) == 0.0


def test_reference_sample_is_bounded_and_deterministic(tmp_path):
    frame = pd.DataFrame({"a": np.arange(10_000, dtype=float), "b": np.arange(10_000) % 7})
    path = tmp_path / "train.parquet"
    frame.to_parquet(path, row_group_size=1000)
    one = read_reference(path, ["a", "missing"], max_rows=500, seed=1)
    two = read_reference(path, ["a"], max_rows=500, seed=1)
    assert len(one) == 500 and list(one.columns) == ["a"]
    assert one.equals(two)
    assert one["a"].is_monotonic_increasing and one["a"].nunique() == 500
    assert len(read_reference(path, ["a"], max_rows=50_000, seed=1)) == 10_000


def test_ignored_features_are_reported_but_never_drifted():
    rng = np.random.default_rng(1)
    reference = pd.DataFrame({"campaign": rng.choice(["q1-a", "q1-b"], 1000)})
    current = pd.DataFrame({"campaign": rng.choice(["q4-a", "q4-b"], 500)})
    kinds = {"campaign": "categorical"}
    alarmed = drift_report(
        reference,
        current,
        kinds=kinds,
        reference_score=None,
        current_score=np.zeros(500),
        warn_psi=0.2,
    )
    assert alarmed["status"] == "drift" and alarmed["drifted_features"] == ["campaign"]
    quiet = drift_report(
        reference,
        current,
        kinds=kinds,
        reference_score=None,
        current_score=np.zeros(500),
        warn_psi=0.2,
        ignore=["campaign"],
    )
    assert quiet["status"] == "ok" and quiet["drifted_features"] == []
    assert quiet["features"]["campaign"]["ignored"] and quiet["features"]["campaign"]["psi"] > 1
