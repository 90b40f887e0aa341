"""evaluate-live on a worked example with hand-computed conversions and profit per arm."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.errors import LeadscoreError
from models.economics import Economics
from scoring.live_evaluation import evaluate_live, summary_lines

ECONOMICS = Economics(sales_contact_cost=100, nurture_touch_cost=10, nurture_uplift=0.1)
JAN1, JAN8 = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-08")


def worked_example() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nine leads first scored from 1 January; horizon 90 days (to 31 March)."""
    rows = [
        # lead, scored_at, arm, route
        ("A", JAN1, "model", "sales"),  # converts 1 Feb, deal 5000: 5000 - 100 = 4900
        ("A", JAN8, "model", "none"),  # a later scoring of A: ignored, the first one counts
        ("B", JAN1, "model", "sales"),  # no conversion: -100
        ("C", JAN1, "model", "nurture"),  # converts 1 Mar, deal 2000: 0.1 * 2000 - 10 = 190
        ("D", JAN1, "model", "none"),  # converts 15 Jan, deal 3000: 0 (a missed conversion)
        ("E", JAN1, "model", "sales"),  # converts 1 May, after the horizon: -100
        ("F", JAN1, "control", "sales"),  # converts 20 Jan, no deal value -> 1000: 900
        ("G", JAN1, "control", "sales"),  # no conversion: -100
        ("H", JAN1, "control", "none"),  # disqualified: 0
        ("I", pd.Timestamp("2024-05-01"), "model", "sales"),  # horizon ends 30 Jul: pending
        ("J", pd.Timestamp("2023-12-25"), "model", "sales"),  # before --since: not evaluated
    ]
    scores = pd.DataFrame(rows, columns=["lead_id", "scored_at", "arm", "route"])
    scores["probability"] = 0.5
    outcomes = pd.DataFrame(
        [
            ("A", "converted", "2024-02-01", 5000.0),
            ("C", "converted", "2024-03-01", 2000.0),
            ("D", "converted", "2024-01-15", 3000.0),
            ("E", "converted", "2024-05-01", 4000.0),
            ("F", "converted", "2024-01-20", np.nan),
            ("H", "disqualified", "2024-02-10", np.nan),
            ("J", "converted", "2024-01-10", 9000.0),
        ],
        columns=["lead_id", "status", "closed_at", "deal_value"],
    )
    outcomes["closed_at"] = pd.to_datetime(outcomes["closed_at"])
    return scores, outcomes


def evaluate(**overrides):
    scores, outcomes = worked_example()
    kwargs = dict(
        since=JAN1,
        until=None,
        horizon_days=90,
        observed_until=pd.Timestamp("2024-06-30"),
        economics=ECONOMICS,
        default_value=1000.0,
        bootstrap_samples=200,
        seed=0,
    )
    return evaluate_live(scores, outcomes, **(kwargs | overrides))


def test_worked_example_per_arm():
    result = evaluate()
    model, control = result["arms"]["model"], result["arms"]["control"]
    assert model == {
        "leads": 5,
        "conversions": 3,  # A, C, D (E converted after its horizon)
        "conversion_rate": 0.6,
        "sales_contacts": 3,  # A, B, E
        "sales_conversions": 1,
        "sales_conversion_rate": pytest.approx(1 / 3),
        "nurtured": 1,
        "nurture_conversions": 1,
        "missed_conversions": 2,  # C and D converted without a sales contact
        "profit": 4890.0,  # 4900 - 100 + 190 + 0 - 100
        "profit_per_lead": 978.0,
        "pending": 1,  # I
    }
    assert control == {
        "leads": 3,
        "conversions": 1,
        "conversion_rate": pytest.approx(1 / 3),
        "sales_contacts": 2,
        "sales_conversions": 1,
        "sales_conversion_rate": 0.5,
        "nurtured": 0,
        "nurture_conversions": 0,
        "missed_conversions": 0,
        "profit": 800.0,  # 900 - 100 + 0
        "profit_per_lead": pytest.approx(800 / 3),
        "pending": 0,
    }
    comparison = result["comparison"]
    assert comparison["profit_per_lead_model_minus_control"] == pytest.approx(978 - 800 / 3)
    assert comparison["conversion_rate_model_minus_control"] == pytest.approx(0.6 - 1 / 3)
    difference = comparison["profit_per_lead_model_minus_control"]
    assert (
        comparison["profit_per_lead_ci_low"] <= difference <= comparison["profit_per_lead_ci_high"]
    )
    assert (result["leads_scored"], result["leads_matured"], result["leads_pending"]) == (9, 8, 1)
    assert result["scoring_dates"] == ["2024-01-01T00:00:00", "2024-05-01T00:00:00"]
    assert any("model minus control: 711.33" in line for line in summary_lines(result))


def test_until_limits_the_cohort_and_later_outcomes_mature_it():
    result = evaluate(until=pd.Timestamp("2024-01-31"))
    assert result["arms"]["model"]["pending"] == 0 and result["leads_scored"] == 8
    later = evaluate(observed_until=pd.Timestamp("2024-08-01"))
    assert later["arms"]["model"]["leads"] == 6  # I matured: a sales contact without conversion
    assert later["arms"]["model"]["profit"] == 4790.0


def test_nothing_scored_since_is_a_clear_error():
    with pytest.raises(LeadscoreError, match="no lead was scored on or after 2025-01-01"):
        evaluate(since=pd.Timestamp("2025-01-01"))
