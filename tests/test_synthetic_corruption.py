"""Messy export rows: duplicates keep the lead's values, junk rows keep their own ids."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthetic.corruption import duplicate_leads, interleave, invalid_leads
from synthetic.firmographics import lead_ids

ROWS = pd.DataFrame(
    {
        "lead_id": lead_ids(np.arange(200)),
        "created_at": "2024-05-06 10:11:12",
        "channel": "paid_search",
        "campaign": None,
        "country": "DE",
        "industry": "Software",
        "employees": ["120", None] * 100,
        "job_title": "VP Marketing",
        "email_domain": "acme.de",
        "has_phone": ["true", "false", None, "true"] * 50,
    }
).astype(object)


def test_duplicates_repeat_existing_ids_in_another_format():
    dups = duplicate_leads(ROWS, 0.1, np.random.default_rng(0))
    assert len(dups) == 20 and dups["lead_id"].isin(ROWS["lead_id"]).all()
    assert (dups["channel"] != "paid_search").all()
    assert (dups["channel"].str.strip().str.lower() == "paid_search").all()
    assert set(dups["created_at"]) <= {"2024-05-06 10:11:12", "06/05/2024 10:11:12"}
    assert set(dups["has_phone"].dropna()) <= {"true", "false", "yes", "no"}


def test_invalid_leads_have_fresh_ids_and_one_defect_each():
    ids = lead_ids(np.arange(1000, 1010))
    junk = invalid_leads(ROWS, ids, np.random.default_rng(0))
    assert list(junk["lead_id"]) == list(ids)
    broken = pd.to_datetime(junk["created_at"], format="%Y-%m-%d %H:%M:%S", errors="coerce").isna()
    negative = pd.to_numeric(junk["employees"], errors="coerce") < 0
    assert (broken ^ negative).all() and broken.sum() == 5


def test_interleave_keeps_the_order_of_the_original_rows():
    extra = ROWS.iloc[:30].assign(lead_id="X")
    mixed = interleave(ROWS, extra, np.random.default_rng(2))
    assert len(mixed) == 230
    originals = mixed[mixed["lead_id"] != "X"]["lead_id"]
    assert list(originals) == list(ROWS["lead_id"])
    assert 0 < mixed.index[mixed["lead_id"] == "X"].min() < 200
