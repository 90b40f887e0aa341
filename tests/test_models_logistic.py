import numpy as np
import pandas as pd

from models.binning import FeatureBinner, bin_labels, quantile_edges
from models.frames import MISSING, features_of, labels_of
from models.logistic import LogisticModel
from models.metrics import roc_auc
from tests.model_frames import feature_frame


def test_quantile_bins_merge_repeated_edges_and_keep_missing_apart():
    values = pd.Series([0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0, np.nan])
    edges = quantile_edges(values, n_bins=4)
    assert len(edges) == len(set(edges))
    labels = bin_labels(values, edges)
    assert labels.iloc[0] == labels.iloc[3]
    assert labels.iloc[-1] == MISSING
    assert labels.iloc[6] != labels.iloc[0]


def test_binner_passes_categories_through_as_text():
    X = pd.DataFrame({"channel": pd.array(["a", None], dtype="str"), "n": [1.0, 2.0]})
    binned = FeatureBinner(n_bins=2).fit(X).transform(X)
    assert binned["channel"].tolist() == ["a", MISSING]


def test_learns_the_signal_and_tolerates_unseen_levels():
    train, test = feature_frame(4000, seed=1), feature_frame(2000, seed=2)
    model = LogisticModel(C=1.0, n_bins=5).fit(features_of(train), labels_of(train))
    X = features_of(test)
    assert roc_auc(labels_of(test), model.predict_proba(X)[:, 1]) > 0.75
    odd = X.head(3).assign(seniority=pd.array(["astronaut"] * 3, dtype="str"))
    p = model.predict_proba(odd)[:, 1]
    assert ((p > 0) & (p < 1)).all()
