"""Turning exported values into contract types: text, categories, dates, numbers, booleans.

Every parser takes a Series of raw values (CSV strings or typed Parquet values) and returns the
converted Series plus an ``invalid`` mask: True where a value was given but could not be read.
Missing values (empty, 'null', 'n/a', ...) are NA and never invalid.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api import types as ptypes

MISSING_TOKENS = frozenset({"", "null", "none", "nan", "nat", "n/a", "#n/a", "<na>"})
TRUE_TOKENS = frozenset({"yes", "y", "true", "t", "1", "1.0"})
FALSE_TOKENS = frozenset({"no", "n", "false", "f", "0", "0.0"})
# Plausible timestamps; anything outside is a typing error or a placeholder like 1900-01-01.
EARLIEST = pd.Timestamp("1970-01-01")
LATEST = pd.Timestamp("2100-01-01")

_TIMES = ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p", "")
_SEPARATORS = ("/", "-", ".")


def as_text(values: pd.Series) -> pd.Series:
    """Trimmed strings (str dtype) with missing tokens as NA; numbers keep their integer look."""
    if ptypes.is_bool_dtype(values.dtype):
        text = values.map({True: "true", False: "false"}, na_action="ignore").astype("str")
    elif ptypes.is_float_dtype(values.dtype):
        integral = (values.abs() < 2**53) & (values == values.round())
        as_integer = values.where(integral).astype("Int64").astype("str")
        text = values.astype("str").where(~integral, as_integer).where(values.notna())
    elif ptypes.is_datetime64_any_dtype(values.dtype):
        text = pd.Series(values.dt.strftime("%Y-%m-%dT%H:%M:%S"), index=values.index, dtype="str")
    elif ptypes.is_string_dtype(values.dtype) and values.dtype != object:
        text = values
    else:
        text = values.map(lambda v: v if isinstance(v, str) else str(v), na_action="ignore")
        text = text.astype("str")
    text = text.str.strip()
    # every missing token is short: only short values need the (costly) lower-casing
    short = (text.str.len() <= 5).fillna(False).to_numpy(dtype=bool)
    if not short.any():
        return text
    token = np.zeros(len(text), dtype=bool)
    token[short] = text[short].str.lower().isin(MISSING_TOKENS).to_numpy()
    return text.mask(token)


def _by_unique(values: pd.Series, transform) -> pd.Series:
    """Apply a text transform once per distinct value (categories repeat a lot)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    cleaned = transform(pd.Series(np.asarray(uniques, dtype=object), dtype="object"))
    cleaned = pa.array(cleaned.to_numpy(dtype=object, na_value=None), type=pa.string())
    taken = pc.take(cleaned, pa.array(codes, mask=codes < 0)).to_pandas()
    taken.index = values.index
    return taken


def normalise_category(values: pd.Series) -> pd.Series:
    """Trim, case-fold and collapse inner whitespace: ' Paid  Search ' -> 'paid search'."""

    def clean(uniques: pd.Series) -> pd.Series:
        text = as_text(uniques)
        return text.str.casefold().str.replace(r"\s+", " ", regex=True)

    return _by_unique(values, clean)


def normalise_text(values: pd.Series) -> pd.Series:
    """Free text kept as written, only trimmed (missing tokens become NA)."""
    return as_text(values)


def email_domain(values: pd.Series) -> pd.Series:
    """A domain, lower-case; a full address is cut to its domain so no local part is kept."""

    def clean(uniques: pd.Series) -> pd.Series:
        text = as_text(uniques).str.casefold()
        return text.str.rsplit("@", n=1).str[-1].str.strip().mask(lambda s: s == "")

    return _by_unique(values, clean)


def comparable(values: pd.Series) -> pd.Series:
    """The form in which two duplicates count as equal: text case-folded, spaces collapsed."""
    if ptypes.is_string_dtype(values.dtype):
        return values.str.casefold().str.replace(r"\s+", " ", regex=True)
    return values


def _date_formats(dayfirst: bool) -> list[str]:
    day_month = ("%d", "%m") if dayfirst else ("%m", "%d")
    formats = []
    for sep in _SEPARATORS:
        for date in (sep.join((*day_month, "%Y")), sep.join(("%Y", "%m", "%d"))):
            formats += [f"{date} {time}".strip() for time in _TIMES]
    return formats


def parse_timestamps(values: pd.Series, *, dayfirst: bool) -> tuple[pd.Series, pd.Series]:
    """Naive UTC datetime64[us]: ISO 8601 (with offsets), day-first (or month-first) dates."""
    if ptypes.is_datetime64_any_dtype(values.dtype):
        parsed = values
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
        parsed = parsed.astype("datetime64[us]")
        invalid = pd.Series(False, index=values.index)
    else:
        text = as_text(values)
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
        parsed = parsed.dt.tz_localize(None).astype("datetime64[us]")
        rest = text.notna() & parsed.isna()
        for fmt in _date_formats(dayfirst):
            if not rest.any():
                break
            attempt = pd.to_datetime(text[rest], format=fmt, errors="coerce")
            parsed.loc[attempt.index] = attempt.astype("datetime64[us]")
            rest &= parsed.isna()
        invalid = text.notna() & parsed.isna()
    implausible = parsed.notna() & ((parsed < EARLIEST) | (parsed >= LATEST))
    return parsed.mask(implausible), invalid | implausible


def parse_months(values: pd.Series, *, dayfirst: bool) -> tuple[pd.Series, pd.Series]:
    """Calendar months as 'YYYY-MM' strings, from '2024-03', '03/2024', '202403' or a date."""
    if ptypes.is_datetime64_any_dtype(values.dtype):
        stamps, invalid = parse_timestamps(values, dayfirst=dayfirst)
        return pd.Series(stamps.dt.strftime("%Y-%m"), index=values.index, dtype="str"), invalid
    text = as_text(values)
    year = pd.Series(np.nan, index=text.index)
    month = pd.Series(np.nan, index=text.index)
    for pattern, y, m in (
        (r"(\d{4})[-/.](\d{1,2})", 0, 1),
        (r"(\d{1,2})[-/.](\d{4})", 1, 0),
        (r"(\d{4})(\d{2})", 0, 1),
    ):
        parts = text.str.extract(f"^{pattern}$")
        found = parts[0].notna() & year.isna()
        year = year.where(~found, pd.to_numeric(parts[y], errors="coerce"))
        month = month.where(~found, pd.to_numeric(parts[m], errors="coerce"))
    rest = text.notna() & year.isna()
    if rest.any():
        stamps, _ = parse_timestamps(text[rest], dayfirst=dayfirst)
        year.loc[rest] = stamps.dt.year
        month.loc[rest] = stamps.dt.month
    valid = year.between(EARLIEST.year, LATEST.year - 1) & month.between(1, 12)
    months = pd.Series(
        year.where(valid).astype("Int64").astype("str").str.zfill(4)
        + "-"
        + month.where(valid).astype("Int64").astype("str").str.zfill(2),
        index=text.index,
        dtype="str",
    ).where(valid)
    return months, text.notna() & ~valid


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """float64 from numbers or text: '1,234.5', '1.234,5', '12,5', '$1 200', '1e3'."""
    if ptypes.is_numeric_dtype(values.dtype) and not ptypes.is_bool_dtype(values.dtype):
        numbers = values.astype("float64")
        invalid = numbers.notna() & ~np.isfinite(numbers)
        return numbers.mask(invalid), invalid
    text = as_text(values)
    numbers = pd.to_numeric(text, errors="coerce")
    rest = text.notna() & numbers.isna()
    if rest.any():
        numbers.loc[rest] = _numbers_with_separators(text[rest])
    invalid = text.notna() & (numbers.isna() | ~np.isfinite(numbers))
    return numbers.mask(invalid).astype("float64"), invalid


def _numbers_with_separators(text: pd.Series) -> pd.Series:
    """Numbers written with thousands separators, a decimal comma or a currency sign."""
    cleaned = text.str.replace(r"[\s_'\u00a0]|^[$€£]|[$€£]$", "", regex=True)
    comma_thousands = cleaned.str.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?")
    dot_thousands = cleaned.str.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?")
    decimal_comma = cleaned.str.fullmatch(r"-?\d+,\d+")
    standard = np.select(
        [comma_thousands, dot_thousands, decimal_comma],
        [
            cleaned.str.replace(",", ""),
            cleaned.str.replace(".", "").str.replace(",", "."),
            cleaned.str.replace(",", "."),
        ],
        default=cleaned,
    )
    return pd.to_numeric(pd.Series(standard, index=text.index), errors="coerce")


def parse_booleans(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Nullable boolean from yes/no, true/false, y/n, t/f, 1/0 (any case)."""
    if ptypes.is_bool_dtype(values.dtype):
        return values.astype("boolean"), pd.Series(False, index=values.index)
    text = as_text(values).str.lower()
    truth = pd.Series(pd.NA, index=text.index, dtype="boolean")
    truth[text.isin(TRUE_TOKENS)] = True
    truth[text.isin(FALSE_TOKENS)] = False
    return truth, text.notna() & truth.isna()


def parse_integers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Nullable Int64; '12' and '12.0' are fine, '12.5' is invalid."""
    numbers, invalid = parse_numbers(values)
    fractional = numbers.notna() & (numbers != numbers.round())
    return numbers.mask(fractional).astype("Int64"), invalid | fractional
