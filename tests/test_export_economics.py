"""An export's routing rule and the realised profit of its policies, on hand-worked rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.errors import LeadscoreError
from models.economics import NONE, NURTURE, SALES, Economics
from models.export_economics import export_economics, export_routes, routing_rule

RULE = Economics(sales_contact_cost=200, nurture_touch_cost=5, nurture_uplift=0.1)


def evaluation() -> pd.DataFrame:
    # at V = 1000: 0.5 pays a sales contact (500 > 200), 0.1 only a nurture touch
    # (0.1 * 0.1 * 1000 = 10 > 5), 0.01 neither
    return pd.DataFrame(
        {
            "lead_id": ["a", "b", "c"],
            "label": [1, 0, 0],
            "p_model": [0.5, 0.1, 0.01],
            "p_logistic": [0.01, 0.01, 0.5],
        }
    )


def test_routing_rule_takes_the_source_config_over_params_key_by_key():
    defaults = {"fixed_conversion_value": 8000, "sales_contact_cost": 150, "nurture_uplift": 0.05}
    value, rule = routing_rule({"sales_contact_cost": 200}, defaults)
    assert value == 8000  # params.yaml's fallback value when the source sets none
    assert rule == Economics(sales_contact_cost=200, nurture_touch_cost=0, nurture_uplift=0.05)
    value, _ = routing_rule({"conversion_value": 1000}, defaults)
    assert value == 1000


def test_routing_rule_rejects_negative_costs():
    with pytest.raises(LeadscoreError, match="costs must be >= 0"):
        routing_rule({"sales_contact_cost": -1}, {})


def test_export_routes_sends_each_lead_where_its_expected_profit_is():
    routes = export_routes(evaluation(), value=1000, economics=RULE)
    assert list(routes["model"]) == [SALES, NURTURE, NONE]
    assert list(routes["logistic"]) == [NONE, NONE, SALES]
    assert list(routes["contact_all"]) == [SALES] * 3
    assert list(routes["contact_none"]) == [NONE] * 3


def test_export_economics_realises_the_profit_of_each_policy():
    figures = export_economics(
        evaluation(), value=1000, economics=RULE, bootstrap_samples=0, seed=0
    )
    assert figures["profit_model"] == pytest.approx(1000 - 200 - 5)  # won contact, lost nurture
    assert figures["profit_logistic"] == pytest.approx(-200)  # contacted the one that did not buy
    assert figures["profit_contact_all"] == pytest.approx(1000 - 3 * 200)
    assert figures["profit_contact_none"] == 0
    assert figures["contacts_model"] == 1 and figures["nurtures_model"] == 1
    assert figures["settings"]["conversion_value"] == 1000
    assert figures["thresholds"]["hot_min_probability"] == pytest.approx(0.2)
    assert not any(key.endswith("_ci_low") for key in figures)  # no bootstrap asked for


def test_export_economics_gives_intervals_when_bootstrapping():
    frame = pd.concat([evaluation()] * 20, ignore_index=True)
    frame["lead_id"] = np.arange(len(frame)).astype(str)
    figures = export_economics(frame, value=1000, economics=RULE, bootstrap_samples=50, seed=0)
    assert (
        figures["profit_model_ci_low"] <= figures["profit_model"] <= figures["profit_model_ci_high"]
    )
