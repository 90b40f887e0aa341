"""The routing rule tonight's scores follow, read from reports/thresholds.json (economics stage).

The file holds the money (sales contact cost, nurture cost and uplift, capacity) and the value
of a conversion per value segment; scoring applies models.economics' own decision rule to the
calibrated probabilities, so the nightly routes are exactly the ones the economics stage
evaluated. The model arm routes by p*V - c; the control arm by the legacy point table's MQL flag.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from features.errors import LeadscoreError
from models import economics as ec
from models.deal_value import ConversionValues

THRESHOLDS_PATH = "reports/thresholds.json"


@dataclass(frozen=True)
class RoutingRule:
    economics: ec.Economics
    values: ConversionValues

    def conversion_value(self, features: pd.DataFrame) -> np.ndarray:
        """V of every lead: its value segment's deal value, or the default."""
        return self.values.for_frame(features)


def read_thresholds(path: str | Path = THRESHOLDS_PATH) -> RoutingRule:
    """The routing rule; a missing or malformed file is one clear line."""
    path = Path(path)
    if not path.exists():
        raise LeadscoreError(f"{path}: not found; run `leadscore economics` (or `dvc repro`) first")
    try:
        document = json.loads(path.read_text())
        money = document["economics"]
        capacity = money.get("sales_capacity_per_batch")
        economics = ec.Economics(
            sales_contact_cost=float(money["sales_contact_cost"]),
            nurture_touch_cost=float(money["nurture_touch_cost"]),
            nurture_uplift=float(money["nurture_uplift"]),
            sales_capacity=int(capacity) if capacity else None,
        )
        segments = document.get("segments") or {}
        values = ConversionValues(
            default=float(document["default"]["conversion_value"]),
            segment_columns=tuple(document.get("segment_columns") or ()),
            by_segment={str(k): float(v["conversion_value"]) for k, v in segments.items()},
            mode=str(money.get("conversion_value", "segment" if segments else "fixed")),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise LeadscoreError(
            f"{path}: not a thresholds file this version reads ({type(exc).__name__}: {exc}); "
            "rerun `leadscore economics`"
        ) from None
    return RoutingRule(economics=economics, values=values)


def split_capacity(capacity: int | None, control_share: float) -> tuple[int | None, int | None]:
    """Sales capacity of the model and control arms, in proportion to their shares."""
    if capacity is None:
        return None, None
    control = int(round(capacity * control_share))
    return capacity - control, control


def model_routes(p: np.ndarray, value: np.ndarray, economics: ec.Economics) -> np.ndarray:
    """sales / nurture / none by expected profit (tonight is one capacity batch)."""
    return ec.route_leads(p, value, economics)


def legacy_routes(points: np.ndarray, mql: np.ndarray, capacity: int | None) -> np.ndarray:
    """The legacy table: its MQLs go to sales (most points first within capacity), no nurture."""
    to_sales = ec.select_within_capacity(points, np.asarray(mql) > 0, None, capacity)
    return np.where(to_sales, ec.SALES, ec.NONE)
