"""Demographic and firmographic features: who the lead is, as known when it was created.

Each function is named after the feature it computes (Hamilton style) and takes the lead
columns it needs. Categorical results are strings with "unknown" for missing values; flags are
float 0/1 with NaN when unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from features import email_domains, job_titles

UNKNOWN = "unknown"
DAY = pd.Timedelta(days=1)

# (name, meaning, kind) in matrix order; the catalog is built from this list.
DEMOGRAPHIC_FEATURES: tuple[tuple[str, str, str], ...] = (
    ("channel", "acquisition channel of the lead", "categorical"),
    ("campaign", "campaign that produced the lead", "categorical"),
    ("country", "country as an ISO code when recognised, else as given", "categorical"),
    ("region", "world region of the country (europe, north_america, ...)", "categorical"),
    ("industry", "industry of the lead's company", "categorical"),
    ("industry_is_target", "1 if the industry is in features.target_industries", "numeric"),
    ("employees", "company head count", "numeric"),
    (
        "employee_band",
        "head-count band: 1-10, 11-50, 51-200, 201-1000, 1001-5000, 5000+",
        "categorical",
    ),
    ("seniority", "seniority parsed from the job title (c_level, vp, ..., student)", "categorical"),
    (
        "job_function",
        "function parsed from the job title (marketing, sales, it, ...)",
        "categorical",
    ),
    (
        "email_domain_type",
        "corporate, free_mail, education, competitor, invalid or missing",
        "categorical",
    ),
    ("has_phone", "1 if a phone number was given", "numeric"),
    (
        "email_valid",
        "1 if the e-mail domain is plausible, 0 if malformed, NaN if missing",
        "numeric",
    ),
    ("lead_age_days", "days since the lead was created", "numeric"),
)

EMPLOYEE_BANDS: tuple[tuple[float, str], ...] = (
    (10, "1-10"),
    (50, "11-50"),
    (200, "51-200"),
    (1000, "201-1000"),
    (5000, "1001-5000"),
    (np.inf, "5000+"),
)

# region -> ISO 3166 alpha-2 codes, then extra spellings of a code that exports contain.
REGIONS: dict[str, tuple[str, ...]] = {
    "north_america": ("us", "ca"),
    "latin_america": ("mx", "br", "ar", "cl", "co", "pe", "uy", "ve", "ec", "cr", "pa", "gt", "do"),
    "europe": (
        "at",
        "be",
        "bg",
        "ch",
        "cy",
        "cz",
        "de",
        "dk",
        "ee",
        "es",
        "fi",
        "fr",
        "gb",
        "gr",
        "hr",
        "hu",
        "ie",
        "is",
        "it",
        "lt",
        "lu",
        "lv",
        "mt",
        "nl",
        "no",
        "pl",
        "pt",
        "ro",
        "rs",
        "se",
        "si",
        "sk",
        "ua",
    ),  # fmt: skip
    "middle_east_africa": ("ae", "sa", "il", "tr", "eg", "za", "ng", "ke", "ma", "qa", "gh"),
    "asia_pacific": (
        "cn",
        "jp",
        "kr",
        "in",
        "sg",
        "hk",
        "tw",
        "au",
        "nz",
        "id",
        "my",
        "th",
        "ph",
        "vn",
        "pk",
    ),  # fmt: skip
}
COUNTRY_NAMES: dict[str, str] = {
    "united states": "us", "united states of america": "us", "usa": "us", "u s": "us",
    "america": "us", "canada": "ca", "can": "ca", "mexico": "mx", "brazil": "br", "brasil": "br",
    "argentina": "ar", "chile": "cl", "colombia": "co", "peru": "pe", "austria": "at",
    "belgium": "be", "switzerland": "ch", "czech republic": "cz", "czechia": "cz",
    "germany": "de", "deutschland": "de", "deu": "de", "denmark": "dk", "spain": "es",
    "espana": "es", "finland": "fi", "france": "fr", "fra": "fr", "united kingdom": "gb",
    "uk": "gb", "great britain": "gb", "england": "gb", "scotland": "gb", "wales": "gb",
    "gbr": "gb", "greece": "gr", "hungary": "hu", "ireland": "ie", "italy": "it", "italia": "it",
    "netherlands": "nl", "the netherlands": "nl", "holland": "nl", "norway": "no",
    "poland": "pl", "portugal": "pt", "romania": "ro", "sweden": "se", "ukraine": "ua",
    "united arab emirates": "ae", "uae": "ae", "saudi arabia": "sa", "israel": "il",
    "turkey": "tr", "turkiye": "tr", "egypt": "eg", "south africa": "za", "nigeria": "ng",
    "kenya": "ke", "china": "cn", "japan": "jp", "south korea": "kr", "korea": "kr",
    "india": "in", "ind": "in", "singapore": "sg", "hong kong": "hk", "taiwan": "tw",
    "australia": "au", "aus": "au", "new zealand": "nz", "indonesia": "id", "malaysia": "my",
    "thailand": "th", "philippines": "ph", "vietnam": "vn", "pakistan": "pk",
}  # fmt: skip
_REGION_OF_CODE = {code: region for region, codes in REGIONS.items() for code in codes}


def _map_unique(values: pd.Series, parse: Callable[[Any], str]) -> pd.Series:
    """Apply a per-value parser once per distinct value (titles and domains repeat a lot)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = pd.array([parse(value) for value in uniques.tolist()] + [parse(None)], dtype="str")
    return pd.Series(parsed.take(codes), index=values.index)  # code -1 (missing): the last


def _normalised(value: object) -> str:
    """Trimmed lower-case text, "unknown" where missing or blank."""
    if not isinstance(value, str) or not value.strip():
        return UNKNOWN
    return value.strip().lower()


def _category(values: pd.Series) -> pd.Series:
    return _map_unique(values, _normalised)


def _flag(values: pd.Series) -> pd.Series:
    """Nullable booleans as float 1.0 / 0.0 / NaN."""
    return values.astype("boolean").astype("Float64").astype("float64")


def iso_country(value: object) -> str:
    """ISO alpha-2 code for a country code or common name, the text itself if unrecognised."""
    if not isinstance(value, str) or not value.strip():
        return UNKNOWN
    text = " ".join(value.strip().lower().replace(".", " ").split())
    if text in _REGION_OF_CODE:
        return text
    return COUNTRY_NAMES.get(text, text)


def channel(channel: pd.Series) -> pd.Series:
    return _category(channel)


def campaign(campaign: pd.Series) -> pd.Series:
    return _category(campaign)


def country(country: pd.Series) -> pd.Series:
    return _map_unique(country, iso_country)


def region(country: pd.Series) -> pd.Series:
    """World region of the (already ISO-coded) country; "other" when the code is not listed."""
    return _map_unique(
        country, lambda c: _REGION_OF_CODE.get(c, "other") if c != UNKNOWN else UNKNOWN
    )


def industry(industry: pd.Series) -> pd.Series:
    return _category(industry)


def industry_is_target(industry: pd.Series, target_industries: Iterable[str]) -> pd.Series:
    targets = {t.strip().lower() for t in target_industries}
    return industry.isin(targets).astype("float64").where(industry != UNKNOWN)


def employees(employees: pd.Series) -> pd.Series:
    return pd.to_numeric(employees, errors="coerce").astype("float64")


def employee_band(employees: pd.Series) -> pd.Series:
    band = pd.Series(UNKNOWN, index=employees.index, dtype="str")
    for upper, label in reversed(EMPLOYEE_BANDS):
        band = band.mask(employees <= upper, label)
    return band.astype("str")


def seniority(job_title: pd.Series) -> pd.Series:
    return _map_unique(job_title, job_titles.seniority)


def job_function(job_title: pd.Series) -> pd.Series:
    return _map_unique(job_title, job_titles.job_function)


def email_domain_type(email_domain: pd.Series, **domain_lists: Iterable[str]) -> pd.Series:
    codes, uniques = pd.factorize(email_domain, use_na_sentinel=True)
    kinds = email_domains.classify_domains([*uniques.tolist(), None], **domain_lists)
    return pd.Series(pd.array(kinds, dtype="str").take(codes), index=email_domain.index)


def has_phone(has_phone: pd.Series) -> pd.Series:
    return _flag(has_phone)


def email_valid(email_domain_type: pd.Series) -> pd.Series:
    valid = (email_domain_type != "invalid").astype("float64")
    return valid.where(email_domain_type != "missing")


def lead_age_days(created_at: pd.Series, as_of: pd.Series) -> pd.Series:
    return ((as_of - created_at) / DAY).astype("float64")


def demographic_features(
    leads: pd.DataFrame,
    *,
    target_industries: Iterable[str],
    free_mail_domains: Iterable[str],
    education_suffixes: Iterable[str],
    competitor_domains: Iterable[str],
) -> pd.DataFrame:
    """The demographic columns for rows of lead attributes plus their as_of, in catalog order."""
    out = pd.DataFrame(index=leads.index)
    out["channel"] = channel(leads["channel"])
    out["campaign"] = campaign(leads["campaign"])
    out["country"] = country(leads["country"])
    out["region"] = region(out["country"])
    out["industry"] = industry(leads["industry"])
    out["industry_is_target"] = industry_is_target(out["industry"], target_industries)
    out["employees"] = employees(leads["employees"])
    out["employee_band"] = employee_band(out["employees"])
    out["seniority"] = seniority(leads["job_title"])
    out["job_function"] = job_function(leads["job_title"])
    out["email_domain_type"] = email_domain_type(
        leads["email_domain"],
        free_mail_domains=free_mail_domains,
        education_suffixes=education_suffixes,
        competitor_domains=competitor_domains,
    )
    out["has_phone"] = has_phone(leads["has_phone"])
    out["email_valid"] = email_valid(out["email_domain_type"])
    out["lead_age_days"] = lead_age_days(leads["created_at"], leads["as_of"])
    return out
