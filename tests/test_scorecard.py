"""The learned point table: binning, distillation quality, the export against its own scoring."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from models import scorecard as sc


def _frame(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Features with an additive signal, missing values and a redundant copy; and the true logit."""
    rng = np.random.default_rng(seed)
    seniority = rng.choice(["vp", "director", "manager", "student", "intern"], n)
    pricing = rng.poisson(0.8, n).astype(float)
    days = np.where(rng.random(n) < 0.3, np.nan, rng.integers(0, 90, n)).astype(float)
    noise = rng.normal(0, 1, n)
    logit = (
        -3
        + 0.7 * pricing.clip(0, 4)
        + np.select([np.isin(seniority, ["vp", "director"]), seniority == "student"], [1.0, -1.5])
        + np.where(np.isnan(days), -0.3, -0.02 * np.nan_to_num(days))
    )
    frame = pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(n)],
            "as_of": pd.Timestamp("2025-01-06"),
            "label": (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int),
            "seniority": pd.array(np.where(rng.random(n) < 0.05, None, seniority), dtype="str"),
            "count_pricing_page_view_30d": pricing,
            "count_pricing_page_view_90d": pricing + rng.poisson(0.2, n),  # nearly a copy
            "days_since_last_web_visit": days,
            "noise": noise,
        }
    )
    return frame, logit


@pytest.fixture(scope="module")
def fitted():
    frame, logit = _frame(6000, seed=1)
    p_model = 1 / (1 + np.exp(-logit))
    card = sc.fit_scorecard(frame, p_model=p_model, n_features=3, n_bins=5, anchor_probability=0.05)
    return card, frame, logit


def test_numeric_bins_are_lower_exclusive_upper_inclusive():
    bins = sc.FeatureBins("x", sc.NUMERIC, edges=(0.0, 2.0))
    codes = bins.codes(pd.Series([np.nan, -1, 0, 0.5, 2, 2.01, 100]))
    assert codes.tolist() == [0, 1, 1, 2, 2, 3, 3]


def test_categorical_bins_keep_frequent_values():
    values = pd.Series(["a"] * 50 + ["b"] * 45 + ["rare"] * 2 + [None] * 3, dtype="str")
    bins = sc.bin_feature(values, "c", n_bins=5, min_share=0.1, max_categories=5)
    assert bins.categories == ("a", "b")
    codes = bins.codes(pd.Series(["a", "b", "rare", "unseen", None, " a "], dtype="str"))
    assert codes.tolist() == [2, 3, 1, 1, 0, 2]  # other = 1, missing = 0


def test_selection_skips_a_redundant_copy(fitted):
    card, *_ = fitted
    chosen = [b.feature for b in card.bins]
    assert "seniority" in chosen
    assert ("count_pricing_page_view_30d" in chosen) != ("count_pricing_page_view_90d" in chosen)
    assert "noise" not in chosen


def test_points_are_integers_that_reproduce_the_ranking(fitted):
    card, _, _ = fitted
    frame, logit = _frame(4000, seed=2)  # fresh leads
    points = card.score(frame)
    assert points.dtype.kind == "i"
    model_auc = roc_auc_score(frame["label"], logit)
    assert roc_auc_score(frame["label"], points) >= model_auc - 0.02
    assert pd.Series(points).corr(pd.Series(logit), method="spearman") > 0.9


def test_anchor_points_mean_the_anchor_probability(fitted):
    card, *_ = fitted
    assert card.min_points_for(0.05) == 100
    assert card.probability(np.array([100]))[0] == pytest.approx(0.05)
    pdo = card.points_to_double_odds
    odds = [p / (1 - p) for p in card.probability(np.array([100, 100 + pdo]))]
    assert odds[1] / odds[0] == pytest.approx(2)
    assert card.min_points_for(1.0) is None


def test_fit_to_label_also_works():
    frame, logit = _frame(3000, seed=3)
    card = sc.fit_scorecard(
        frame, p_model=1 / (1 + np.exp(-logit)), label=frame["label"].to_numpy(), fit_to="label"
    )
    assert roc_auc_score(frame["label"], card.score(frame)) > 0.7


def test_export_scores_like_the_scorecard(fitted, tmp_path):
    card, *_ = fitted
    csv_path, yaml_path = tmp_path / "scorecard.csv", tmp_path / "scorecard.yaml"
    sc.write_exports(
        card,
        {"sales_min_points": 100, "nurture_min_points": 80},
        csv_path=csv_path,
        yaml_path=yaml_path,
    )
    frame, _ = _frame(3000, seed=4)
    # edge values, values beyond the fitted range, unseen and missing categories
    edges = [e for b in card.bins for e in b.edges]
    extra = frame.iloc[: len(edges) + 4].copy()
    for column in (
        "count_pricing_page_view_30d",
        "count_pricing_page_view_90d",
        "days_since_last_web_visit",
    ):
        extra[column] = [*edges, -5.0, 1e6, np.nan, 0.0]
    extra["seniority"] = pd.array(["ceo", None, "", "vp", *["manager"] * len(edges)], dtype="str")
    frame = pd.concat([frame, extra], ignore_index=True)

    document = sc.read_rules(yaml_path)
    assert np.array_equal(sc.score_from_rules(document, frame), card.score(frame))
    assert document["thresholds"]["sales_min_points"] == 100

    table = pd.read_csv(csv_path)
    assert list(table.columns[:3]) == ["feature", "kind", "condition"]
    assert len(table) == 1 + len(document["rules"])  # the base row + one row per rule
    assert table.loc[0, "points"] == card.base_points
    assert table["points"].dtype.kind == "i"


def test_every_lead_matches_exactly_one_rule_per_feature(fitted):
    card, *_ = fitted
    frame, _ = _frame(500, seed=5)
    for bins in card.bins:
        codes = bins.codes(frame[bins.feature])
        assert codes.min() >= 0 and codes.max() < bins.n_bins
        assert len(bins.rules()) == bins.n_bins


def test_read_rules_rejects_other_files(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\n")
    with pytest.raises(sc.LeadscoreError, match="leadscore-scorecard"):
        sc.read_rules(path)


def test_scale_is_points_per_doubling_of_odds(fitted):
    card, frame, logit = fitted
    slope = np.polyfit(logit, card.score(frame), 1)[0]
    assert slope == pytest.approx(card.points_to_double_odds / math.log(2), rel=0.25)


def test_a_mostly_true_flag_keeps_its_two_values():
    values = pd.Series([1.0] * 95 + [0.0] * 5)
    bins = sc.bin_feature(values, "flag", n_bins=5, min_share=0.01, max_categories=5)
    assert bins.edges == (0.0,)
    assert bins.codes(pd.Series([0.0, 1.0])).tolist() == [1, 2]
