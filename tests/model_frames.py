"""Small synthetic feature sets shaped like data/features/*.parquet, for the model tests.

Columns follow the feature naming of the brief; the label comes from a known logistic model of
fit and behaviour, so a good model must find the signal and a shuffled label has none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SENIORITY = ["c_level", "vp", "director", "manager", "individual", "intern", "student", "unknown"]
CHANNELS = ["paid_search", "referral", "organic", "events", "partner", "social"]
DOMAIN_TYPES = ["corporate", "free_mail", "education", "competitor", "missing"]
ACTIVITIES = ["pricing_page_view", "content_download", "demo_request", "web_visit", "unsubscribe"]


def feature_frame(n: int = 3000, *, seed: int = 0, start: str = "2024-01-01") -> pd.DataFrame:
    """lead_id, as_of, label, then categorical (str) and numeric (float64) features."""
    return frame_and_truth(n, seed=seed, start=start)[0]


def frame_and_truth(
    n: int, *, seed: int, start: str = "2024-01-01"
) -> tuple[pd.DataFrame, np.ndarray]:
    """A feature frame and the true conversion probability of each row (its Bayes limit)."""
    rng = np.random.default_rng(seed)
    seniority = rng.choice(SENIORITY, n, p=[0.04, 0.08, 0.12, 0.25, 0.3, 0.06, 0.07, 0.08])
    channel = rng.choice(CHANNELS, n)
    domain = rng.choice(DOMAIN_TYPES, n, p=[0.6, 0.25, 0.06, 0.03, 0.06])
    target = rng.binomial(1, 0.5, n).astype(float)
    counts = {
        a: rng.poisson(lam, n).astype(float)
        for a, lam in zip(ACTIVITIES, [0.6, 0.4, 0.1, 3, 0.05], strict=True)
    }
    engagement = rng.gamma(1.0, 1.0, n)
    logit = (
        -3.0
        + 1.2 * np.isin(seniority, ["c_level", "vp", "director"])
        - 1.5 * np.isin(seniority, ["student", "intern"])
        + 0.8 * target
        + 0.6 * counts["pricing_page_view"]
        + 1.5 * counts["demo_request"]
        + 0.3 * counts["content_download"]
        - 1.0 * (counts["unsubscribe"] > 0)
        + 1.0 * engagement
        - 1.5 * (domain == "competitor")
        + 0.3 * (channel == "referral")
    )
    p_true = 1 / (1 + np.exp(-logit))
    label = rng.binomial(1, p_true)
    days_since = np.where(counts["web_visit"] > 0, rng.integers(0, 60, n), np.nan).astype(float)
    frame = pd.DataFrame(
        {
            "lead_id": [f"L{i:06d}" for i in range(n)],
            "as_of": pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, 13, n) * 7, unit="D"),
            "label": label.astype(int),
            "channel": pd.array(channel, dtype="str"),
            "seniority": pd.array(seniority, dtype="str"),
            "email_domain_type": pd.array(domain, dtype="str"),
            "industry_is_target": target,
            **{f"count_{a}_all": counts[a] for a in ACTIVITIES},
            "days_since_last_web_visit": days_since,
            "engagement_decayed": engagement,
        }
    )
    frame.loc[rng.random(n) < 0.05, "channel"] = None  # missing categories exist in real exports
    return frame, p_true


def point_table_rules() -> list[dict]:
    """A legacy-style table over the synthetic columns."""
    return [
        {"feature": "seniority", "in": ["vp", "director", "c_level"], "points": 15},
        {"feature": "seniority", "in": ["student", "intern"], "points": -20},
        {"feature": "industry_is_target", "equals": 1, "points": 10},
        {"feature": "industry_is_target", "equals": 0, "points": -10},
        {"feature": "count_pricing_page_view_all", "per": 1, "points": 5, "max": 25},
        {"feature": "count_content_download_all", "per": 1, "points": 10, "max": 30},
        {"feature": "count_demo_request_all", "per": 1, "points": 20},
        {"feature": "count_unsubscribe_all", "above": 0, "points": -10},
    ]
