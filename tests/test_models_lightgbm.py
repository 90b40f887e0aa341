import numpy as np
import pandas as pd
import pytest
from scipy.special import logit

from features.errors import LeadscoreError
from models.frames import features_of, labels_of
from models.lightgbm_model import BIAS, LightGBMModel
from models.metrics import roc_auc
from tests.model_frames import feature_frame

SMALL = {"n_estimators": 300, "early_stopping_rounds": 20, "num_leaves": 7, "min_child_samples": 20}


@pytest.fixture(scope="module")
def windows():
    return [feature_frame(n, seed=s) for n, s in ((3000, 1), (1500, 2), (1500, 3))]


@pytest.fixture(scope="module")
def fitted(windows):
    train, validation, _ = windows
    return LightGBMModel(seed=5, **SMALL).fit(
        features_of(train), labels_of(train), features_of(validation), labels_of(validation)
    )


def test_learns_the_signal_and_stops_early(fitted, windows):
    test = windows[2]
    p = fitted.predict_proba(features_of(test))[:, 1]
    assert roc_auc(labels_of(test), p) > 0.75
    assert fitted.best_iteration_ < SMALL["n_estimators"]
    assert set(fitted.categorical_levels_) == {"channel", "seniority", "email_domain_type"}


def test_same_seed_same_model(fitted, windows):
    train, validation, test = windows
    again = LightGBMModel(seed=5, **SMALL).fit(
        features_of(train), labels_of(train), features_of(validation), labels_of(validation)
    )
    X = features_of(test)
    assert np.array_equal(again.predict_proba(X), fitted.predict_proba(X))


def test_contributions_add_up_to_the_log_odds(fitted, windows):
    X = features_of(windows[2]).head(200)
    contributions = fitted.contributions(X)
    assert list(contributions.columns) == [*X.columns, BIAS]
    p = fitted.predict_proba(X)[:, 1]
    assert contributions.sum(axis=1).to_numpy() == pytest.approx(logit(p), abs=1e-6)


def test_an_unseen_category_scores_like_a_missing_one(fitted, windows):
    X = features_of(windows[2]).head(50)
    unseen = X.assign(channel=pd.array(["carrier_pigeon"] * len(X), dtype="str"))
    missing = X.assign(channel=pd.array([None] * len(X), dtype="str"))
    assert np.array_equal(fitted.predict_proba(unseen), fitted.predict_proba(missing))


def test_column_order_does_not_matter_but_a_missing_column_does(fitted, windows):
    X = features_of(windows[2]).head(50)
    shuffled = X[X.columns[::-1]]
    assert np.array_equal(fitted.predict_proba(shuffled), fitted.predict_proba(X))
    with pytest.raises(LeadscoreError, match="seniority"):
        fitted.predict_proba(X.drop(columns=["seniority"]))


def test_gain_importance_covers_every_feature(fitted):
    gain = fitted.gain_importance()
    assert list(gain.index) == fitted.feature_names_
    assert gain["seniority"] > 0
