"""The feature catalog: generated from the definitions, in matrix order, readable markdown."""

from __future__ import annotations

from features.build import catalog_for
from features.catalog import FAMILIES, FEATURES, KINDS, catalog_markdown, feature_specs
from features.contract import ACTIVITY_TYPES
from tests.test_features_helpers import project_params


def test_every_feature_has_a_unique_name_a_meaning_a_family_and_a_kind():
    names = [f.name for f in FEATURES]
    assert len(names) == len(set(names))
    for spec in FEATURES:
        assert spec.meaning and spec.family in FAMILIES and spec.kind in KINDS, spec


def test_the_names_the_brief_and_the_point_table_use_exist():
    names = {f.name for f in FEATURES}
    fixed = {
        "channel", "campaign", "country", "region", "industry", "industry_is_target",
        "employees", "employee_band", "seniority", "job_function", "email_domain_type",
        "has_phone", "email_valid", "lead_age_days", "engagement_decayed",
        "velocity_7d_vs_30d", "days_since_last_activity", "unsubscribed_ever", "bounced_ever",
        "inactive", "distinct_details_all", "distinct_pages_30d",
    }  # fmt: skip
    assert fixed <= names
    for t in ACTIVITY_TYPES:
        for suffix in ("7d", "30d", "90d", "all"):
            assert f"count_{t}_{suffix}" in names
        assert f"days_since_last_{t}" in names
    rules = project_params()["point_table"]["rules"]
    assert {rule["feature"] for rule in rules} <= names


def test_negative_signals_are_in_the_negative_family():
    family = {f.name: f.family for f in FEATURES}
    for name in ("unsubscribed_ever", "bounced_ever", "inactive", "count_careers_page_view_30d"):
        assert family[name] == "negative"
    assert family["count_pricing_page_view_7d"] == "behavioural"
    assert family["seniority"] == "demographic"


def test_catalog_follows_the_parameters():
    params = project_params()
    params["features"]["windows_days"] = [14]
    params["ingest"]["extra_activity_types"] = ["chat_message"]
    names = [s.name for s in catalog_for(params)]
    assert "count_chat_message_14d" in names and "count_email_open_7d" not in names
    assert feature_specs() == FEATURES


def test_markdown_has_one_row_per_feature_in_order():
    text = catalog_markdown(FEATURES)
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == len(FEATURES)
    assert rows[0].startswith("| `channel` |") and "| demographic | categorical |" in rows[0]
    assert text.splitlines()[0] == "# Feature catalog"
