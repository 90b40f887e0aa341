"""build_feature_matrix: point in time, train/serve parity, DuckDB equals plain pandas."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features.behavioural import PAGE_TYPES
from features.build import build_feature_matrix, catalog_for
from features.contract import ACTIVITY_TYPES
from features.errors import LeadscoreError
from features.snapshots import as_of_calendar, build_snapshots, history_bounds, open_leads
from tests.test_features_helpers import (
    DETAILS,
    make_activities,
    make_leads,
    make_outcomes,
    project_params,
    with_plan,
    write_interim,
)

DAY = pd.Timedelta(days=1)
PARAMS = project_params()
# engagement_decayed: the plans round the same terms (to 2^-40) at different points
DECAY_TOLERANCE = {"rtol": 1e-12, "atol": 1e-10}


@pytest.fixture(scope="module")
def crm(tmp_path_factory) -> dict:
    leads = make_leads(40)
    activities = make_activities(leads, 1500)
    outcomes = make_outcomes(leads)
    interim = write_interim(tmp_path_factory.mktemp("interim"), leads, activities, outcomes)
    start, end = history_bounds(interim)
    dates = as_of_calendar(start, end, "W-MON")
    snaps = build_snapshots(leads, outcomes, as_of_dates=dates, horizon_days=30, history_end=end)
    return {
        "leads": leads,
        "activities": activities,
        "outcomes": outcomes,
        "interim": interim,
        "dates": dates,
        "pairs": snaps[["lead_id", "as_of"]].reset_index(drop=True),
    }


def reference_behaviour(activities: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """The behavioural features the slow, obvious way: one pandas filter per pair."""
    windows = PARAMS["features"]["windows_days"]
    half_life = PARAMS["features"]["half_life_days"]
    rows = []
    for lead_id, as_of in pairs[["lead_id", "as_of"]].itertuples(index=False):
        before = activities[
            (activities["lead_id"] == lead_id) & (activities["occurred_at"] < as_of)
        ]
        age = (as_of - before["occurred_at"]) / DAY
        row = {}
        for t in ACTIVITY_TYPES:
            of_type = age[before["activity_type"] == t]
            for w in windows:
                row[f"count_{t}_{w}d"] = float((of_type <= w).sum())
            row[f"count_{t}_all"] = float(len(of_type))
            row[f"days_since_last_{t}"] = of_type.min() if len(of_type) else np.nan
        row["days_since_last_activity"] = age.min() if len(age) else np.nan
        row["engagement_decayed"] = float((2.0 ** (-age / half_life)).sum())
        recent, longer = (age <= 7).sum(), (age <= 37).sum()
        rate_recent, rate_prior = recent / 7, (longer - recent) / 30
        row["velocity_7d_vs_30d"] = rate_recent / (rate_recent + rate_prior) if longer else np.nan
        row["distinct_details_all"] = float(before["detail"].dropna().nunique())
        pages = before[before["activity_type"].isin(PAGE_TYPES) & (age <= 30)]
        row["distinct_pages_30d"] = float(pages["detail"].dropna().nunique())
        row["unsubscribed_ever"] = float((before["activity_type"] == "unsubscribe").any())
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.mark.parametrize("plan", ["direct", "cumulative"])
def test_duckdb_equals_a_plain_pandas_computation(crm, plan):
    if plan == "direct":  # every lead at one date, as nightly scoring asks
        pairs = pd.DataFrame({"lead_id": crm["leads"]["lead_id"], "as_of": crm["dates"][15]})
    else:
        pairs = crm["pairs"].sample(120, random_state=3).reset_index(drop=True)
    matrix = build_feature_matrix(pairs, interim_dir=crm["interim"], params=with_plan(PARAMS, plan))
    expected = reference_behaviour(crm["activities"], pairs)
    assert expected["count_web_visit_all"].sum() > 0 and expected["distinct_pages_30d"].sum() > 0
    pd.testing.assert_frame_equal(
        matrix[expected.columns], expected, check_exact=False, rtol=1e-9, atol=1e-10
    )


def test_columns_follow_the_catalog_with_contract_dtypes(crm):
    matrix = build_feature_matrix(crm["pairs"].head(50), interim_dir=crm["interim"], params=PARAMS)
    specs = catalog_for(PARAMS)
    assert list(matrix.columns) == ["lead_id", "as_of", *(s.name for s in specs)]
    assert matrix["as_of"].dtype == "datetime64[us]"
    for spec in specs:
        expected = "str" if spec.kind == "categorical" else "float64"
        assert matrix[spec.name].dtype == expected, spec.name
    flags = ["has_phone", "industry_is_target", "email_valid", "inactive", "bounced_ever"]
    values = matrix[flags].to_numpy().ravel()
    assert set(values[~np.isnan(values)]) <= {0.0, 1.0}


def test_rows_come_back_in_the_order_of_the_pairs_duplicates_included(crm):
    pairs = crm["pairs"].sample(30, random_state=1)
    pairs = pd.concat([pairs, pairs.head(5)], ignore_index=True)
    matrix = build_feature_matrix(pairs, interim_dir=crm["interim"], params=PARAMS)
    assert matrix["lead_id"].tolist() == pairs["lead_id"].tolist()
    assert (matrix["as_of"].to_numpy() == pairs["as_of"].to_numpy()).all()
    pd.testing.assert_frame_equal(
        matrix.tail(5).reset_index(drop=True), matrix.head(5).reset_index(drop=True)
    )


def _same_rows(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Identical rows: exact for every column but the decayed sum (last-bit rounding)."""
    left = left.sort_values(["lead_id", "as_of"]).reset_index(drop=True)
    right = right.sort_values(["lead_id", "as_of"]).reset_index(drop=True)
    exact = [c for c in left.columns if c != "engagement_decayed"]
    pd.testing.assert_frame_equal(left[exact], right[exact], check_exact=True)
    np.testing.assert_allclose(
        left["engagement_decayed"], right["engagement_decayed"], **DECAY_TOLERANCE
    )


def test_training_and_nightly_scoring_give_identical_rows(crm):
    """Train/serve parity: the snapshot path (cumulative plan) and the scoring path
    (open_leads of one date, direct plan) agree for the same lead and date."""
    training = build_feature_matrix(crm["pairs"], interim_dir=crm["interim"], params=PARAMS)
    for as_of in crm["dates"][[6, 12, 20]]:
        scoring_pairs = open_leads(crm["leads"], crm["outcomes"], as_of)
        assert len(scoring_pairs) > 5
        scoring = build_feature_matrix(scoring_pairs, interim_dir=crm["interim"], params=PARAMS)
        _same_rows(scoring, training[training["as_of"] == as_of])


def test_an_unknown_lead_is_a_clear_error(crm):
    pairs = pd.DataFrame({"lead_id": ["nobody"], "as_of": [pd.Timestamp("2024-03-01")]})
    with pytest.raises(LeadscoreError, match="not in leads.parquet"):
        build_feature_matrix(pairs, interim_dir=crm["interim"], params=PARAMS)


def test_a_missing_table_or_column_is_a_clear_error(crm, tmp_path):
    pairs = crm["pairs"].head(3)
    with pytest.raises(LeadscoreError, match="run `leadscore ingest`"):
        build_feature_matrix(pairs, interim_dir=tmp_path, params=PARAMS)
    with pytest.raises(LeadscoreError, match="as_of"):
        build_feature_matrix(pairs[["lead_id"]], interim_dir=crm["interim"], params=PARAMS)


def test_no_pairs_give_an_empty_matrix_with_all_columns(crm):
    empty = crm["pairs"].head(0)
    matrix = build_feature_matrix(empty, interim_dir=crm["interim"], params=PARAMS)
    assert len(matrix) == 0 and matrix.shape[1] == 2 + len(catalog_for(PARAMS))


# --- point in time: the future never leaks ----------------------------------------------------

late_activity = st.tuples(
    st.integers(0, 10_000),  # which pair the activity is anchored on
    st.sampled_from(ACTIVITY_TYPES),
    st.integers(0, 90 * 24 * 60) | st.just(0),  # minutes at or after that pair's as_of
    st.sampled_from(DETAILS),
)


@pytest.fixture(scope="module")
def before_late_activities(crm) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """(pairs, matrix) for the training pairs (cumulative plan) and one as_of per lead (direct)."""
    pairs = crm["pairs"]
    scoring = pairs.drop_duplicates("lead_id", keep="last").reset_index(drop=True)
    return [
        (rows, build_feature_matrix(rows, interim_dir=crm["interim"], params=PARAMS))
        for rows in (pairs, scoring)
    ]


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(extra=st.lists(late_activity, min_size=1, max_size=25))
def test_activities_at_or_after_as_of_never_change_a_row(crm, before_late_activities, extra):
    pairs = crm["pairs"]
    anchors = pairs.iloc[[i % len(pairs) for i, *_ in extra]].reset_index(drop=True)
    added = pd.DataFrame(
        {
            "lead_id": pd.array(anchors["lead_id"], dtype="str"),
            "occurred_at": (
                anchors["as_of"] + pd.to_timedelta([m for _, _, m, _ in extra], unit="min")
            ).astype("datetime64[us]"),
            "activity_type": pd.array([t for _, t, _, _ in extra], dtype="str"),
            "detail": pd.array([d for *_, d in extra], dtype="str"),
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        later = write_interim(
            Path(tmp),
            crm["leads"],
            pd.concat([crm["activities"], added], ignore_index=True),
            crm["outcomes"],
        )
        for rows, before in before_late_activities:
            after = build_feature_matrix(rows, interim_dir=later, params=PARAMS)
            first_added = added.groupby("lead_id")["occurred_at"].min()
            cutoff = rows["lead_id"].map(first_added)
            untouched = (cutoff.isna() | (rows["as_of"] <= cutoff)).to_numpy()
            assert untouched.sum() >= len(rows) // 2
            _same_rows(after[untouched], before[untouched])
