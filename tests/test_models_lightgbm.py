import numpy as np
import pandas as pd
import pytest
from scipy.special import logit

from features.errors import LeadscoreError
from models.frames import features_of, labels_of
from models.lightgbm_model import BIAS, LightGBMModel, level_codes
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


def test_encoding_is_column_major_and_equals_a_column_by_column_stack(fitted, windows):
    X = features_of(windows[2]).head(300).copy()
    X.loc[X.index[:3], "channel"] = "carrier_pigeon"  # unseen: missing
    X.loc[X.index[3:6], "seniority"] = None
    encoded = fitted._encode(X)
    assert encoded.flags["F_CONTIGUOUS"]  # LightGBM reads it without a copy
    columns = []
    for name in fitted.feature_names_:
        if name in fitted.categorical_levels_:
            levels = fitted.categorical_levels_[name]
            codes = pd.Categorical(X[name].astype(object), categories=levels).codes
            columns.append(np.where(codes < 0, np.nan, codes))
        else:
            columns.append(X[name].to_numpy(dtype=float, na_value=np.nan))
    np.testing.assert_array_equal(encoded, np.column_stack(columns))
    assert np.isnan(encoded[:3, fitted.feature_names_.index("channel")]).all()
    p = fitted.booster_.predict(encoded, num_iteration=fitted.best_iteration_)
    c_order = fitted.booster_.predict(
        np.ascontiguousarray(encoded), num_iteration=fitted.best_iteration_
    )
    assert np.array_equal(p, c_order)


def test_level_codes_of_text_and_of_objects_agree():
    levels = ["a", "b", "c"]
    values = ["c", None, "zz", "a", "b"]
    as_text = level_codes(pd.Series(values, dtype="str"), levels)
    as_objects = level_codes(pd.Series(values, dtype=object), levels)
    assert as_text.tolist() == as_objects.tolist() == [2, -1, -1, 0, 1]
