"""Reason strings: known sentences per feature, the top-three choice, signs, vectorised = naive."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.reasons import (
    DOWN,
    N_REASONS,
    UP,
    Sentences,
    template_for,
    top_features,
    top_reason_codes,
)


def top_reasons(contributions, features, names, templates, kinds):
    """Reason strings (None: no reason) per rank, from a (rows, features) contributions matrix."""
    sentences = Sentences()
    codes = top_reason_codes(
        np.asarray(contributions, dtype=float).T, features, names, templates, kinds, sentences
    )
    distinct = np.array([*sentences.distinct(), None], dtype=object)
    assert len(codes) == N_REASONS
    return [distinct[rank] for rank in codes]  # code -1 picks the trailing None


@pytest.mark.parametrize(
    ("feature", "value", "sentence"),
    [
        ("count_pricing_page_view_7d", 3, "Visited the pricing page 3 times in the last 7 days"),
        ("count_pricing_page_view_7d", 1, "Visited the pricing page once in the last 7 days"),
        ("count_pricing_page_view_30d", 2, "Visited the pricing page twice in the last 30 days"),
        ("count_pricing_page_view_7d", 0, "No pricing-page visits in the last 7 days"),
        ("count_email_open_all", 1, "Opened 1 e-mail"),
        ("count_email_open_all", 4, "Opened 4 e-mails"),
        ("count_webinar_attended_90d", 2, "Attended 2 webinars in the last 90 days"),
        ("count_demo_request_all", 1, "Requested a demo once"),
        ("days_since_last_pricing_page_view", 12.7, "Last pricing-page visit 12 days ago"),
        ("days_since_last_pricing_page_view", np.nan, "No pricing-page visits"),
        ("days_since_last_activity", 45.2, "No activity for 45 days"),
        ("days_since_last_activity", 0.4, "Active within the last day"),
        ("count_activities_7d", 0, "No activity in the last 7 days"),
        ("count_activities_all", 12, "12 activities in total"),
        ("email_domain_type", "education", "Student e-mail address"),
        ("email_domain_type", "competitor", "E-mail address at a competitor"),
        ("seniority", "vp", "VP-level title"),
        ("seniority", "student", "Student title"),
        ("industry_is_target", 0.0, "Industry outside the target group"),
        ("industry_is_target", 1.0, "Target industry"),
        ("channel", "paid_search", "Came in through paid search"),
        ("employees", 1234.0, "Company with 1,234 employees"),
        ("employee_band", "51-200", "Company size 51-200 employees"),
        ("country", "de", "Based in DE"),
        ("region", "north_america", "Based in North America"),
        ("job_function", "it", "Works in IT"),
        ("has_phone", 0.0, "No phone number"),
        ("unsubscribed_ever", 1.0, "Unsubscribed from e-mails"),
        ("velocity_7d_vs_30d", 0.9, "Activity picking up in the last 7 days"),
        ("intent_share_30d", 0.25, "25% of the last 30 days' activity shows buying intent"),
        ("lead_age_days", 3.5, "Lead created 3 days ago"),
    ],
)
def test_known_sentences(feature, value, sentence):
    kind = "categorical" if isinstance(value, str) else "numeric"
    assert template_for(feature, kind=kind)(value) == sentence


def test_inactive_uses_the_configured_days():
    assert template_for("inactive", inactivity_days=45)(1.0) == "No activity for 45+ days"


def test_extra_activity_type_and_unknown_feature_get_readable_fallbacks():
    assert (
        template_for("count_webinar_hosted_7d")(3)
        == "3 webinar hosted activities in the last 7 days"
    )  # noqa: E501
    assert template_for("count_webinar_hosted_all")(1) == "1 webinar hosted activity"
    render = template_for("budget_band", kind="categorical", meaning="budget band (self-reported)")
    assert render("over_100k") == "Budget band: over 100k"
    assert render(None) == "Budget band: not known"


def test_top_reasons_picks_largest_magnitudes_in_order_with_signs():
    names = [
        "seniority",
        "count_pricing_page_view_7d",
        "email_domain_type",
        "days_since_last_activity",
    ]  # noqa: E501
    kinds = ["categorical", "numeric", "categorical", "numeric"]
    features = pd.DataFrame(
        {
            "seniority": pd.array(["vp", "student"], dtype="str"),
            "count_pricing_page_view_7d": [3.0, 0.0],
            "email_domain_type": pd.array(["corporate", "education"], dtype="str"),
            "days_since_last_activity": [2.0, 45.0],
        }
    )
    contributions = np.array(
        [
            [0.8, 1.2, 0.1, 0.0],  # pricing (+), vp (+), corporate (+); inactivity did not move
            [-0.9, 0.0, -1.5, -0.3],  # student e-mail (-), student title (-), inactivity (-)
        ]
    )
    templates = [template_for(n, kind=k) for n, k in zip(names, kinds, strict=True)]
    first, second, third = top_reasons(contributions, features, names, templates, kinds)
    assert list(first) == [
        f"Visited the pricing page 3 times in the last 7 days {UP}",
        f"Student e-mail address {DOWN}",
    ]
    assert list(second) == [f"VP-level title {UP}", f"Student title {DOWN}"]
    assert list(third) == [f"Corporate e-mail address {UP}", f"No activity for 45 days {DOWN}"]
    assert DOWN == "(\u2212)"


def test_features_that_did_not_move_the_score_give_no_reason():
    features = pd.DataFrame({"a": [1.0], "b": [2.0]})
    templates = [template_for("a"), template_for("b")]
    reasons = top_reasons(np.array([[0.5, 0.0]]), features, ["a", "b"], templates, ["numeric"] * 2)
    assert reasons[0][0] == f"A: 1 {UP}"
    assert reasons[1][0] is None and reasons[2][0] is None


def test_vectorised_reasons_equal_a_plain_loop_over_rows():
    rng = np.random.default_rng(3)
    n = 400
    names = ["count_web_visit_30d", "seniority", "days_since_last_activity", "engagement_decayed"]
    kinds = ["numeric", "categorical", "numeric", "numeric"]
    features = pd.DataFrame(
        {
            "count_web_visit_30d": rng.poisson(2, n).astype(float),
            "seniority": pd.array(rng.choice(["vp", "intern", "manager"], n), dtype="str"),
            "days_since_last_activity": np.where(rng.random(n) < 0.2, np.nan, rng.gamma(2, 10, n)),
            "engagement_decayed": rng.gamma(1, 2, n),
        }
    )
    contributions = rng.normal(0, 1, (n, len(names)))
    templates = [template_for(nm, kind=k) for nm, k in zip(names, kinds, strict=True)]
    fast = top_reasons(contributions, features, names, templates, kinds)
    for i in range(n):
        order = np.argsort(-np.abs(contributions[i]), kind="stable")[:3]
        for rank, j in enumerate(order):
            value = features[names[j]].iloc[i]
            if kinds[j] == "numeric" and not np.isnan(value):
                value = round(float(value), 2)
            sign = UP if contributions[i, j] > 0 else DOWN
            assert fast[rank][i] == f"{templates[j](value)} {sign}"


def test_reasons_format_each_distinct_value_once():
    calls = []

    def template(value):
        calls.append(value)
        return str(value)

    features = pd.DataFrame({"x": [1.0, 1.0, 2.0, np.nan, 2.0, 1.0]})
    first, _, _ = top_reasons(np.ones((6, 1)), features, ["x"], [template], ["numeric"])
    assert list(first) == [f"{v} {UP}" for v in ["1.0", "1.0", "2.0", "None", "2.0", "1.0"]]
    assert len(calls) == 3  # 1.0, 2.0 and missing


def argmax_top_k(contributions: np.ndarray, k: int) -> np.ndarray:
    """The reference: argmax over the whole matrix k times (ties: the first column)."""
    magnitude = np.abs(contributions)
    magnitude[np.isnan(magnitude)] = 0.0
    rows = np.arange(len(contributions))
    top = np.empty((k, len(contributions)), dtype=np.intp)
    for rank in range(k):
        top[rank] = magnitude.argmax(axis=1)
        magnitude[rows, top[rank]] = -1.0
    return top


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_streamed_top_k_equals_argmax_over_the_matrix_with_ties_and_missing(seed):
    rng = np.random.default_rng(seed)
    n, m = 3000, 40
    # few distinct magnitudes and both signs: many ties; later columns rarely enter the top 3
    scale = np.where(np.arange(m) < 5, 3, 1)
    contributions = rng.integers(-3, 4, (n, m)) * scale / 2.0
    contributions[rng.random((n, m)) < 0.05] = np.nan
    contributions[:10] = 0.0  # rows where nothing moved
    index, value = top_features(contributions.T, n, 3)
    expected = argmax_top_k(contributions, 3)
    assert np.array_equal(index, expected)
    rows = np.arange(n)
    np.testing.assert_array_equal(value, contributions[rows, expected])


def test_top_reason_codes_are_the_object_strings_and_become_str_columns():
    rng = np.random.default_rng(4)
    n = 300
    names = ["count_web_visit_30d", "seniority"]
    kinds = ["numeric", "categorical"]
    features = pd.DataFrame(
        {
            "count_web_visit_30d": rng.poisson(2, n).astype(float),
            "seniority": pd.array(rng.choice(["vp", "intern"], n), dtype="str"),
        }
    )
    contributions = rng.normal(0, 1, (n, 2))
    contributions[:5, 1] = 0.0
    templates = [template_for(nm, kind=k) for nm, k in zip(names, kinds, strict=True)]
    sentences = Sentences()
    codes = top_reason_codes(contributions.T, features, names, templates, kinds, sentences)
    texts = [sentences.texts(rank) for rank in codes]
    strings = top_reasons(contributions, features, names, templates, kinds)
    assert len(sentences.distinct()) < n  # each distinct sentence once
    for column, reference in zip(texts, strings, strict=True):
        assert column.dtype == "str"
        expected = pd.array(reference, dtype="str")
        assert column.equals(expected)
    assert codes[2].tolist() == [-1] * n and texts[2].isna().all()  # two features: no third
