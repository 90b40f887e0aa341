"""Channel economics: what a lead from each channel is worth against what it costs.

Per channel (and per channel and month of lead creation):
- conversion rate = converted leads / leads;
- median sales cycle = median days from created_at to closed_at of the converted leads;
- CPL (cost per lead) = spend / leads bought (channel_costs.leads, else the CRM's lead count);
- cost per order = spend / conversions;
- value per lead = conversion rate * (mean deal value - sales contact cost): the margin a lead
  brings when sales contacts the leads that convert; it is the most a lead from the channel may
  cost (the maximum bearable CPL), and a channel whose CPL is above it loses money.
Rates are computed on mature cohorts (leads old enough to have closed) so that recent leads
still in the funnel do not make a channel look worse than it is.

Linear multi-touch attribution: a converted lead's touches are its acquisition channel plus the
marketing touches in its activity log before it converted (activity types mapped to touch
channels); its conversion and deal value are split equally over its distinct touches.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from features.contract import CONVERTED

UNKNOWN = "unknown"
NO_CAMPAIGN = "(none)"


def lead_outcomes(leads: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """One row per lead: channel, campaign, created_at, month, converted, closed_at, deal_value."""
    base = leads[["lead_id", "created_at", "channel"]].copy()
    base["campaign"] = leads["campaign"] if "campaign" in leads.columns else pd.NA
    base["channel"] = _fill_text(base["channel"], UNKNOWN)
    base["campaign"] = _fill_text(base["campaign"], NO_CAMPAIGN)
    base["month"] = base["created_at"].dt.strftime("%Y-%m")
    won = outcomes[outcomes["status"] == CONVERTED]
    won_cols = ["lead_id", "closed_at"] + (["deal_value"] if "deal_value" in won.columns else [])
    merged = base.merge(won[won_cols].drop_duplicates("lead_id"), on="lead_id", how="left")
    if "deal_value" not in merged.columns:
        merged["deal_value"] = np.nan
    merged["converted"] = merged["closed_at"].notna()
    return merged


def _fill_text(values: pd.Series, fill: str) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.where(text.notna() & (text != ""), fill).astype(str)


def monthly_costs(channel_costs: pd.DataFrame, outcomes_by_lead: pd.DataFrame) -> pd.DataFrame:
    """Spend, leads bought and CPL per channel and month.

    Leads bought come from channel_costs.leads when given, else from the CRM's lead count.
    """
    crm_leads = outcomes_by_lead.groupby(["channel", "month"]).size().rename("crm_leads")
    costs = channel_costs.assign(channel=_fill_text(channel_costs["channel"], UNKNOWN))
    if "leads" not in costs.columns:
        costs = costs.assign(leads=np.nan)
    costs = costs.assign(
        spend=pd.to_numeric(costs["spend"]).astype("float64"),
        leads=pd.to_numeric(costs["leads"]).astype("float64"),
    )
    costs = costs.groupby(["channel", "month"])[["spend", "leads"]].sum(min_count=1)
    costs = costs.join(crm_leads, how="left")
    costs["leads_bought"] = costs["leads"].where(costs["leads"] > 0, costs["crm_leads"])
    costs["cpl"] = costs["spend"] / costs["leads_bought"]
    return costs[["spend", "leads_bought", "cpl"]].reset_index()


def override_cpl(
    costs: pd.DataFrame, by_lead: pd.DataFrame, cpl_per_channel: Mapping[str, float]
) -> pd.DataFrame:
    """Replace the CPL of the channels in ``cpl_per_channel``: spend = CPL * the CRM's leads."""
    if not cpl_per_channel:
        return costs
    counts = by_lead.groupby(["channel", "month"]).size().rename("leads_bought").reset_index()
    replaced = [costs[~costs["channel"].isin(list(cpl_per_channel))]]
    for channel, cpl in cpl_per_channel.items():
        own = counts[counts["channel"] == channel].assign(cpl=float(cpl))
        replaced.append(own.assign(spend=own["leads_bought"] * float(cpl)))
    columns = ["channel", "month", "spend", "leads_bought", "cpl"]
    return pd.concat([r[columns] for r in replaced], ignore_index=True)


def maturity_cutoff(data_end: pd.Timestamp, maturity_days: int) -> pd.Timestamp:
    """Leads created on or before this date have had ``maturity_days`` to close."""
    return pd.Timestamp(data_end) - pd.Timedelta(days=maturity_days)


def _cohort_figures(group: pd.DataFrame, sales_contact_cost: float) -> dict[str, float]:
    leads = len(group)
    won = group[group["converted"]]
    conversions = len(won)
    rate = conversions / leads if leads else np.nan
    mean_deal = float(won["deal_value"].mean()) if conversions else np.nan
    revenue = float(won["deal_value"].sum()) if conversions else 0.0
    cycle = (won["closed_at"] - won["created_at"]).dt.total_seconds() / 86400
    value_per_lead = rate * (mean_deal - sales_contact_cost) if conversions else 0.0
    return {
        "leads": leads,
        "conversions": conversions,
        "conversion_rate": rate,
        "revenue": revenue,
        "mean_deal_value": mean_deal,
        "median_sales_cycle_days": float(cycle.median()) if conversions else np.nan,
        "value_per_lead": value_per_lead,
    }


def _with_costs(figures: dict, spend: float, leads_bought: float) -> dict:
    known = leads_bought is not None and np.isfinite(leads_bought) and leads_bought > 0
    cpl = spend / leads_bought if known else np.nan
    figures["spend"] = spend
    figures["cpl"] = cpl
    has_orders = known and figures["conversions"] > 0
    figures["cost_per_order"] = spend / figures["conversions"] if has_orders else np.nan
    figures["max_cpl"] = figures["value_per_lead"]
    figures["margin_per_lead"] = figures["value_per_lead"] - cpl if known else np.nan
    figures["loses_money"] = bool(figures["margin_per_lead"] < 0) if known else None
    return figures


def channel_month_table(
    by_lead: pd.DataFrame,
    costs: pd.DataFrame,
    *,
    sales_contact_cost: float,
    cutoff: pd.Timestamp,
) -> pd.DataFrame:
    """Value per lead against CPL per channel and creation month; ``mature`` marks old cohorts."""
    rows = []
    cost_index = costs.set_index(["channel", "month"])
    for (channel, month), group in by_lead.groupby(["channel", "month"], sort=True):
        figures = _cohort_figures(group, sales_contact_cost)
        if (channel, month) in cost_index.index:
            spend, bought = cost_index.loc[(channel, month), ["spend", "leads_bought"]]
        else:
            spend, bought = np.nan, np.nan
        row = {"channel": channel, "month": month, **_with_costs(figures, spend, bought)}
        row["mature"] = bool(group["created_at"].max() <= cutoff)
        rows.append(row)
    return pd.DataFrame(rows)


def channel_kpis(
    by_lead: pd.DataFrame,
    costs: pd.DataFrame,
    *,
    sales_contact_cost: float,
    cutoff: pd.Timestamp,
) -> pd.DataFrame:
    """The four lead-management KPIs and the bearable CPL per channel, on the mature cohort.

    The mature cohort is the leads created on or before ``cutoff``, with the spend and leads
    bought of the months whose leads all fall on or before it.
    """
    mature_leads = by_lead[by_lead["created_at"] <= cutoff]
    cutoff_month = pd.Timestamp(cutoff).to_period("M")
    # a month counts only when it ended by the cutoff, so spend and leads cover the same cohort
    full_months = {m for m in by_lead["month"].unique() if pd.Period(m, "M") < cutoff_month}
    mature_leads = mature_leads[mature_leads["month"].isin(full_months)]
    mature_costs = costs[costs["month"].isin(full_months)]
    rows = []
    for channel in sorted(by_lead["channel"].unique()):
        group = mature_leads[mature_leads["channel"] == channel]
        figures = _cohort_figures(group, sales_contact_cost)
        own = mature_costs[mature_costs["channel"] == channel]
        spend = float(own["spend"].sum()) if not own.empty else np.nan
        bought = float(own["leads_bought"].sum()) if not own.empty else np.nan
        rows.append({"channel": channel, **_with_costs(figures, spend, bought)})
    return pd.DataFrame(rows)


def marketing_touches(
    activities: pd.DataFrame, converted: pd.DataFrame, touch_channels: Mapping[str, str]
) -> pd.DataFrame:
    """Distinct (lead_id, touch) of converted leads' mapped activities before they converted."""
    mapped = activities[activities["activity_type"].isin(list(touch_channels))]
    mapped = mapped[mapped["lead_id"].isin(converted["lead_id"])]
    mapped = mapped.merge(converted[["lead_id", "closed_at"]], on="lead_id")
    mapped = mapped[mapped["occurred_at"] < mapped["closed_at"]]
    touches = pd.DataFrame(
        {
            "lead_id": mapped["lead_id"].to_numpy(),
            "touch": mapped["activity_type"].map(dict(touch_channels)).to_numpy(),
        }
    )
    return touches.drop_duplicates()


def linear_attribution(
    by_lead: pd.DataFrame, activities: pd.DataFrame, touch_channels: Mapping[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Conversions and revenue credited equally to each converted lead's distinct touches.

    Returns (by touch channel, by acquisition campaign). A campaign receives the share of its
    lead's acquisition touch. ``first_touch_conversions`` is the acquisition-only count beside it.
    """
    converted = by_lead[by_lead["converted"]]
    acquisition = pd.DataFrame({"lead_id": converted["lead_id"], "touch": converted["channel"]})
    touches = pd.concat(
        [acquisition, marketing_touches(activities, converted, touch_channels)], ignore_index=True
    ).drop_duplicates()
    n_touches = touches.groupby("lead_id")["touch"].transform("size")
    deal = touches["lead_id"].map(converted.set_index("lead_id")["deal_value"].fillna(0.0))
    touches = touches.assign(credit=1.0 / n_touches, revenue_credit=deal / n_touches)
    by_touch = touches.groupby("touch").agg(
        conversions_credit=("credit", "sum"),
        revenue_credit=("revenue_credit", "sum"),
        touched_conversions=("lead_id", "nunique"),
    )
    first = converted.groupby("channel").size().rename("first_touch_conversions")
    by_touch = by_touch.join(first, how="left").fillna({"first_touch_conversions": 0})
    by_touch["first_touch_conversions"] = by_touch["first_touch_conversions"].astype(int)

    share = acquisition.merge(touches, on=["lead_id", "touch"])
    share = share.merge(converted[["lead_id", "campaign"]], on="lead_id")
    by_campaign = share.groupby(["touch", "campaign"]).agg(
        conversions_credit=("credit", "sum"),
        revenue_credit=("revenue_credit", "sum"),
        first_touch_conversions=("lead_id", "nunique"),
    )
    by_campaign.index = by_campaign.index.set_names(["channel", "campaign"])
    return (
        by_touch.reset_index().sort_values("conversions_credit", ascending=False),
        by_campaign.reset_index().sort_values("conversions_credit", ascending=False),
    )


DEFINITIONS = {
    "conversion_rate": "converted leads / leads (mature cohort)",
    "median_sales_cycle_days": "median days created_at -> closed_at of converted leads",
    "cpl": "spend / leads bought (channel_costs.leads, else the CRM's lead count)",
    "cost_per_order": "spend / conversions",
    "value_per_lead": "conversion_rate * (mean deal value - sales_contact_cost)",
    "max_cpl": "= value_per_lead: the most a lead from the channel may cost",
    "loses_money": "cpl > max_cpl",
    "attribution": "linear multi-touch: each conversion split equally over the lead's distinct "
    "touches (acquisition channel + mapped marketing activities before it converted)",
}
COST_COLUMNS = ["channel", "month", "spend", "leads_bought", "cpl"]
ACTIVITY_COLUMNS = ["lead_id", "occurred_at", "activity_type"]


def channel_report(
    leads: pd.DataFrame,
    outcomes: pd.DataFrame,
    channel_costs: pd.DataFrame | None,
    activities: pd.DataFrame | None,
    *,
    sales_contact_cost: float,
    maturity_days: int,
    cpl_per_channel: Mapping[str, float],
    touch_channels: Mapping[str, str],
) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """The channels.json document, and its plot tables by name."""
    by_lead = lead_outcomes(leads, outcomes)
    if channel_costs is None:
        costs = pd.DataFrame(columns=COST_COLUMNS)
    else:
        costs = monthly_costs(channel_costs, by_lead)
    costs = override_cpl(costs, by_lead, cpl_per_channel)
    data_end = max(by_lead["created_at"].max(), outcomes["closed_at"].max())
    cutoff = maturity_cutoff(data_end, maturity_days)
    kpis = channel_kpis(by_lead, costs, sales_contact_cost=sales_contact_cost, cutoff=cutoff)
    monthly = channel_month_table(
        by_lead, costs, sales_contact_cost=sales_contact_cost, cutoff=cutoff
    )
    if activities is None:
        activities = pd.DataFrame(columns=ACTIVITY_COLUMNS)
    by_touch, by_campaign = linear_attribution(by_lead, activities, touch_channels)
    document = {
        "available": True,
        "definitions": DEFINITIONS,
        "mature_cohort": {
            "created_on_or_before": cutoff.date().isoformat(),
            "maturity_days": int(maturity_days),
        },
        "losing_channels": sorted(kpis.loc[kpis["loses_money"].eq(True), "channel"].tolist()),
        "channels": _records(kpis, "channel"),
        "by_month": _records_list(monthly),
        "attribution": {
            "touch_channels": dict(touch_channels),
            "by_channel": _records(by_touch, "touch"),
            "by_campaign": _records_list(by_campaign),
        },
    }
    tables = {
        "channel_value": kpis[["channel", "max_cpl", "cpl", "conversion_rate"]],
        "channel_month": monthly,
        "attribution": by_touch,
    }
    return document, tables


def json_ready(value: Any) -> Any:
    """JSON-ready: numpy scalars as Python numbers, NaN as None."""
    if isinstance(value, float | np.floating) and not np.isfinite(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _records(table: pd.DataFrame, key: str) -> dict[str, dict[str, Any]]:
    return {
        str(row[key]): {k: json_ready(v) for k, v in row.items() if k != key}
        for row in table.to_dict("records")
    }


def _records_list(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: json_ready(v) for k, v in row.items()} for row in table.to_dict("records")]
