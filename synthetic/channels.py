"""Acquisition channels: the monthly channel mix, campaign names and marketing spend."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthetic import parameters as world
from synthetic.calendar import History


def month_index(hist: History, days: np.ndarray) -> np.ndarray:
    """Months since the history's first month for day numbers."""
    dates = hist.start + pd.to_timedelta(days, unit="D")
    return (dates.year - hist.start.year) * 12 + (dates.month - hist.start.month)


def channel_mix(months: np.ndarray) -> np.ndarray:
    """P(channel) per month (rows): base shares shifted by each channel's budget trend."""
    share = np.array([c.share for c in world.CHANNELS])
    trend = np.array([c.share_trend for c in world.CHANNELS])
    weights = share[None, :] * np.exp(trend[None, :] * np.asarray(months)[:, None] / 12.0)
    return weights / weights.sum(axis=1, keepdims=True)


def draw_channels(months: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Channel index per lead given its creation month."""
    cumulative = np.cumsum(channel_mix(months), axis=1)
    u = rng.random(len(months))
    return np.minimum((u[:, None] > cumulative).sum(axis=1), len(world.CHANNELS) - 1)


def campaign_names(
    channel: np.ndarray, dates: pd.DatetimeIndex, rng: np.random.Generator
) -> np.ndarray:
    """'<code>-<yyyy>q<q>-<theme>' per lead, None for channels without campaigns."""
    out = np.full(len(channel), None, dtype=object)
    theme_pick = rng.random(len(channel))
    for index, spec in enumerate(world.CHANNELS):
        if spec.campaign_code is None:
            continue
        rows = np.flatnonzero(channel == index)
        themes = np.asarray(spec.campaign_themes, dtype=object)
        picked = themes[(theme_pick[rows] * len(themes)).astype(int)]
        years, quarters = dates.year[rows], dates.quarter[rows]
        out[rows] = [
            f"{spec.campaign_code}-{y}q{q}-{t}"
            for y, q, t in zip(years, quarters, picked, strict=True)
        ]
    return out


def channel_costs(lead_counts: np.ndarray, hist: History, rng: np.random.Generator) -> pd.DataFrame:
    """Monthly spend per channel from the leads it brought (counts: channels x months)."""
    n_months = lead_counts.shape[1]
    months = pd.period_range(hist.start, periods=n_months, freq="M").strftime("%Y-%m")
    rows = []
    for index, spec in enumerate(world.CHANNELS):
        noise = np.exp(rng.normal(0.0, world.SPEND_NOISE_SIGMA, n_months))
        for m in range(n_months):
            cpl = spec.cost_per_lead if m < 12 else spec.cost_per_lead_year_two
            spend = (lead_counts[index, m] * cpl + spec.fixed_monthly_spend) * noise[m]
            rows.append((spec.name, months[m], round(float(spend), 2), int(lead_counts[index, m])))
    return pd.DataFrame(rows, columns=["channel", "month", "spend", "leads"])
