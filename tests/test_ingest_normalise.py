"""Normalising exported values: dates (ISO and day-first), numbers, booleans, categories."""

from __future__ import annotations

import pandas as pd
import pytest

from features.ingest import normalise


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-04", "2024-03-04 00:00:00"),
        (" 2024-03-04 17:05:09 ", "2024-03-04 17:05:09"),
        ("2024-03-04T17:05", "2024-03-04 17:05:00"),
        ("2024-03-04T17:05:09Z", "2024-03-04 17:05:09"),
        ("2024-03-04T17:05:09+02:00", "2024-03-04 15:05:09"),  # stored as naive UTC
        ("2024/03/04", "2024-03-04 00:00:00"),
        ("04/03/2024", "2024-03-04 00:00:00"),  # day first
        ("4/3/2024", "2024-03-04 00:00:00"),
        ("04-03-2024 17:05", "2024-03-04 17:05:00"),
        ("04.03.2024 17:05:09", "2024-03-04 17:05:09"),
        ("31/12/2024 23:59:59", "2024-12-31 23:59:59"),
    ],
)
def test_common_date_formats_parse_day_first(raw, expected):
    parsed, invalid = normalise.parse_timestamps(pd.Series([raw]), dayfirst=True)
    assert parsed.dtype == "datetime64[us]"
    assert parsed[0] == ts(expected)
    assert not invalid[0]


def test_month_first_when_dayfirst_is_off():
    parsed, invalid = normalise.parse_timestamps(
        pd.Series(["04/03/2024", "12/31/2024 10:30 PM", "31/12/2024"]), dayfirst=False
    )
    assert parsed[0] == ts("2024-04-03")
    assert parsed[1] == ts("2024-12-31 22:30")
    assert invalid.tolist() == [False, False, True]  # no 31st month, and no silent swap


@pytest.mark.parametrize(
    "raw",
    [
        "not a date",
        "2024-02-30 10:00:00",
        "31/02/2025",
        "TBD",
        "2024-13-45",
        "00/00/0000",
        "1900-01-01",
        "2024-01-0",
    ],
)
def test_bad_and_placeholder_dates_are_invalid(raw):
    parsed, invalid = normalise.parse_timestamps(pd.Series([raw]), dayfirst=True)
    assert pd.isna(parsed[0])
    assert invalid[0]


@pytest.mark.parametrize("raw", ["", "  ", None, "NULL", "n/a", "NaN", "None"])
def test_missing_values_are_not_invalid(raw):
    parsed, invalid = normalise.parse_timestamps(pd.Series([raw], dtype="object"), dayfirst=True)
    assert pd.isna(parsed[0]) and not invalid[0]
    number, invalid = normalise.parse_numbers(pd.Series([raw], dtype="object"))
    assert pd.isna(number[0]) and not invalid[0]


def test_typed_timestamps_with_a_zone_become_naive_utc():
    stamps = pd.Series(pd.to_datetime(["2024-06-01 12:00"]).tz_localize("Europe/Berlin"))
    parsed, invalid = normalise.parse_timestamps(stamps, dayfirst=True)
    assert parsed[0] == ts("2024-06-01 10:00") and parsed.dt.tz is None and not invalid[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("120", 120.0),
        ("120.0", 120.0),
        ("1,234.5", 1234.5),
        ("1.234,5", 1234.5),
        ("12,5", 12.5),
        ("$1 200", 1200.0),
        ("-3", -3.0),
        ("1e3", 1000.0),
    ],
)
def test_numbers_in_export_spellings(raw, expected):
    number, invalid = normalise.parse_numbers(pd.Series([raw]))
    assert number[0] == expected and not invalid[0]


@pytest.mark.parametrize("raw", ["abc", "12 employees", "inf", "1,2,3", "--1"])
def test_non_numbers_are_invalid(raw):
    number, invalid = normalise.parse_numbers(pd.Series([raw]))
    assert pd.isna(number[0]) and invalid[0]


def test_integers_refuse_fractions():
    number, invalid = normalise.parse_integers(pd.Series(["12", "12.0", "12.5"]))
    assert number.tolist()[:2] == [12, 12] and invalid.tolist() == [False, False, True]


def test_booleans():
    raw = pd.Series(["Yes", "no", "TRUE", "false", "y", "N", "1", "0", "", "maybe"])
    truth, invalid = normalise.parse_booleans(raw)
    assert truth.dtype == "boolean"
    assert truth.tolist()[:8] == [True, False, True, False, True, False, True, False]
    assert pd.isna(truth[8]) and not invalid[8]
    assert invalid[9] and pd.isna(truth[9])


def test_categories_are_trimmed_and_case_folded():
    raw = pd.Series([" Paid  Search ", "PAID SEARCH", "paid search", None, "NULL"])
    assert normalise.normalise_category(raw).tolist()[:3] == ["paid search"] * 3
    assert normalise.normalise_category(raw)[3:].isna().all()


def test_a_full_email_address_keeps_only_its_domain():
    raw = pd.Series(["Jane.Doe@ACME.io ", "acme.io", None])
    assert normalise.email_domain(raw).tolist()[:2] == ["acme.io", "acme.io"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03", "2024-03"),
        ("2024-3", "2024-03"),
        ("03/2024", "2024-03"),
        ("202403", "2024-03"),
        ("2024-03-15", "2024-03"),
        ("15/03/2024", "2024-03"),
    ],
)
def test_months(raw, expected):
    months, invalid = normalise.parse_months(pd.Series([raw]), dayfirst=True)
    assert months[0] == expected and not invalid[0]


@pytest.mark.parametrize("raw", ["2024-13", "March", "24-03"])
def test_bad_months(raw):
    months, invalid = normalise.parse_months(pd.Series([raw]), dayfirst=True)
    assert pd.isna(months[0]) and invalid[0]
