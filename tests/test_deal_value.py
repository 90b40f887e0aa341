"""The value of a conversion: fixed, a number, or learned per segment from deals won earlier."""

from __future__ import annotations

import pandas as pd
import pytest

from features.errors import LeadscoreError
from models.deal_value import conversion_values, fit_segment_values, fixed_values, won_before

WON = pd.DataFrame(
    {"employee_band": ["small"] * 3 + ["large"], "deal_value": [1000, 2000, 3000, 10000.0]}
)


def test_segment_values_shrink_towards_the_global_mean():
    values = fit_segment_values(WON, segment_columns=["employee_band"], shrinkage=2, fallback=1)
    # global mean 4000; small: (3*2000 + 2*4000)/5 = 2800; large: (10000 + 8000)/3 = 6000
    assert values.by_segment == {"small": 2800.0, "large": 6000.0}
    frame = pd.DataFrame({"employee_band": ["large", "unseen", None]})
    assert values.for_frame(frame).tolist() == [6000.0, 4000.0, 4000.0]


def test_fixed_value_must_be_positive():
    with pytest.raises(LeadscoreError, match="fixed_conversion_value"):
        fixed_values(0)


def _values(setting: str, won: pd.DataFrame | None = WON):
    return conversion_values(
        setting=setting,
        fixed_value=8000,
        won=won,
        segment_columns=["employee_band"],
        shrinkage=2,
    )


def test_conversion_value_settings():
    assert (_values("fixed").mode, _values("fixed").default) == ("fixed", 8000.0)
    assert _values("2500").default == 2500.0  # a number is a fixed value too
    segment = _values("segment")
    assert segment.mode == "segment" and segment.by_segment["large"] == 6000.0


def test_segment_values_fall_back_to_fixed_without_deal_values():
    values = _values("segment", won=None)
    assert (values.mode, values.default, values.by_segment) == ("fixed", 8000.0, {})


def test_an_unknown_setting_is_a_user_error():
    with pytest.raises(LeadscoreError, match="fixed, segment or a number, not 'segments'"):
        _values("segments")


def test_won_before_keeps_conversions_closed_before_the_start():
    outcomes = pd.DataFrame(
        {
            "lead_id": ["a", "b", "c", "d"],
            "status": ["converted", "converted", "disqualified", "converted"],
            "closed_at": pd.to_datetime(["2025-01-01", "2025-03-01", "2025-01-01", "2025-02-01"]),
        }
    )
    # d closes on the start day itself: it belongs to the window being judged
    assert won_before(outcomes, pd.Timestamp("2025-02-01"))["lead_id"].tolist() == ["a"]
