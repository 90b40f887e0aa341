"""What kind of address an e-mail domain is: corporate, free mail, education, competitor.

The lists come from params.yaml (features.free_mail_domains, education_suffixes,
competitor_domains). Only the domain is ever looked at, never the local part. The rules run
vectorised (Arrow compute) over the distinct domains of a table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

EMAIL_DOMAIN_TYPES: tuple[str, ...] = (
    "corporate",
    "free_mail",
    "education",
    "competitor",
    "invalid",
    "missing",
)

# Labels of letters, digits and inner hyphens, then a top-level domain of 2+ letters.
_PLAUSIBLE_DOMAIN = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
_MISSING = ["", "-", "n/a", "na", "none", "null", "unknown"]


def clean_domains(values: pa.Array) -> pa.Array:
    """Lower-cased, trimmed domains; a full address is cut to what follows its last '@'."""
    text = pc.utf8_trim_whitespace(pc.utf8_lower(values))
    text = pc.replace_substring_regex(text, pattern=r"^.*@", replacement="")
    return pc.utf8_rtrim(pc.utf8_trim_whitespace(text), characters=".")


def _is_or_under(domains: pa.Array, listed: Iterable[str]) -> np.ndarray:
    """The domain is a listed one or a subdomain of it ('mail.hubspot.com' of hubspot.com)."""
    hit = np.zeros(len(domains), dtype=bool)
    for entry in listed:
        entry = entry.strip().lower()
        hit |= _true(pc.equal(domains, entry)) | _true(pc.ends_with(domains, "." + entry))
    return hit


def _true(mask: pa.Array) -> np.ndarray:
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def _is_education(domains: pa.Array, education_suffixes: Iterable[str]) -> np.ndarray:
    """'.edu' style entries match the end, 'student.' style entries a label before the end,
    anything else the domain or its subdomains."""
    hit = np.zeros(len(domains), dtype=bool)
    for entry in (e.strip().lower() for e in education_suffixes):
        if entry.startswith("."):
            hit |= _true(pc.ends_with(domains, entry))
        elif entry.endswith("."):
            label = re.escape(entry[:-1])
            hit |= _true(pc.match_substring_regex(domains, rf"(^|\.){label}\..+"))
        else:
            hit |= _is_or_under(domains, [entry])
    return hit


def classify_domains(
    values: Sequence[object] | pa.Array,
    *,
    free_mail_domains: Iterable[str],
    education_suffixes: Iterable[str],
    competitor_domains: Iterable[str],
) -> np.ndarray:
    """One of EMAIL_DOMAIN_TYPES per value; a competitor wins over every other kind."""
    raw = (
        values
        if isinstance(values, pa.Array)
        else pa.array([v if isinstance(v, str) else None for v in values], type=pa.string())
    )
    domains = clean_domains(raw)
    missing = _true(pc.is_null(domains)) | _true(pc.is_in(domains, pa.array(_MISSING)))
    length = pc.utf8_length(domains)
    plausible = _true(pc.match_substring_regex(domains, _PLAUSIBLE_DOMAIN)) & _true(
        pc.and_(pc.greater_equal(length, 4), pc.less_equal(length, 253))
    )
    kinds = np.select(
        [
            missing,
            ~plausible,
            _is_or_under(domains, competitor_domains),
            _is_education(domains, education_suffixes),
            _is_or_under(domains, free_mail_domains),
        ],
        ["missing", "invalid", "competitor", "education", "free_mail"],
        default="corporate",
    )
    return kinds.astype(object)


def email_domain_type(
    value: object,
    *,
    free_mail_domains: Iterable[str],
    education_suffixes: Iterable[str],
    competitor_domains: Iterable[str],
) -> str:
    """One of EMAIL_DOMAIN_TYPES for one value (use `classify_domains` for many)."""
    return str(
        classify_domains(
            [value],
            free_mail_domains=free_mail_domains,
            education_suffixes=education_suffixes,
            competitor_domains=competitor_domains,
        )[0]
    )
