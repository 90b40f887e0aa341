"""Scores of an export's open leads: order, safe lead ids, routes and the summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from models.economics import Economics
from scoring.export_scores import export_scores, has_open_leads, scores_summary

RULE = Economics(sales_contact_cost=200, nurture_touch_cost=5, nurture_uplift=0.1)


def open_leads() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lead_id": ["b", "=cmd", "a", "c"],
            "as_of": pd.to_datetime(
                ["2024-12-01 10:30", "2024-12-02 00:00", "2024-12-03 00:00", "2024-12-04 00:00"]
            ),
        }
    )


def test_export_scores_ranks_best_first_with_ties_by_lead_id():
    p = np.array([0.5, 0.01, 0.5, 0.1234567])
    scores = export_scores(open_leads(), p, value=1000, economics=RULE)
    assert list(scores["lead_id"]) == ["a", "b", "c", "'=cmd"]  # a formula-like id is quoted
    assert list(scores["score"]) == [50, 50, 12, 1]
    assert list(scores["route"]) == ["sales", "sales", "nurture", "none"]
    assert list(scores["tier"]) == ["hot", "hot", "warm", "cold"]
    assert scores["probability"].iloc[2] == 0.123457
    assert list(scores["as_of"]) == ["2024-12-03", "2024-12-01", "2024-12-04", "2024-12-02"]


def test_scores_summary_counts_the_routes():
    scores = export_scores(
        open_leads(), np.array([0.5, 0.5, 0.5, 0.01]), value=1000, economics=RULE
    )
    summary = scores_summary(scores, Path("data/exports/x/scores.csv"))
    assert summary == {
        "open_leads": 4,
        "file": "data/exports/x/scores.csv",
        "routes": {"sales": 3, "none": 1},
    }


def test_has_open_leads():
    assert not has_open_leads(None)
    assert not has_open_leads(open_leads().iloc[:0])
    assert has_open_leads(open_leads())
