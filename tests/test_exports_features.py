"""Derived export features: point-in-time page popularity and the count of empty fields."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.errors import LeadscoreError
from features.export_features import (
    add_empty_fields,
    constant_columns,
    empty_field_count,
    empty_field_sources,
    prior_leads,
    select_features,
)
from features.flat_export import flat_feature_frame
from features.sources import load_source
from tests.export_files import write_flat


def brute_force_prior(values: pd.Series, as_of: pd.Series) -> list[float]:
    day = as_of.dt.floor("D")
    return [
        np.nan if pd.isna(v) else float(((values == v) & (day < d)).sum())
        for v, d in zip(values, day, strict=True)
    ]


def test_prior_leads_counts_only_leads_from_earlier_days():
    values = pd.Series(["a", "a", "b", "a", None, "a", "b"], dtype="str")
    as_of = pd.to_datetime(
        [
            "2024-01-05T00:00:00",
            "2024-01-01",
            "2024-01-01",
            "2024-01-05T15:00:00",
            "2024-01-02",
            "2024-01-09",
            "2024-01-03",
        ],
        format="ISO8601",
    ).to_series(index=range(7))
    counts = prior_leads(values, as_of)
    # the two 5 January leads see only the 1 January one: not each other, not the 9th
    assert counts.tolist()[:4] == [1.0, 0.0, 0.0, 1.0]
    assert np.isnan(counts[4])
    assert counts.tolist()[5:] == [3.0, 1.0]


def test_prior_leads_ignores_later_leads_and_row_order():
    rng = np.random.default_rng(3)
    n = 400
    values = pd.Series(rng.choice(["p1", "p2", "p3", None], n), dtype="str")
    as_of = pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 60, n), "D"))
    counts = prior_leads(values, as_of)
    assert counts.tolist() == pytest.approx(brute_force_prior(values, as_of), nan_ok=True)
    # leads arriving later change nothing for the earlier ones
    early = as_of < pd.Timestamp("2024-01-31")
    alone = prior_leads(values[early], as_of[early])
    pd.testing.assert_series_equal(alone, counts[early])
    shuffled = rng.permutation(n)
    again = prior_leads(values.iloc[shuffled], as_of.iloc[shuffled])
    pd.testing.assert_series_equal(again.sort_index(), counts)


def test_flat_config_adds_prior_leads_counted_over_censored_rows_too(tmp_path):
    config_path, csv = write_flat(
        tmp_path, n=600, dated=True, derived={"prior_leads": ["Lead Source"]}
    )
    examples = flat_feature_frame(load_source(config_path))
    raw = pd.read_csv(csv, keep_default_na=False, dtype="str")
    created = pd.to_datetime(raw["Created"], format="%d/%m/%Y")
    source = raw["Lead Source"].str.strip().str.lower().replace({"": None, "select": None})
    expected = pd.Series(brute_force_prior(source, created), index=raw["Lead Id"])
    got = examples.frame.set_index("lead_id")["lead_source_prior_leads"]
    assert examples.report["censored"] > 0  # the censored rows still count as earlier leads
    assert got.to_numpy() == pytest.approx(expected[got.index].to_numpy(), nan_ok=True)
    assert examples.feature_columns["lead_source_prior_leads"] == "Lead Source"


def test_prior_leads_needs_dates_and_a_categorical_column(tmp_path):
    config_path, _ = write_flat(tmp_path, n=50, derived={"prior_leads": ["Lead Source"]})
    with pytest.raises(LeadscoreError, match="needs a created date"):
        load_source(config_path)
    config_path, _ = write_flat(
        tmp_path, n=50, dated=True, derived={"prior_leads": ["Total Visits"]}
    )
    with pytest.raises(LeadscoreError, match="not a categorical extra column"):
        load_source(config_path)


def test_empty_fields_counts_only_the_columns_that_passed_leakage_detection(tmp_path):
    config_path, _ = write_flat(tmp_path, n=300, derived={"empty_fields": True})
    config = load_source(config_path)
    examples = flat_feature_frame(config)
    kept = ["lead_source", "total_visits", "occupation"]  # disposition columns "excluded"
    features = add_empty_fields(examples, kept, config)
    assert features == [*kept, "empty_fields"]
    expected = examples.frame[kept].isna().sum(axis=1).astype("float64")
    pd.testing.assert_series_equal(examples.frame["empty_fields"], expected, check_names=False)
    assert examples.frame["empty_fields"].max() > 0  # "Select" counts as empty
    assert empty_field_count(examples.frame, []).eq(0).all()


def test_empty_fields_counts_export_fields_not_derived_counts():
    columns = {"source": "Source", "source_prior_leads": "Source", "visits": "Visits"}
    fields = empty_field_sources(
        ["source", "source_prior_leads", "visits", "engagement"], columns, {"Source", "Visits"}
    )
    assert fields == ["source", "visits"]  # engagement is not from an export field


def test_constant_columns_treat_missing_as_a_value():
    frame = pd.DataFrame({"one": ["x"] * 3, "empty": [np.nan] * 3, "gappy": ["x", None, "x"]})
    assert constant_columns(frame, ["one", "empty", "gappy"]) == ["one", "empty"]


def test_select_features_checks_leakage_on_the_learning_rows_only(tmp_path):
    config_path, _ = write_flat(tmp_path, n=400, derived={"empty_fields": True})
    config = load_source(config_path)
    examples = flat_feature_frame(config)
    learn = np.arange(len(examples.frame)) < 300
    features, constant, leakage = select_features(examples, learn=learn, config=config, seed=0)
    assert leakage.rows == 300
    assert {"Disposition", "Deal Size"} <= set(leakage.excluded)  # the planted leaks
    assert features == ["lead_source", "total_visits", "occupation", "empty_fields"]
    assert constant == []
