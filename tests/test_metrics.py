import math

import numpy as np
import pytest

from models import metrics

# six leads worked by hand: positives score 0.35, 0.8, 0.9; negatives 0.1, 0.4, 0.2
Y = [0, 0, 1, 1, 0, 1]
P = [0.1, 0.4, 0.35, 0.8, 0.2, 0.9]


def test_roc_auc_counts_correctly_ordered_pairs():
    # 9 positive/negative pairs; only (0.35, 0.4) is in the wrong order
    assert metrics.roc_auc(Y, P) == pytest.approx(8 / 9)


def test_roc_auc_counts_ties_as_half():
    assert metrics.roc_auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)


def test_pr_auc_is_average_precision_at_each_conversion():
    # ranked: 0.9 (1), 0.8 (1), 0.4 (0), 0.35 (1): precision 1, 1, 3/4 at the three conversions
    assert metrics.pr_auc(Y, P) == pytest.approx((1 + 1 + 0.75) / 3)


def test_brier_by_hand():
    squared = [0.1**2, 0.4**2, 0.65**2, 0.2**2, 0.2**2, 0.1**2]
    assert metrics.brier(Y, P) == pytest.approx(sum(squared) / 6)


def test_log_loss_by_hand():
    likelihoods = [0.9, 0.6, 0.35, 0.8, 0.8, 0.9]
    assert metrics.log_loss(Y, P) == pytest.approx(-sum(map(math.log, likelihoods)) / 6)


def test_log_loss_of_a_certain_mistake_is_finite():
    assert math.isfinite(metrics.log_loss([1], [0.0]))


def test_ece_weights_each_equal_width_bin_by_its_size():
    # bin [0.1, 0.2): 0.12 and 0.18, mean 0.15, observed 1/2; bin [0.8, 0.9): 0.85, observed 1
    ece = metrics.ece([0, 1, 1], [0.12, 0.18, 0.85])
    assert ece == pytest.approx(2 / 3 * 0.35 + 1 / 3 * 0.15)


def test_ece_puts_probability_one_in_the_last_bin():
    assert metrics.ece([1, 1], [1.0, 0.95]) == pytest.approx(0.025)


def test_ece_of_perfectly_calibrated_bins_is_zero():
    assert metrics.ece([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == pytest.approx(0.0)


TEN_Y = [1, 0, 1, 0, 0, 0, 1, 0, 0, 0]
TEN_P = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]


def test_lift_and_capture_by_hand():
    # base rate 0.3; the top 2 leads hold 1 conversion, the top 1 lead holds 1
    assert metrics.lift_at(TEN_Y, TEN_P, 0.2) == pytest.approx(0.5 / 0.3)
    assert metrics.capture_at(TEN_Y, TEN_P, 0.2) == pytest.approx(1 / 3)
    assert metrics.lift_at(TEN_Y, TEN_P, 0.1) == pytest.approx(1 / 0.3)
    assert metrics.capture_at(TEN_Y, TEN_P, 1.0) == pytest.approx(1.0)


def test_ties_at_the_cutoff_count_their_mean_rate_not_row_order():
    # four leads tied at the top, two of them convert; the top 2 expect one conversion
    y = [1, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    p = [0.5, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]
    assert metrics.positives_in_top(y, p, 0.2) == pytest.approx(1.0)
    assert metrics.positives_in_top(y[::-1], p[::-1], 0.2) == pytest.approx(1.0)


def test_weighted_auc_with_unit_weights_is_the_auc():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 300)
    p = np.round(rng.random(300) + 0.3 * y, 1)  # rounding makes ties
    assert metrics.weighted_auc(y, p, np.ones(300)) == pytest.approx(metrics.roc_auc(y, p))


def test_weighted_auc_with_counts_equals_the_auc_of_repeated_rows():
    weights = np.array([2, 0, 1, 3, 1, 1])
    repeated = np.repeat(np.arange(6), weights)
    expected = metrics.roc_auc(np.array(Y)[repeated], np.array(P)[repeated])
    assert metrics.weighted_auc(Y, P, weights) == pytest.approx(expected)


def test_bootstrap_interval_holds_the_auc_and_repeats_with_the_seed():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    p = rng.random(2000) + 0.5 * y
    low, high = metrics.bootstrap_auc_interval(y, p, samples=200, seed=7)
    assert low < metrics.roc_auc(y, p) < high
    assert high - low < 0.1
    assert (low, high) == metrics.bootstrap_auc_interval(y, p, samples=200, seed=7)


def test_score_metrics_has_the_metrics_json_keys():
    figures = metrics.score_metrics(TEN_Y, TEN_P, bootstrap_samples=50, seed=1)
    for key in ("roc_auc", "pr_auc", "log_loss", "brier", "ece", "lift_at_10pct", "n", "positives"):
        assert key in figures
    assert figures["n"] == 10 and figures["positives"] == 3
    assert figures["roc_auc_ci_low"] <= figures["roc_auc"] <= figures["roc_auc_ci_high"]
    assert "roc_auc_ci_low" not in metrics.score_metrics(TEN_Y, TEN_P, bootstrap_samples=0, seed=1)
