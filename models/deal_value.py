"""The value of a conversion: a fixed number, or the expected deal value of the lead's segment.

Segment values are learned from converted outcomes joined to lead attributes and shrunk towards
the global mean, so that a segment with three won deals does not get a wild value of its own:
value = (n * segment_mean + k * global_mean) / (n + k), with k the shrinkage pseudo-count.
They are learned from deals won before the test window, so that the window's own deals never
set the values it is judged by.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features.contract import CONVERTED
from features.errors import LeadscoreError

MISSING_SEGMENT = "missing"
SEGMENT_SEPARATOR = "|"


@dataclass(frozen=True)
class ConversionValues:
    """Value of a conversion per segment; leads of an unseen segment get ``default``."""

    default: float
    segment_columns: tuple[str, ...] = ()
    by_segment: dict[str, float] = field(default_factory=dict)
    conversions_by_segment: dict[str, int] = field(default_factory=dict)
    mode: str = "fixed"  # fixed | segment

    def for_frame(self, frame: pd.DataFrame) -> np.ndarray:
        """The conversion value of every row of ``frame`` (which holds the segment columns)."""
        if not self.segment_columns:
            return np.full(len(frame), float(self.default))
        keys = segment_keys(frame, self.segment_columns)
        return keys.map(self.by_segment).fillna(self.default).to_numpy(dtype=float)


def segment_keys(frame: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> pd.Series:
    """One string key per row: the segment columns' values joined by '|', 'missing' for NaN."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise LeadscoreError(
            f"economics.value_segments: column(s) {missing} not found in the lead attributes; "
            "use feature or lead columns such as employee_band, industry, channel"
        )
    parts = [_as_key_part(frame[c]) for c in columns]
    key = parts[0]
    for part in parts[1:]:
        key = key + SEGMENT_SEPARATOR + part
    return key.rename("segment")


def _as_key_part(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.where(text.notna() & (text != ""), MISSING_SEGMENT).astype(str)


def fixed_values(value: float) -> ConversionValues:
    """Every conversion is worth ``value``."""
    if not value > 0:
        raise LeadscoreError(
            f"params.yaml: economics.fixed_conversion_value must be positive, got {value}"
        )
    return ConversionValues(default=float(value), mode="fixed")


def fit_segment_values(
    converted: pd.DataFrame,
    *,
    segment_columns: list[str] | tuple[str, ...],
    shrinkage: float,
    fallback: float,
) -> ConversionValues:
    """Learn the expected deal value per segment from converted leads (one row per won deal).

    ``converted`` holds the segment columns and ``deal_value``; deals without a value are ignored.
    With no usable deal values the fixed ``fallback`` is used for every lead.
    """
    if shrinkage < 0:
        raise LeadscoreError(
            f"params.yaml: economics.value_shrinkage must be >= 0, got {shrinkage}"
        )
    deals = converted[converted["deal_value"].notna() & (converted["deal_value"] > 0)]
    if deals.empty:
        return fixed_values(fallback)
    global_mean = float(deals["deal_value"].mean())
    keys = segment_keys(deals, tuple(segment_columns))
    stats = deals.groupby(keys)["deal_value"].agg(["count", "mean"])
    shrunk = (stats["count"] * stats["mean"] + shrinkage * global_mean) / (
        stats["count"] + shrinkage
    )
    return ConversionValues(
        default=global_mean,
        segment_columns=tuple(segment_columns),
        by_segment={str(k): float(v) for k, v in shrunk.items()},
        conversions_by_segment={str(k): int(v) for k, v in stats["count"].items()},
        mode="segment",
    )


def won_before(outcomes: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame:
    """The converted outcomes closed before ``start`` (one row per won deal)."""
    return outcomes[(outcomes["status"] == CONVERTED) & (outcomes["closed_at"] < start)]


def conversion_values(
    *,
    setting: str,
    fixed_value: float,
    won: pd.DataFrame | None,
    segment_columns: list[str] | tuple[str, ...],
    shrinkage: float,
) -> ConversionValues:
    """V as params.yaml economics.conversion_value asks: fixed, a number, or segment.

    'segment' learns from ``won`` (won deals with the segment columns and deal_value) and falls
    back to ``fixed_value`` when the CRM has no deal values (``won`` is None).
    """
    if setting == "fixed" or (setting == "segment" and won is None):
        return fixed_values(fixed_value)
    if setting == "segment":
        return fit_segment_values(
            won, segment_columns=segment_columns, shrinkage=shrinkage, fallback=fixed_value
        )
    try:
        number = float(setting)
    except ValueError:
        raise LeadscoreError(
            "params.yaml: economics.conversion_value must be fixed, segment or a number, "
            f"not {setting!r}"
        ) from None
    return fixed_values(number)
