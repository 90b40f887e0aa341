"""Lead attributes: messy strings that still reveal the classes the world runs on."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from synthetic import parameters as world
from synthetic.calendar import history
from synthetic.firmographics import draw_leads, employee_bands, lead_ids, messy_title


def _normalised(title: str) -> str:
    title = title.lower().replace("senior", "sr.").replace("director", "dir.")
    return re.sub(r"[\s,.]+", " ", title.replace(" manager", " mgr")).strip()


def test_every_messy_title_reveals_exactly_one_seniority():
    seniority_of: dict[str, set[str]] = {}
    for seniority, titles in world.TITLES.items():
        for title in titles:
            for u in np.linspace(0, 0.999, 40):
                seniority_of.setdefault(_normalised(messy_title(title, u)), set()).add(seniority)
    ambiguous = {t: s for t, s in seniority_of.items() if len(s) > 1}
    assert not ambiguous


def test_messy_titles_vary_case_punctuation_and_spacing():
    variants = {messy_title("Sr. Marketing Manager", u) for u in np.linspace(0, 0.999, 200)}
    assert {"Sr. Marketing Manager", "sr. marketing manager", "SR. MARKETING MANAGER",
            "Senior Marketing Manager", " Sr.  Marketing  Manager "} <= variants  # fmt: skip


@pytest.mark.parametrize(
    ("employees", "band"),
    [(1, "1-10"), (10, "1-10"), (11, "11-50"), (200, "51-200"), (201, "201-1000"),
     (5000, "1001-5000"), (5001, "5001+"), (np.nan, "missing")],
)  # fmt: skip
def test_employee_bands(employees, band):
    assert employee_bands(np.array([employees], dtype=float))[0] == band


def test_lead_ids_are_zero_padded_from_one():
    assert list(lead_ids(np.array([0, 41, 9_999_998]))) == ["L0000001", "L0000042", "L9999999"]


@pytest.fixture(scope="module")
def leads() -> pd.DataFrame:
    hist = history("2024-01-01", 24)
    n = 6000
    rng = np.random.default_rng(11)
    days = np.sort(rng.integers(hist.n_days, size=n))
    return draw_leads(np.arange(n), days, np.full(n, 36_000), hist, rng)


def test_classes_agree_with_the_rendered_strings(leads):
    industry = leads["industry"].str.lower()
    assert (industry.isin(world.TARGET_INDUSTRIES) == (leads["industry_class"] == "target")).all()
    assert (industry.isna() == (leads["industry_class"] == "missing")).all()
    domain = leads["email_domain"].str.lower()
    pools = {
        "free_mail": world.FREE_MAIL_DOMAINS,
        "education": world.EDUCATION_DOMAINS,
        "competitor": world.COMPETITOR_DOMAINS,
        "invalid": world.INVALID_DOMAINS,
    }
    for kind, pool in pools.items():
        assert domain[leads["email_type"] == kind].isin(pool).all(), kind
    corporate = domain[leads["email_type"] == "corporate"]
    assert not corporate.isin(sum(pools.values(), ())).any()
    assert (domain.isna() == (leads["email_type"] == "missing")).all()
    assert (leads["job_title"].isna() == (leads["seniority"] == "unknown")).all()
    assert (employee_bands(leads["employees"].to_numpy()) == leads["employee_band"]).all()


def test_students_mostly_use_university_or_free_mail(leads):
    students = leads[leads["seniority"] == "student"]
    assert students["email_type"].isin(["education", "free_mail"]).mean() > 0.85
    assert (leads.loc[leads["seniority"] != "student", "email_type"] == "education").mean() < 0.02


def test_paid_social_grows_its_share_in_year_two(leads):
    social = leads["channel"] == "paid_social"
    assert social[leads["year_two"]].mean() > 1.2 * social[~leads["year_two"]].mean()
    assert leads.loc[leads["channel"] == "referral", "campaign"].isna().all()
    assert (
        leads.loc[leads["channel"] == "paid_search", "campaign"]
        .str.match(r"ps-20\d\dq[1-4]-", na=True)
        .all()
    )
