import numpy as np
import pandas as pd
import pytest

from models.frequency_nb import FrequencyNB
from models.metrics import roc_auc
from tests.model_frames import feature_frame

# five leads: three won, two lost
TABLE = pd.DataFrame(
    {
        "channel": pd.array(["a", "a", "b", "b", "b"], dtype="str"),
        "seniority": pd.array(["vp", "ic", "vp", "ic", "ic"], dtype="str"),
    }
)
WON = [1, 0, 1, 1, 0]


def hand_probability(won: float, lost: float) -> float:
    return won / (won + lost)


def test_probabilities_by_hand_with_odoo_smoothing():
    # smoothed counts (won / lost): channel a 1.1 / 1.1, b 2.1 / 1.1 (totals 3.2 / 2.2);
    # seniority vp 2.1 / 0.1, ic 1.1 / 2.1 (totals 3.2 / 2.2); priors 3/5 and 2/5
    model = FrequencyNB(smoothing=0.1).fit(TABLE, WON)
    leads = pd.DataFrame({"channel": ["a", "b"], "seniority": ["vp", "ic"]}, dtype="str")
    p = model.predict_proba(leads)[:, 1]
    a_vp = hand_probability(3 / 5 * 1.1 / 3.2 * 2.1 / 3.2, 2 / 5 * 1.1 / 2.2 * 0.1 / 2.2)
    b_ic = hand_probability(3 / 5 * 2.1 / 3.2 * 1.1 / 3.2, 2 / 5 * 1.1 / 2.2 * 2.1 / 2.2)
    assert p == pytest.approx([a_vp, b_ic])


def test_a_value_never_seen_in_training_is_skipped():
    model = FrequencyNB(smoothing=0.1).fit(TABLE, WON)
    lead = pd.DataFrame({"channel": ["webinar"], "seniority": ["vp"]}, dtype="str")
    expected = hand_probability(3 / 5 * 2.1 / 3.2, 2 / 5 * 0.1 / 2.2)
    assert model.predict_proba(lead)[0, 1] == pytest.approx(expected)


def test_numeric_fields_are_binned_and_missing_is_a_level():
    X = pd.DataFrame({"count_pricing_page_view_all": [0.0, 0.0, 1.0, 5.0, np.nan, np.nan]})
    model = FrequencyNB(n_bins=2).fit(X, [0, 0, 1, 1, 0, 0])
    p = model.predict_proba(X)[:, 1]
    assert p[3] > p[0]  # many pricing-page views convert here
    assert p[4] == pytest.approx(p[5])


def test_ranks_the_synthetic_leads_well():
    train, test = feature_frame(4000, seed=1), feature_frame(2000, seed=2)
    features = [c for c in train.columns if c not in ("lead_id", "as_of", "label")]
    model = FrequencyNB().fit(train[features], train["label"])
    assert roc_auc(test["label"], model.predict_proba(test[features])[:, 1]) > 0.7
