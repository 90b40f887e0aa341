"""Lead attributes: channel, industry, company size, job title, e-mail domain, phone, country.

`draw_leads` returns both the clean classes the world runs on (industry class, employee band,
seniority, e-mail domain type: exactly what the fit is computed from) and the messy strings the
CRM export shows. Each messy string is a deterministic rendering of its class, so the classes
are observable from the export.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthetic import parameters as world
from synthetic.calendar import History
from synthetic.channels import campaign_names, draw_channels, month_index


def lead_ids(indices: np.ndarray) -> np.ndarray:
    """'L0000001' for index 0."""
    return np.array([f"L{i + 1:07d}" for i in indices], dtype=object)


def draw_leads(
    indices: np.ndarray,
    days: np.ndarray,
    seconds: np.ndarray,
    hist: History,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The attributes of leads created on `days` (one row per lead, in index order)."""
    n = len(indices)
    dates = hist.start + pd.to_timedelta(days, unit="D")
    months = month_index(hist, days)
    channel = draw_channels(months, rng)
    seniority = rng.choice(len(world.SENIORITIES), size=n, p=world.SENIORITY_SHARES)
    is_student = seniority == world.SENIORITIES.index("student")
    email_type = _email_types(is_student, rng)
    industry_class, industry = _industries(is_student, email_type, rng)
    employees = _employees(n, rng)
    employees_missing = rng.random(n) < np.where(
        email_type == world.EMAIL_TYPES.index("free_mail"),
        world.MISSING_EMPLOYEES_FREE_MAIL,
        world.MISSING_EMPLOYEES,
    )
    observed_employees = np.where(employees_missing, np.nan, employees.astype(float))
    country = rng.choice(len(world.COUNTRIES), size=n, p=_normalised(world.COUNTRY_SHARES))
    title_missing = rng.random(n) < world.TITLE_MISSING_SHARE
    return pd.DataFrame(
        {
            "lead_index": indices,
            "lead_id": lead_ids(indices),
            "day": days,
            "second": seconds,
            "created_at": dates + pd.to_timedelta(seconds, unit="s"),
            "channel_index": channel,
            "channel": np.asarray(world.CHANNEL_NAMES, dtype=object)[channel],
            "year_two": months >= 12,
            "campaign": _missing(campaign_names(channel, dates, rng), world.MISSING_CAMPAIGN, rng),
            "country": _countries(country, rng),
            "industry_class": industry_class,
            "industry": industry,
            "employees_true": employees,
            "employees": observed_employees,
            "employee_band": employee_bands(observed_employees),
            "seniority": np.where(
                title_missing, "unknown", np.asarray(world.SENIORITIES, dtype=object)[seniority]
            ),
            "job_title": np.where(title_missing, None, _titles(seniority, rng)),
            "email_type": np.asarray(world.EMAIL_TYPES, dtype=object)[email_type],
            "email_domain": _domains(email_type, country, rng),
            "has_phone": _phones(channel, rng),
        }
    )


def employee_bands(employees: np.ndarray) -> np.ndarray:
    """Band label per head count; NaN is 'missing'."""
    bands = np.asarray(world.EMPLOYEE_BANDS + ("missing",), dtype=object)
    position = np.searchsorted(world.EMPLOYEE_BAND_EDGES, np.nan_to_num(employees, nan=1), "right")
    return bands[np.where(np.isnan(employees), len(world.EMPLOYEE_BANDS), position - 1)]


def _employees(n: int, rng: np.random.Generator) -> np.ndarray:
    """Heavy-tailed head counts (lognormal)."""
    raw = np.exp(rng.normal(world.EMPLOYEE_LOG_MEAN, world.EMPLOYEE_LOG_SD, n))
    return np.clip(np.round(raw), 1, world.EMPLOYEE_MAX).astype(np.int64)


def _email_types(is_student: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    working = rng.choice(
        len(world.EMAIL_TYPES), size=len(is_student), p=world.EMAIL_TYPE_SHARES_WORKING
    )
    student = rng.choice(
        len(world.EMAIL_TYPES), size=len(is_student), p=world.EMAIL_TYPE_SHARES_STUDENT
    )
    return np.where(is_student, student, working)


def _industries(
    is_student: np.ndarray, email_type: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(class in target / other / missing, messy industry name or None)."""
    n = len(is_student)
    target = rng.random(n) < world.TARGET_INDUSTRY_SHARE
    names = np.where(
        target,
        np.asarray(world.TARGET_INDUSTRIES, dtype=object)[
            rng.integers(len(world.TARGET_INDUSTRIES), size=n)
        ],
        np.asarray(world.OTHER_INDUSTRIES, dtype=object)[
            rng.integers(len(world.OTHER_INDUSTRIES), size=n)
        ],
    )
    names = np.where(is_student, "education", names)
    names = np.where(email_type == world.EMAIL_TYPES.index("competitor"), "software", names)
    missing_share = np.where(is_student, world.MISSING_INDUSTRY_STUDENT, world.MISSING_INDUSTRY)
    missing = rng.random(n) < missing_share
    is_target = np.isin(names, world.TARGET_INDUSTRIES)
    classes = np.where(missing, "missing", np.where(is_target, "target", "other"))
    style = rng.random(n)
    rendered = [
        _industry_style(name, s) if not m else None
        for name, s, m in zip(names, style, missing, strict=True)
    ]
    return classes.astype(object), np.asarray(rendered, dtype=object)


def _industry_style(name: str, u: float) -> str:
    if u < 0.6:
        return name.title()
    if u < 0.9:
        return name
    return name.upper()


def _titles(seniority: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    picks = rng.random(len(seniority))
    styles = rng.random(len(seniority))
    out = []
    for level, pick, style in zip(seniority, picks, styles, strict=True):
        options = world.TITLES[world.SENIORITIES[level]]
        out.append(messy_title(options[int(pick * len(options))], style))
    return np.asarray(out, dtype=object)


def messy_title(title: str, u: float) -> str:
    """A free-text rendering of a canonical title (case, punctuation, spacing)."""
    if u < 0.55:
        return title
    if u < 0.70:
        return title.lower()
    if u < 0.78:
        return title.upper()
    if u < 0.85:
        return title.title()
    if u < 0.95:
        return (
            title.replace(",", "")
            .replace("Sr.", "Senior")
            .replace("Dir.", "Director")
            .replace(" Mgr", " Manager")
        )
    return f" {title.replace(' ', '  ')} "


def _domains(email_type: np.ndarray, country: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = len(email_type)
    pick = rng.random((n, 3))
    out = np.full(n, None, dtype=object)
    for i in range(n):
        kind = world.EMAIL_TYPES[email_type[i]]
        if kind == "corporate":
            out[i] = _company_domain(pick[i], world.COUNTRIES[country[i]])
        elif kind != "missing":
            pool = {
                "free_mail": world.FREE_MAIL_DOMAINS,
                "education": world.EDUCATION_DOMAINS,
                "competitor": world.COMPETITOR_DOMAINS,
                "invalid": world.INVALID_DOMAINS,
            }[kind]
            out[i] = pool[int(pick[i, 0] * len(pool))]
            if pick[i, 1] < 0.04:  # some exports keep the user's capitalisation
                out[i] = out[i].capitalize()
    return out


def _company_domain(u: np.ndarray, country: str) -> str:
    first = world.COMPANY_WORDS_A[int(u[0] * len(world.COMPANY_WORDS_A))]
    second = world.COMPANY_WORDS_B[int(u[1] * len(world.COMPANY_WORDS_B))]
    local_tld = world.COUNTRY_TLD.get(country)
    tld = local_tld if local_tld and u[2] < 0.5 else ("io" if u[2] > 0.9 else "com")
    joiner = "-" if u[2] * 10 % 1 < 0.2 else ""
    return f"{first}{joiner}{second}.{tld}"


def _countries(country: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    codes = np.asarray(world.COUNTRIES, dtype=object)[country]
    as_name = rng.random(len(codes)) < world.COUNTRY_NAME_SHARE
    named = np.array([world.COUNTRY_NAMES.get(c, c) for c in codes], dtype=object)
    return _missing(np.where(as_name, named, codes), world.MISSING_COUNTRY, rng)


def _phones(channel: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    share = np.array(
        [world.PHONE_SHARE.get(c.name, world.PHONE_SHARE_DEFAULT) for c in world.CHANNELS]
    )
    has = rng.random(len(channel)) < share[channel]
    missing = rng.random(len(channel)) < world.MISSING_HAS_PHONE
    return np.where(missing, None, has).astype(object)


def _missing(values: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    return np.where(rng.random(len(values)) < share, None, values)


def _normalised(shares: tuple[float, ...]) -> np.ndarray:
    weights = np.asarray(shares, dtype=float)
    return weights / weights.sum()
