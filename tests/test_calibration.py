import numpy as np
import pandas as pd
import pytest

from models.calibration import (
    ISOTONIC,
    SIGMOID,
    CalibratedModel,
    ScoreCalibrator,
    choose_method,
)
from models.metrics import ece, roc_auc


def miscalibrated(n: int, seed: int, positive_scale: float = 1.0):
    """True p, labels drawn from it, and the overconfident report p ** 0.5."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.0, 0.6, n) * positive_scale
    y = rng.binomial(1, p)
    return p, y, np.sqrt(p)


class ReportsColumn:
    """A fitted 'model' that reports the column q as its probability."""

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        q = X["q"].to_numpy()
        return np.column_stack([1 - q, q])


def test_method_follows_the_number_of_positives():
    assert choose_method(200, 200) == ISOTONIC
    assert choose_method(199, 200) == SIGMOID


@pytest.mark.parametrize("method", [ISOTONIC, SIGMOID])
def test_calibration_removes_a_known_distortion(method):
    _, y_fit, q_fit = miscalibrated(20000, seed=1)
    _, y_new, q_new = miscalibrated(20000, seed=2)
    assert ece(y_new, q_new) > 0.15  # sqrt(p) overstates every probability
    calibrator = ScoreCalibrator(method=method).fit(q_fit, y_fit)
    calibrated = calibrator.transform(q_new)
    assert calibrator.method_ == method
    assert ece(y_new, calibrated) < 0.02
    assert roc_auc(y_new, calibrated) == pytest.approx(roc_auc(y_new, q_new), abs=0.005)


def test_auto_picks_isotonic_with_many_positives_and_sigmoid_with_few():
    _, y, q = miscalibrated(5000, seed=3)
    assert ScoreCalibrator(min_positives=200).fit(q, y).method_ == ISOTONIC
    _, y_few, q_few = miscalibrated(600, seed=4, positive_scale=0.2)
    assert y_few.sum() < 200
    assert ScoreCalibrator(min_positives=200).fit(q_few, y_few).method_ == SIGMOID


def test_calibrated_probabilities_stay_inside_zero_and_one():
    calibrator = ScoreCalibrator(method=ISOTONIC).fit([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])
    p = calibrator.transform([0.0, 0.15, 0.95, 1.0])
    assert (p > 0).all() and (p < 1).all()


def test_calibrated_model_wraps_a_fitted_model_and_records_the_method():
    _, y, q = miscalibrated(8000, seed=5)
    X = pd.DataFrame({"q": q})
    model = CalibratedModel(ReportsColumn(), min_positives=100).fit(X, y)
    assert model.method_ == ISOTONIC
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 2)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert ece(y, proba[:, 1]) < ece(y, q) / 5


def test_centred_isotonic_keeps_the_ranking_inside_its_knots():
    _, y, q = miscalibrated(20000, seed=6)
    calibrator = ScoreCalibrator(method=ISOTONIC).fit(q, y)
    centres, _ = calibrator.mapping_
    inside = np.sort(q[(q > centres[0]) & (q < centres[-1])])
    mapped = calibrator.transform(inside)
    assert (np.diff(mapped)[np.diff(inside) > 0] > 0).all()
    assert roc_auc(y, calibrator.transform(q)) == pytest.approx(roc_auc(y, q), abs=1e-3)


def test_scores_one_float_apart_do_not_break_isotonic():
    p = np.array([0.1, 0.2, 0.3, 0.9999999999999999, 1.0, 1.0] * 50)
    y = np.array([0, 0, 0, 1, 1, 1] * 50)
    calibrated = ScoreCalibrator(method=ISOTONIC).fit(p, y).transform(p)
    assert np.isfinite(calibrated).all()
