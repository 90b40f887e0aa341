"""Scores for an export's open leads: those not labelled yet because their horizon still runs.

The same score, tier and route as the nightly batch (models.economics), one row per lead, best
first; lead ids are neutralised because the file is opened in spreadsheets.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from models.economics import Economics, route_leads, score_from_probability, tiers_of
from scoring.output import neutralise

NOTHING_TO_SCORE = {
    "open_leads": 0,
    "note": "every lead of the export is labelled: nothing to score",
}


def has_open_leads(open_leads: pd.DataFrame | None) -> bool:
    """Whether the export has leads left to score."""
    return open_leads is not None and not open_leads.empty


def export_scores(
    open_leads: pd.DataFrame, probability: np.ndarray, *, value: float, economics: Economics
) -> pd.DataFrame:
    """lead_id, as_of (date), score 0-100, probability, tier and route, highest score first."""
    routes = route_leads(probability, value, economics)
    scores = pd.DataFrame(
        {
            "lead_id": neutralise(open_leads["lead_id"]),
            "as_of": open_leads["as_of"].dt.date.astype("str"),
            "score": score_from_probability(probability),
            "probability": np.round(probability, 6),
            "tier": tiers_of(routes),
            "route": routes,
        }
    )
    return scores.sort_values(["score", "lead_id"], ascending=[False, True])


def scores_summary(scores: pd.DataFrame, path: Path) -> dict:
    """metrics.json `scoring`: how many open leads were scored, where, and by route."""
    counts = scores["route"].value_counts().to_dict()
    return {
        "open_leads": int(len(scores)),
        "file": str(path),
        "routes": {route: int(n) for route, n in counts.items()},
    }
