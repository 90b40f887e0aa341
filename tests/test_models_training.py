import numpy as np
import pandas as pd
import pytest

from features.errors import LeadscoreError
from models.frames import features_of, labels_of
from models.training import PREDICTION_COLUMNS, build_estimators, fit_models, predictions
from tests.model_frames import feature_frame, point_table_rules

SETTINGS = {
    "seed": 3,
    "lightgbm": {"n_estimators": 100, "early_stopping_rounds": 10, "num_leaves": 7},
    "logistic": {"n_bins": 5},
    "frequency_nb": {},
    "point_table": {"rules": point_table_rules(), "mql_threshold": 30},
}


@pytest.fixture(scope="module")
def windows():
    sizes = ((3000, 1), (1500, 2), (800, 3))
    train, validation, test = (feature_frame(n, seed=seed) for n, seed in sizes)
    # a channel that first appears in the validation weeks
    validation.loc[validation.index[:300], "channel"] = "partner_marketplace"
    return train, validation, test


def fit(windows, refit: bool) -> dict:
    train, validation, _ = windows
    return fit_models(
        build_estimators(**SETTINGS),
        features_of(train),
        labels_of(train),
        features_of(validation),
        labels_of(validation),
        calibration_min_positives=200,
        refit_on_validation=refit,
    )


@pytest.fixture(scope="module")
def plain(windows):
    return fit(windows, refit=False)


def test_refit_learns_from_validation_and_keeps_trees_and_calibration(windows, plain):
    refitted = fit(windows, refit=True)
    plain_trees, refit_trees = plain["lightgbm"].base, refitted["lightgbm"].base
    assert "partner_marketplace" not in plain_trees.categorical_levels_["channel"]
    assert "partner_marketplace" in refit_trees.categorical_levels_["channel"]
    assert refit_trees.booster_.num_trees() == plain_trees.best_iteration_
    grid = np.linspace(0, 1, 101)
    for name in PREDICTION_COLUMNS:  # the calibration map is the one fitted before the refit
        assert refitted[name].method_ == plain[name].method_
        assert np.array_equal(
            refitted[name].calibrator_.transform(grid), plain[name].calibrator_.transform(grid)
        )


def test_prediction_table_has_the_columns_economics_reads(windows, plain):
    test = windows[2]
    table = predictions(test, features_of(test), plain, pd.Series(np.full(len(test), 0.1)))
    assert list(table.columns) == [
        "lead_id", "as_of", "label", "p_model", "p_logistic", "p_frequency_nb", "p_point_table",
        "points_point_table", "mql_point_table", "p_oracle",
    ]  # fmt: skip
    for column in ("p_model", "p_logistic", "p_frequency_nb", "p_point_table"):
        assert table[column].between(0, 1).all()
    assert set(table["mql_point_table"]) <= {0, 1}
    assert predictions(test, features_of(test), plain)["p_oracle"].isna().all()


def test_an_unknown_model_parameter_is_a_user_error():
    settings = SETTINGS | {"lightgbm": {"num_leafs": 31}}
    with pytest.raises(LeadscoreError, match=r"train.lightgbm.*num_leafs"):
        build_estimators(**settings)
