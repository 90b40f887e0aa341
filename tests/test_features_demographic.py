"""Demographic features: e-mail domain types, bands, regions, flags and missing values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.demographic import demographic_features, iso_country
from features.email_domains import classify_domains, email_domain_type
from tests.test_features_helpers import project_params

LISTS = {
    key: project_params()["features"][key]
    for key in ("free_mail_domains", "education_suffixes", "competitor_domains")
}


@pytest.mark.parametrize(
    ("domain", "kind"),
    [
        ("acme.com", "corporate"),
        ("  ACME-Labs.co.uk ", "corporate"),
        ("gmail.com", "free_mail"),
        ("GMAIL.COM", "free_mail"),
        ("someone@gmail.com", "free_mail"),
        ("gmx.de", "free_mail"),
        ("mit.edu", "education"),
        ("cs.stanford.edu", "education"),
        ("ox.ac.uk", "education"),
        ("unimelb.edu.au", "education"),
        ("student.uva.nl", "education"),
        ("hubspot.com", "competitor"),
        ("mail.salesforce.com", "competitor"),
        ("notgmail.com", "corporate"),
        ("edu.com", "corporate"),
        ("gmailcom", "invalid"),
        ("test", "invalid"),
        ("acme..com", "invalid"),
        ("-acme.com", "invalid"),
        ("acme.c", "invalid"),
        ("n/a", "missing"),
        ("none", "missing"),
        ("", "missing"),
        (None, "missing"),
        (np.nan, "missing"),
    ],
)
def test_email_domain_type(domain, kind):
    assert email_domain_type(domain, **LISTS) == kind
    assert list(classify_domains(["acme.com", domain], **LISTS)) == ["corporate", kind]


def test_countries_become_iso_codes_and_regions():
    assert [iso_country(c) for c in ["de", "Germany", "united states", "U.S.", "uk", None]] == [
        "de", "de", "us", "us", "gb", "unknown"
    ]  # fmt: skip
    assert iso_country("atlantis") == "atlantis"


def test_demographic_columns_bands_flags_and_missing_values():
    created = pd.Timestamp("2024-01-01")
    leads = pd.DataFrame(
        {
            "channel": pd.array(
                ["Paid_Search ", None, "referral", "events", "x", "y", "z"], dtype="str"
            ),  # fmt: skip
            "campaign": pd.array([None] * 7, dtype="str"),
            "country": pd.array(["de", "germany", "us", "br", "sg", None, "atlantis"], dtype="str"),
            "industry": pd.array(
                ["software", "retail", "education", None, "Software", "x", "y"], dtype="str"
            ),  # fmt: skip
            "employees": [0.0, 10.0, 11.0, 200.0, 1001.0, 5001.0, np.nan],
            "job_title": pd.array(
                ["CMO", "student", None, "IT Manager", "x", "y", "z"], dtype="str"
            ),
            "email_domain": pd.array(
                ["acme.com", "mit.edu", None, "bad", "x.io", "y.io", "z.io"], dtype="str"
            ),  # fmt: skip
            "has_phone": pd.array([True, False, None, True, True, True, True], dtype="boolean"),
            "created_at": pd.Series([created] * 7).astype("datetime64[us]"),
            "as_of": pd.Series([created + pd.Timedelta(days=d) for d in range(7)]).astype(
                "datetime64[us]"
            ),  # fmt: skip
        }
    )
    out = demographic_features(leads, target_industries=["software", "retail"], **LISTS)
    assert out["channel"].tolist()[:3] == ["paid_search", "unknown", "referral"]
    assert out["campaign"].tolist() == ["unknown"] * 7
    assert out["country"].tolist()[:3] == ["de", "de", "us"]
    assert out["region"].tolist() == [
        "europe", "europe", "north_america", "latin_america", "asia_pacific", "unknown", "other"
    ]  # fmt: skip
    target = out["industry_is_target"].tolist()
    assert target[:3] == [1.0, 1.0, 0.0] and np.isnan(target[3]) and target[4] == 1.0
    assert out["employee_band"].tolist() == [
        "1-10", "1-10", "11-50", "51-200", "1001-5000", "5000+", "unknown"
    ]  # fmt: skip
    assert out["seniority"].tolist()[:4] == ["c_level", "student", "unknown", "manager"]
    assert out["email_domain_type"].tolist()[:4] == ["corporate", "education", "missing", "invalid"]
    assert out["email_valid"].tolist()[:2] == [1.0, 1.0] and np.isnan(out["email_valid"][2])
    assert out["email_valid"][3] == 0.0
    assert out["has_phone"].tolist()[:2] == [1.0, 0.0] and np.isnan(out["has_phone"][2])
    assert out["lead_age_days"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    for name in ("channel", "region", "employee_band", "seniority", "email_domain_type"):
        assert out[name].dtype == "str", name
