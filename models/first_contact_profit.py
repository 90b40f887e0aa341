"""Profit when each lead is contacted once: what a sales team working the routes week by week earns.

The snapshot figures (models.economics.compare_policies) score every weekly snapshot on its own:
a lead routed to sales in five weeks counts five contacts, and up to five conversions if it
converted. That is the right unit for comparing policies row by row, but it overstates the money.
Here a policy contacts a lead once, at its first snapshot routed to sales, and earns the value
only if the lead converts within the horizon of that snapshot; the lead is not routed again.
Nurture touches count until the lead is contacted. With a sales capacity the routes stay as the
policy chose them per batch, so a slot taken by an already contacted lead is not refilled: the
figure is then a lower bound.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from models.economics import SALES, Economics, bootstrap_totals, interval, realised_profit


def first_sales_snapshot(routes: np.ndarray, lead_id: np.ndarray, as_of: np.ndarray) -> np.ndarray:
    """Per row, the as_of of its lead's first snapshot routed to sales (NaT if never)."""
    when = pd.Series(np.where(routes == SALES, as_of, np.datetime64("NaT")), dtype="datetime64[ns]")
    return when.groupby(pd.Series(lead_id)).transform("min").to_numpy()


def first_contact_profit(
    label: np.ndarray,
    value: np.ndarray,
    lead_id: np.ndarray,
    as_of: np.ndarray,
    routes: np.ndarray,
    economics: Economics,
) -> tuple[np.ndarray, np.ndarray]:
    """Per row: (profit, contacted here) when each lead is contacted once (module docstring)."""
    as_of = np.asarray(as_of, dtype="datetime64[ns]")
    first = first_sales_snapshot(routes, lead_id, as_of)
    contact = as_of == first  # a lead's first sales week (NaT, never routed, equals nothing)
    before_contact = np.isnat(first) | (as_of < first)
    sales, nurture = realised_profit(label, value, routes, economics)
    return np.where(contact, sales, 0.0) + np.where(before_contact, nurture, 0.0), contact


def first_contact_figures(
    label: np.ndarray,
    value: np.ndarray,
    lead_id: np.ndarray,
    as_of: np.ndarray,
    routes: Mapping[str, np.ndarray],
    economics: Economics,
    *,
    bootstrap_samples: int,
    seed: int,
) -> dict[str, float | int]:
    """first_contact_profit_<policy>, _contacts_ and _conversions_ of every policy, the model
    minus the point table with its 95 % interval (whole leads resampled), and their ratio."""
    label = np.asarray(label)
    figures: dict[str, float | int] = {}
    totals: dict[str, np.ndarray] = {}
    for name, route in routes.items():
        profit, contact = first_contact_profit(label, value, lead_id, as_of, route, economics)
        totals[name] = profit
        figures[f"first_contact_profit_{name}"] = float(profit.sum())
        figures[f"first_contact_contacts_{name}"] = int(contact.sum())
        figures[f"first_contact_conversions_{name}"] = int((contact & (label == 1)).sum())
    if "model" in totals and "point_table" in totals:
        difference = totals["model"] - totals["point_table"]
        figures["first_contact_profit_model_minus_point_table"] = float(difference.sum())
        if bootstrap_samples > 0:
            draws = bootstrap_totals(
                {"difference": difference}, lead_id, n_samples=bootstrap_samples, seed=seed
            )["difference"]
            low, high = interval(draws)
            figures["first_contact_profit_model_minus_point_table_ci_low"] = low
            figures["first_contact_profit_model_minus_point_table_ci_high"] = high
        if figures["first_contact_profit_point_table"] > 0:
            figures["first_contact_profit_ratio_model_to_point_table"] = (
                figures["first_contact_profit_model"] / figures["first_contact_profit_point_table"]
            )
    return figures
