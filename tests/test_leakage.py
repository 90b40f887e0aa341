"""Leakage detection: planted leaky columns are caught with evidence, honest ones are not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.flat_export import flat_feature_frame
from features.leakage import (
    AFTER_OUTCOME,
    FILLED_TOGETHER,
    ONE_CLASS_FILL,
    SETTLING_VALUES,
    SINGLE_COLUMN_AUC,
    detect_leakage,
    single_column_auc,
)
from features.sources import LeakageSettings, load_source
from tests.conftest import ROOT
from tests.export_files import REP_WRITTEN


def planted(
    n: int = 3000, seed: int = 0, base_rate: float = 0.35
) -> tuple[pd.DataFrame, np.ndarray]:
    """Honest columns with some signal, and one planted leak of each kind."""
    rng = np.random.default_rng(seed)
    visits = rng.poisson(3, n).astype(float)
    channel = rng.choice(["search", "social", "referral"], n)
    logit = np.log(base_rate / (1 - base_rate)) + 0.3 * (visits - 3) + 0.5 * (channel == "referral")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    flip = rng.random(n) < 0.02
    worked = rng.random(n) < 0.5
    frame = pd.DataFrame(
        {
            "visits": visits,
            "channel": pd.Series(channel, dtype="str"),
            "lead_number": np.arange(n, dtype=float),  # an id: unique per row
            # almost the outcome itself, e.g. a 'won' checkbox exported by mistake
            "is_customer": np.where(flip, 1 - y, y).astype(float),
            # a disposition written by the rep who worked half of the leads
            "disposition": pd.Series(
                np.where(worked, np.where(y == 1, "closed", "lost to competitor"), None),
                dtype="str",
            ),
            # its score: written in the same step, so empty on the same rows
            "disposition_score": np.where(worked, rng.normal(10, 2, n), np.nan),
            # a deal attribute that exists only for won deals
            "segment": pd.Series(
                np.where(y == 1, rng.choice(["pets", "toys"], n), None), dtype="str"
            ),
        }
    )
    return frame, y


ORIGIN = {
    c: c
    for c in (
        "visits",
        "channel",
        "lead_number",
        "is_customer",
        "disposition",
        "disposition_score",
        "segment",
    )
}


def test_each_planted_leak_is_flagged_with_its_evidence():
    X, y = planted()
    report = detect_leakage(X, y, feature_columns=ORIGIN, settings=LeakageSettings(), seed=1)
    flagged = report.flagged
    assert set(flagged) == {"is_customer", "disposition", "disposition_score", "segment"}
    assert SINGLE_COLUMN_AUC in flagged["is_customer"]["checks"]
    assert flagged["is_customer"]["evidence"][SINGLE_COLUMN_AUC]["single_column_auc"] > 0.95
    assert SETTLING_VALUES in flagged["disposition"]["checks"]
    settled = flagged["disposition"]["evidence"][SETTLING_VALUES]["values"]
    assert settled["closed"]["conversion_rate"] == 1.0
    assert settled["lost to competitor"]["conversion_rate"] == 0.0
    assert flagged["disposition_score"]["checks"] == [FILLED_TOGETHER]
    assert flagged["disposition_score"]["evidence"][FILLED_TOGETHER]["with"] == "disposition"
    assert ONE_CLASS_FILL in flagged["segment"]["checks"]
    evidence = flagged["segment"]["evidence"][ONE_CLASS_FILL]
    assert evidence == {"fill_rate_converted": 1.0, "fill_rate_not_converted": 0.0}
    assert sorted(report.excluded) == sorted(flagged)
    assert all(f["action"] == "excluded" for f in flagged.values())
    # every column's figures are in the report, strongest single-column AUC first
    aucs = [c["single_column_auc"] for c in report.as_dict()["columns"]]
    assert len(aucs) == 7 and aucs == sorted(aucs, reverse=True)


def test_an_id_column_does_not_look_predictive():
    X, y = planted()
    assert abs(single_column_auc(X["lead_number"], y, seed=0) - 0.5) < 0.05
    identifiers = pd.Series([f"id{i}" for i in range(len(y))], dtype="str")
    assert abs(single_column_auc(identifiers, y, seed=0) - 0.5) < 0.05


def test_honest_signal_is_not_flagged_even_when_strong():
    rng = np.random.default_rng(5)
    x = rng.normal(size=4000)
    y = (rng.random(4000) < 1 / (1 + np.exp(-1.5 * x))).astype(int)
    X = pd.DataFrame({"score": x})
    report = detect_leakage(X, y, feature_columns={}, settings=LeakageSettings(), seed=0)
    assert report.flagged == {} and report.excluded == []
    assert 0.7 < report.columns[0]["single_column_auc"] < 0.9


def test_a_value_nobody_converts_from_settles_nothing_at_a_low_base_rate():
    rng = np.random.default_rng(2)
    page = rng.choice(["a", "b", "c", "d"], 5000)
    y = (rng.random(5000) < np.where(page == "d", 0.0, 0.08)).astype(int)
    X = pd.DataFrame({"page": pd.Series(page, dtype="str")})
    report = detect_leakage(X, y, feature_columns={}, settings=LeakageSettings(), seed=0)
    assert report.flagged == {}


def test_timestamps_after_the_outcome_are_flagged():
    X, y = planted(1000)
    outcome = pd.Series(
        pd.Timestamp("2024-06-01") + pd.to_timedelta(np.arange(1000) % 50, unit="D")
    )
    outcome = outcome.where(y == 1)
    stamps = pd.DataFrame(
        {
            "closed_on": outcome + pd.Timedelta(hours=2),  # written when the deal closed
            "signed_up": pd.Series(pd.Timestamp("2024-01-01"), index=range(1000)),
        }
    )
    report = detect_leakage(
        X[["visits"]],
        y,
        feature_columns={},
        settings=LeakageSettings(),
        timestamps=stamps,
        outcome_at=outcome,
    )
    assert list(report.flagged) == ["closed_on"]
    assert (
        report.flagged["closed_on"]["evidence"][AFTER_OUTCOME]["share_at_or_after_outcome"] == 1.0
    )


def test_override_keeps_a_flagged_column_and_exclude_needs_no_evidence():
    X, y = planted()
    settings = LeakageSettings(keep=("segment",), exclude=("channel",))
    report = detect_leakage(X, y, feature_columns=ORIGIN, settings=settings, seed=1)
    assert report.flagged["segment"]["action"] == "kept: listed in leakage.keep"
    assert "segment" not in report.excluded
    assert "channel" in report.excluded and "channel" not in report.flagged
    off = detect_leakage(X, y, feature_columns=ORIGIN, settings=LeakageSettings(detect=False))
    assert off.excluded == [] and set(off.flagged) >= {"is_customer", "segment"}
    assert all(f["action"] == "kept: leakage.detect is off" for f in off.flagged.values())


def test_flags_the_columns_x_education_reps_wrote(shared_data):
    config = load_source(ROOT / "configs/xeducation.yaml", root=ROOT)
    examples = flat_feature_frame(config)
    frame = examples.frame
    report = detect_leakage(
        frame[examples.features],
        frame["label"].to_numpy(),
        feature_columns=examples.feature_columns,
        settings=config.leakage,
        seed=42,
    )
    assert set(report.excluded) >= REP_WRITTEN
    tags = report.flagged["Tags"]
    assert tags["evidence"][SINGLE_COLUMN_AUC]["single_column_auc"] > 0.9
    assert "closed by horizzon" in tags["evidence"][SETTLING_VALUES]["values"]
    quality = report.flagged["Lead Quality"]["evidence"][SETTLING_VALUES]["values"]
    assert quality["worst"]["conversion_rate"] < 0.05
    for index in ("Asymmetrique Activity Index", "Asymmetrique Profile Index"):
        assert report.flagged[index]["checks"] == [FILLED_TOGETHER]
    # the behaviour columns the website recorded are not flagged
    for honest in ("Total Time Spent on Website", "TotalVisits", "Lead Origin"):
        assert honest not in report.flagged


@pytest.mark.parametrize("seed", [0, 1])
def test_detection_is_deterministic(seed):
    X, y = planted(800)
    first = detect_leakage(X, y, feature_columns=ORIGIN, settings=LeakageSettings(), seed=seed)
    again = detect_leakage(X, y, feature_columns=ORIGIN, settings=LeakageSettings(), seed=seed)
    assert first.as_dict() == again.as_dict()
