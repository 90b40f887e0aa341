"""The money of an export: its routing rule and the realised profit of routing by each policy.

An export has no deal values and no legacy point table, so the rule is one value per conversion
and the policies compared are the model, the logistic baseline, contacting everyone and no one.
The source config's `economics` section overrides params.yaml's, key by key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd

from models.economics import (
    NONE,
    SALES,
    Economics,
    compare_policies,
    implied_thresholds,
    route_leads,
)

# params.yaml names the synthetic CRM's fallback value `fixed_conversion_value`; a source
# config says `conversion_value`
DEFAULT_KEYS = {"conversion_value": "fixed_conversion_value"}


def routing_rule(
    overrides: Mapping[str, float], defaults: Mapping[str, object]
) -> tuple[float, Economics]:
    """(value of a conversion, costs): ``overrides`` (the source config), else ``defaults``."""

    def setting(key: str) -> float:
        return float(overrides.get(key, defaults.get(DEFAULT_KEYS.get(key, key), 0)))

    economics = Economics(
        sales_contact_cost=setting("sales_contact_cost"),
        nurture_touch_cost=setting("nurture_touch_cost"),
        nurture_uplift=setting("nurture_uplift"),
    )
    return setting("conversion_value"), economics


def export_routes(
    evaluation: pd.DataFrame, *, value: float, economics: Economics
) -> dict[str, np.ndarray]:
    """The route of every evaluation row under each policy compared on an export."""
    n = len(evaluation)
    return {
        "model": route_leads(evaluation["p_model"].to_numpy(), value, economics),
        "logistic": route_leads(evaluation["p_logistic"].to_numpy(), value, economics),
        "contact_all": np.full(n, SALES),
        "contact_none": np.full(n, NONE),
    }


def export_economics(
    evaluation: pd.DataFrame,
    *,
    value: float,
    economics: Economics,
    bootstrap_samples: int,
    seed: int,
) -> dict:
    """Realised profit of each policy on the evaluation rows, the thresholds and the settings."""
    figures = compare_policies(
        evaluation["label"].to_numpy(),
        np.full(len(evaluation), value),
        evaluation["lead_id"].to_numpy(),
        export_routes(evaluation, value=value, economics=economics),
        economics,
        bootstrap_samples=bootstrap_samples,
        seed=seed,
    )
    settings = dataclasses.asdict(economics) | {"conversion_value": value}
    return figures | {"thresholds": implied_thresholds(value, economics), "settings": settings}
