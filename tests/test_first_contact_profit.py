"""Profit when each lead is contacted once, against a hand-worked example."""

import numpy as np

from models.economics import NONE, NURTURE, SALES, Economics
from models.first_contact_profit import first_contact_figures, first_contact_profit

ECONOMICS = Economics(sales_contact_cost=100, nurture_touch_cost=1, nurture_uplift=0.1)
WEEKS = np.array(["2025-01-06", "2025-01-13", "2025-01-20"], dtype="datetime64[ns]")

# lead A: nurtured, then sales twice, converted within the horizon of weeks 2 and 3
# lead B: sales in weeks 1 and 3, converts only within the horizon of week 3
# lead C: never sales, nurtured twice, not converted
LEAD = np.array(["A", "A", "A", "B", "B", "B", "C", "C", "C"])
AS_OF = np.tile(WEEKS, 3)
LABEL = np.array([0, 1, 1, 0, 0, 1, 0, 0, 0])
ROUTES = np.array([NURTURE, SALES, SALES, SALES, NONE, SALES, NURTURE, NURTURE, NONE])
VALUE = np.full(9, 1000.0)


def test_each_lead_is_contacted_once_at_its_first_sales_week():
    profit, contact = first_contact_profit(LABEL, VALUE, LEAD, AS_OF, ROUTES, ECONOMICS)
    assert contact.tolist() == [False, True, False, True, False, False, False, False, False]
    # A: nurture touch before the contact (0 * 0.1 * 1000 - 1), contact earns 1000 - 100
    # B: contacted in week 1, had not converted within that horizon: -100; week 3 not counted
    # C: two nurture touches, -1 each
    assert profit.tolist() == [-1.0, 900.0, 0.0, -100.0, 0.0, 0.0, -1.0, -1.0, 0.0]


def test_snapshot_counting_would_count_the_same_lead_again():
    figures = first_contact_figures(
        LABEL,
        VALUE,
        LEAD,
        AS_OF,
        {"model": ROUTES, "point_table": np.where(LEAD == "B", SALES, NONE)},
        ECONOMICS,
        bootstrap_samples=200,
        seed=0,
    )
    assert figures["first_contact_profit_model"] == 797.0  # -1 + 900 - 100 - 2
    assert figures["first_contact_contacts_model"] == 2  # the snapshots count 4
    assert figures["first_contact_conversions_model"] == 1
    # the point table contacts B in week 1 only: -100
    assert figures["first_contact_profit_point_table"] == -100.0
    assert figures["first_contact_profit_model_minus_point_table"] == 897.0
    low = figures["first_contact_profit_model_minus_point_table_ci_low"]
    high = figures["first_contact_profit_model_minus_point_table_ci_high"]
    assert low <= 897.0 <= high
    assert "first_contact_profit_ratio_model_to_point_table" not in figures  # negative base
