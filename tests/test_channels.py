"""Channel KPIs, value per lead against CPL, and linear attribution, against hand-computed values.

The tiny CRM below (sales contact cost 150, cohort cutoff 2024-03-31):

lead  channel      campaign  created     outcome                     touches before closing
A     paid_search  p1        2024-01-05  converted 01-15, 1000       email twice (webinar after)
B     paid_search  p1        2024-01-20  disqualified                email (not converted)
C     paid_search  p2        2024-02-03  converted 03-04, 3000       web, webinar
D     paid_search  -         2024-02-10  open
E     events       e1        2024-01-15  converted 03-15, 5000       -
F     events       e1        2024-02-15  open
G     organic      -         2024-01-10  converted 01-30, 2000       email
H     paid_search  -         2024-06-01  converted 06-11, 9999       web (created after the cutoff)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models import channels as ch

COST = 150.0
CUTOFF = pd.Timestamp("2024-03-31")
TOUCH_MAP = {"email_open": "email", "webinar_attended": "webinar", "web_visit": "web"}


def _ts(values):
    return pd.to_datetime(pd.Series(values)).astype("datetime64[us]")


LEADS = pd.DataFrame(
    {
        "lead_id": list("ABCDEFGH"),
        "created_at": _ts(
            [
                "2024-01-05",
                "2024-01-20",
                "2024-02-03",
                "2024-02-10",
                "2024-01-15",
                "2024-02-15",
                "2024-01-10",
                "2024-06-01",
            ]
        ),
        "channel": ["paid_search"] * 4 + ["events"] * 2 + ["organic", "paid_search"],
        "campaign": ["p1", "p1", "p2", None, "e1", "e1", None, None],
    }
)
OUTCOMES = pd.DataFrame(
    {
        "lead_id": list("ABCEGH"),
        "status": ["converted", "disqualified", "converted", "converted", "converted", "converted"],
        "closed_at": _ts(
            ["2024-01-15", "2024-02-01", "2024-03-04", "2024-03-15", "2024-01-30", "2024-06-11"]
        ),
        "deal_value": [1000.0, np.nan, 3000.0, 5000.0, 2000.0, 9999.0],
    }
)
COSTS = pd.DataFrame(
    {
        "channel": ["paid_search", "paid_search", "events", "events", "paid_search"],
        "month": ["2024-01", "2024-02", "2024-01", "2024-02", "2024-06"],
        "spend": [400.0, 600.0, 3000.0, 6000.0, 1000.0],
        "leads": pd.array([4, 3, None, 2, 10], dtype="Int64"),  # events Jan: CRM count (1)
    }
)
ACTIVITIES = pd.DataFrame(
    {
        "lead_id": list("AAAABCCGH"),
        "occurred_at": _ts(
            [
                "2024-01-06",
                "2024-01-07",
                "2024-01-20",  # after A converted: not a touch
                "2024-01-08",
                "2024-01-25",
                "2024-02-10",
                "2024-02-20",
                "2024-01-12",
                "2024-06-05",
            ]
        ),
        "activity_type": [
            "email_open",
            "email_open",
            "webinar_attended",
            "sales_call",  # sales, not marketing: not mapped
            "email_open",
            "web_visit",
            "webinar_attended",
            "email_open",
            "web_visit",
        ],
    }
)


@pytest.fixture
def by_lead() -> pd.DataFrame:
    return ch.lead_outcomes(LEADS, OUTCOMES)


@pytest.fixture
def costs(by_lead) -> pd.DataFrame:
    return ch.monthly_costs(COSTS, by_lead)


def test_cpl_per_month_uses_bought_leads_else_the_crm_count(costs):
    cpl = costs.set_index(["channel", "month"])["cpl"]
    assert cpl[("paid_search", "2024-01")] == 100
    assert cpl[("paid_search", "2024-02")] == 200
    assert cpl[("events", "2024-01")] == 3000  # no leads column value: 1 lead in the CRM
    assert cpl[("events", "2024-02")] == 3000


def test_kpis_by_hand(by_lead, costs):
    kpis = ch.channel_kpis(by_lead, costs, sales_contact_cost=COST, cutoff=CUTOFF)
    kpis = kpis.set_index("channel")
    paid = kpis.loc["paid_search"]  # A B C D; H is after the cutoff
    assert paid["leads"] == 4 and paid["conversions"] == 2
    assert paid["conversion_rate"] == 0.5
    assert paid["median_sales_cycle_days"] == 20  # median of 10 and 30 days
    assert paid["cpl"] == pytest.approx(1000 / 7)  # spend 400 + 600 over 4 + 3 leads bought
    assert paid["cost_per_order"] == 500  # 1000 / 2
    assert paid["value_per_lead"] == pytest.approx(0.5 * (2000 - COST))  # 925
    assert paid["max_cpl"] == pytest.approx(925)
    assert not paid["loses_money"]
    events = kpis.loc["events"]
    assert events["conversion_rate"] == 0.5 and events["median_sales_cycle_days"] == 60
    assert events["cpl"] == 3000 and events["cost_per_order"] == 9000
    assert events["max_cpl"] == pytest.approx(0.5 * (5000 - COST))  # 2425 < 3000
    assert events["loses_money"]
    organic = kpis.loc["organic"]  # no spend recorded: CPL unknown, not zero
    assert organic["conversion_rate"] == 1.0 and np.isnan(organic["cpl"])
    assert organic["loses_money"] is None


def test_channel_month_table_by_hand(by_lead, costs):
    table = ch.channel_month_table(by_lead, costs, sales_contact_cost=COST, cutoff=CUTOFF)
    row = table.set_index(["channel", "month"]).loc[("paid_search", "2024-01")]
    assert (row["leads"], row["conversions"], row["cpl"]) == (2, 1, 100)
    assert row["value_per_lead"] == pytest.approx(0.5 * (1000 - COST))
    assert row["margin_per_lead"] == pytest.approx(425 - 100)
    assert row["mature"]
    assert not table.set_index(["channel", "month"]).loc[("paid_search", "2024-06"), "mature"]


def test_linear_attribution_by_hand(by_lead):
    by_touch, by_campaign = ch.linear_attribution(by_lead, ACTIVITIES, TOUCH_MAP)
    credit = by_touch.set_index("touch")
    # A: {paid_search, email}; C: {paid_search, web, webinar}; E: {events};
    # G: {organic, email}; H: {paid_search, web}
    assert credit["conversions_credit"].to_dict() == pytest.approx(
        {
            "paid_search": 1 / 2 + 1 / 3 + 1 / 2,
            "email": 1 / 2 + 1 / 2,
            "web": 1 / 3 + 1 / 2,
            "webinar": 1 / 3,
            "events": 1.0,
            "organic": 1 / 2,
        }
    )
    assert credit["conversions_credit"].sum() == pytest.approx(5)  # five conversions in all
    assert credit.loc["paid_search", "revenue_credit"] == pytest.approx(500 + 1000 + 4999.5)
    assert credit.loc["paid_search", "first_touch_conversions"] == 3
    assert credit.loc["email", "first_touch_conversions"] == 0
    campaigns = by_campaign.set_index(["channel", "campaign"])["conversions_credit"]
    assert campaigns[("paid_search", "p1")] == pytest.approx(1 / 2)
    assert campaigns[("paid_search", "p2")] == pytest.approx(1 / 3)
    assert campaigns[("events", "e1")] == pytest.approx(1.0)
    assert campaigns[("organic", ch.NO_CAMPAIGN)] == pytest.approx(1 / 2)


def test_cpl_override_replaces_spend(by_lead, costs):
    overridden = ch.override_cpl(costs, by_lead, {"events": 100.0})
    kpis = ch.channel_kpis(by_lead, overridden, sales_contact_cost=COST, cutoff=CUTOFF)
    events = kpis.set_index("channel").loc["events"]
    assert events["cpl"] == 100 and not events["loses_money"]


def test_maturity_cutoff():
    assert ch.maturity_cutoff(pd.Timestamp("2024-06-30"), 91) == pd.Timestamp("2024-03-31")
