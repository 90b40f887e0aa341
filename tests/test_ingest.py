"""Ingest end to end on small real export files: accepted rows, quarantine, counts, types."""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features import contract
from features.errors import LeadscoreError
from features.ingest import ingest_all, ingest_table
from features.ingest.validate import REASONS
from features.tables import read_interim
from tests.conftest import ROOT
from tests.ingest_files import (
    ACTIVITIES,
    COSTS_HEADER,
    GOOD_LEADS,
    LEADS_HEADER,
    outputs,
    write_crm,
    write_csv,
)


def quarantine(root: Path, table: str) -> list[dict[str, str]]:
    with open(root / "data" / "quarantine" / f"{table}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def assert_counts_add_up(report: dict) -> None:
    for name, counts in report["tables"].items():
        accounted = counts["accepted"] + counts["quarantined"] + counts["duplicates_merged"]
        assert counts["read"] == accounted, name
        assert counts["quarantined"] == sum(counts["reasons"].values()), name


def test_a_clean_export_is_accepted_whole_with_contract_types(tmp_path):
    report = ingest_all(write_crm(tmp_path), root=tmp_path)
    assert_counts_add_up(report)
    assert {t: c["accepted"] for t, c in report["tables"].items()} == {
        "leads": 4,
        "activities": 5,
        "outcomes": 2,
        "channel_costs": 3,
    }
    leads = read_interim("leads", root=tmp_path)
    assert list(leads.columns) == list(contract.LEADS.column_names)
    assert leads["lead_id"].dtype == "str"
    assert leads["created_at"].dtype == "datetime64[us]"
    assert leads["employees"].dtype == "float64"
    assert leads["has_phone"].dtype == "boolean"
    assert leads["has_phone"].tolist()[:2] == [True, False] and pd.isna(leads["has_phone"][2])
    assert leads["channel"].tolist() == ["paid search", "referral", "events", "webinar"]
    assert leads["industry"][0] == "software"
    assert leads["job_title"][3] == "vp, marketing"  # free text is kept as written
    costs = read_interim("channel_costs", root=tmp_path)
    assert costs["month"].tolist() == ["2024-01"] * 3 and costs["leads"].dtype == "Int64"
    outcomes = read_interim("outcomes", root=tmp_path)
    assert outcomes["deal_value"].tolist()[0] == 12000.5
    activities = read_interim("activities", root=tmp_path)
    assert activities["occurred_at"].dtype == "datetime64[us]"
    # every quarantine file exists, with its header, even when nothing was rejected
    assert quarantine(tmp_path, "leads") == []
    header = (tmp_path / "data/quarantine/leads.csv").read_text().splitlines()[0]
    assert header == LEADS_HEADER + ",reason,reason_detail,source_row"
    on_disk = json.loads((tmp_path / "reports" / "ingest.json").read_text())
    assert on_disk == report


BAD_LEADS = {
    "invalid_date:created_at": "L10,31/31/2024,referral,,DE,software,5,CEO,acme.io,true",
    "negative_value:employees": "L11,2024-01-03,referral,,DE,software,-40,CEO,acme.io,true",
    "missing_value:lead_id": ",2024-01-03,referral,,DE,software,5,CEO,acme.io,true",
    "missing_value:created_at": "L12,,referral,,DE,software,5,CEO,acme.io,true",
    "invalid_number:employees": "L13,2024-01-03,referral,,DE,software,lots,CEO,acme.io,true",
    "invalid_boolean:has_phone": "L14,2024-01-03,referral,,DE,software,5,CEO,acme.io,maybe",
    "truncated_row": "L15,2024-01-03,referral",
    "extra_fields": "L16,2024-01-03,referral,,DE,software,5,vp, sales,acme.io,true",
}


def test_every_bad_lead_row_is_quarantined_unchanged_with_its_reason(tmp_path):
    paths = write_crm(tmp_path, leads=GOOD_LEADS + list(BAD_LEADS.values()))
    report = ingest_all(paths, root=tmp_path)
    assert_counts_add_up(report)
    leads = report["tables"]["leads"]
    assert leads["accepted"] == 4 and leads["quarantined"] == len(BAD_LEADS)
    assert leads["reasons"] == {code: 1 for code in BAD_LEADS}
    rows = quarantine(tmp_path, "leads")
    source_lines = (tmp_path / "data/raw/leads.csv").read_text().splitlines()
    for row in rows:
        code = row["reason"]
        assert row["reason_detail"]
        original = source_lines[int(row["source_row"]) - 1]
        assert original == BAD_LEADS[code]
        fields = [row[name] for name in LEADS_HEADER.split(",")]
        if code == "truncated_row":
            assert fields[:3] == original.split(",") and fields[3:] == [""] * 7
        elif code != "extra_fields":
            assert fields == original.split(",")  # exactly the exported strings
    assert set(report["reason_meanings"]) >= {"invalid_date", "negative_value", "truncated_row"}


def test_day_first_dates_and_messy_categories_normalise(tmp_path):
    leads = [
        "L1,03/04/2024 10:30,  PAID SEARCH ,Spring,de,SOFTWARE,1.200,CEO,ACME.IO,Yes",
        "L2,03-04-2024,Referral,,DE,Software,0,CEO,acme.io,n",
    ]
    ingest_all(write_crm(tmp_path, leads=leads), root=tmp_path)
    frame = read_interim("leads", root=tmp_path)
    assert frame["created_at"].tolist() == [
        pd.Timestamp("2024-04-03 10:30"),
        pd.Timestamp("2024-04-03"),
    ]
    assert frame["channel"].tolist() == ["paid search", "referral"]
    assert frame["country"].tolist() == ["de", "de"]
    assert frame["email_domain"].tolist() == ["acme.io", "acme.io"]
    assert frame["employees"].tolist() == [1.2, 0.0]  # '1.200' is a decimal point, not thousands


def test_month_first_exports_with_dayfirst_off(tmp_path):
    leads = ["L1,04/03/2024,referral,,DE,software,5,CEO,acme.io,true"]
    ingest_all(
        write_crm(tmp_path, leads=leads, outcomes=["L1,converted,05/01/2024,1"]),
        root=tmp_path,
        dayfirst=False,
    )
    assert read_interim("leads", root=tmp_path)["created_at"][0] == pd.Timestamp("2024-04-03")


def test_duplicates_that_differ_in_formatting_are_merged_keeping_the_complete_row(tmp_path):
    leads = [
        "L1,2024-01-03 09:15:00,Paid Search,,DE,Software,,VP Marketing,acme.io,",  # incomplete
        "L2,2024-01-04 10:00:00,referral,,US,retail,15,Marketing Intern,gmail.com,false",
        " L1 ,03/01/2024 09:15:00,PAID SEARCH,spring,DE,software,120.0,vp  marketing,acme.io,yes",
        "L1,2024-01-03 09:15:00,  paid search ,spring,DE,SOFTWARE,120,VP Marketing,acme.io,true",
        "L2,2024-02-04 10:00:00,referral,,US,retail,15,Marketing Intern,gmail.com,false",
    ]
    report = ingest_all(write_crm(tmp_path, leads=leads), root=tmp_path)
    counts = report["tables"]["leads"]
    assert (counts["read"], counts["accepted"], counts["duplicates_merged"]) == (5, 2, 2)
    assert counts["reasons"] == {"conflicting_duplicate": 1}  # L2 again, another created_at
    frame = read_interim("leads", root=tmp_path).set_index("lead_id")
    assert frame.loc["L1", "employees"] == 120.0 and frame.loc["L1", "campaign"] == "spring"
    assert frame.loc["L2", "created_at"] == pd.Timestamp("2024-01-04 10:00")
    (conflict,) = quarantine(tmp_path, "leads")
    assert conflict["source_row"] == "6" and "created_at" in conflict["reason_detail"]


def test_outcomes_and_costs_are_deduplicated_by_their_keys(tmp_path):
    outcomes = [
        "L1,converted,2024-03-01,12000.50",
        'L1,Converted ,01/03/2024,"12,000.50"',  # the same outcome, other formatting
        "L2,disqualified,2024-02-01,",
        "L2,converted,2024-02-05,10",  # contradicts the first
    ]
    costs = ["paid search,2024-01,5000,40", "Paid Search,01/2024,5000.0,40", "referral,2024-01,7,"]
    report = ingest_all(write_crm(tmp_path, outcomes=outcomes, costs=costs), root=tmp_path)
    assert_counts_add_up(report)
    out = report["tables"]["outcomes"]
    assert (out["accepted"], out["duplicates_merged"], out["quarantined"]) == (2, 1, 1)
    assert report["tables"]["channel_costs"]["duplicates_merged"] == 1
    frame = read_interim("channel_costs", root=tmp_path)
    assert frame[["channel", "month"]].duplicated().sum() == 0


def test_rows_of_unknown_or_rejected_leads_are_quarantined(tmp_path):
    activities = pd.concat(
        [ACTIVITIES, ACTIVITIES.head(2).assign(lead_id=["L99", "L10"])], ignore_index=True
    )
    leads = GOOD_LEADS + [BAD_LEADS["invalid_date:created_at"]]  # L10 itself is rejected
    outcomes = ["L1,converted,2024-03-01,1", "L99,converted,2024-03-01,1"]
    report = ingest_all(
        write_crm(tmp_path, leads=leads, activities=activities, outcomes=outcomes), root=tmp_path
    )
    assert report["tables"]["activities"]["reasons"] == {"unknown_lead_id": 2}
    assert report["tables"]["outcomes"]["reasons"] == {"unknown_lead_id": 1}
    rejected = quarantine(tmp_path, "activities")
    assert sorted(r["lead_id"] for r in rejected) == ["L10", "L99"]
    assert rejected[0]["occurred_at"].startswith("2024-01-03")


def test_activities_before_their_lead_was_created_are_kept_and_counted(tmp_path):
    early = ACTIVITIES.head(1).assign(occurred_at=pd.Timestamp("2023-12-24"))
    activities = pd.concat([ACTIVITIES, early], ignore_index=True)
    report = ingest_all(write_crm(tmp_path, activities=activities), root=tmp_path)
    counts = report["tables"]["activities"]
    assert counts["accepted"] == len(activities)
    assert counts["warnings"] == {"before_lead_created": 1}


def test_unknown_activity_types_are_quarantined_unless_the_vocabulary_is_extended(tmp_path):
    odd = ACTIVITIES.head(2).assign(activity_type=["Chat_Started", "telepathy"])
    activities = pd.concat([ACTIVITIES.assign(activity_type=" Web_Visit "), odd])
    paths = write_crm(tmp_path, activities=activities)
    report = ingest_all(paths, root=tmp_path)
    assert report["tables"]["activities"]["reasons"] == {"unknown_activity_type": 2}
    report = ingest_all(paths, root=tmp_path, extra_activity_types=["chat_started"])
    assert report["tables"]["activities"]["reasons"] == {"unknown_activity_type": 1}
    types = read_interim("activities", root=tmp_path)["activity_type"]
    assert set(types) == {"web_visit", "chat_started"}


def test_negative_spend_and_unknown_status_are_quarantined(tmp_path):
    outcomes = ["L1,won,2024-03-01,1", "L2,disqualified,2024-02-01,"]
    costs = ["paid search,2024-01,-5000,40", "referral,2024-13,7,", "events,2024-01,7,2.5"]
    report = ingest_all(
        write_crm(tmp_path, outcomes=outcomes, costs=costs + ["webinar,2024-01,1,1"]), root=tmp_path
    )
    assert report["tables"]["outcomes"]["reasons"] == {"unknown_status": 1}
    assert report["tables"]["channel_costs"]["reasons"] == {
        "negative_value:spend": 1,
        "invalid_date:month": 1,
        "invalid_number:leads": 1,
    }


def test_csv_activities_and_parquet_leads_work_as_well(tmp_path):
    paths = write_crm(tmp_path)
    raw = tmp_path / "data" / "raw"
    ACTIVITIES.assign(occurred_at=ACTIVITIES["occurred_at"].dt.strftime("%d/%m/%Y %H:%M")).to_csv(
        raw / "activities.csv", index=False
    )
    leads = pd.read_csv(raw / "leads.csv", dtype=str)
    leads.assign(employees=pd.to_numeric(leads["employees"])).to_parquet(raw / "leads.parquet")
    paths |= {"activities": "data/raw/activities.csv", "leads": "data/raw/leads.parquet"}
    report = ingest_all(paths, root=tmp_path)
    assert report["tables"]["activities"]["accepted"] == 5
    assert report["tables"]["leads"]["format"] == "parquet"
    frame = read_interim("activities", root=tmp_path)
    assert frame["occurred_at"].tolist() == ACTIVITIES["occurred_at"].tolist()
    assert read_interim("leads", root=tmp_path)["employees"].tolist()[:2] == [120.0, 15.0]


def test_extra_lead_columns_are_kept_as_trimmed_strings(tmp_path):
    paths = write_crm(tmp_path)
    leads = [row + ", Blue " for row in GOOD_LEADS]
    write_csv(tmp_path / "data/raw/leads.csv", LEADS_HEADER + ",Favourite Colour", leads)
    ingest_all(paths, root=tmp_path)
    frame = read_interim("leads", root=tmp_path)
    assert frame["favourite_colour"].tolist() == ["Blue"] * 4


def test_small_batches_give_the_same_outputs_as_one_batch(tmp_path):
    activities = pd.concat([ACTIVITIES] * 7, ignore_index=True)
    leads = GOOD_LEADS + list(BAD_LEADS.values()) + GOOD_LEADS[:2]
    one, many = tmp_path / "one", tmp_path / "many"
    for root, batch_rows in ((one, 1_000_000), (many, 3)):
        ingest_all(
            write_crm(root, leads=leads, activities=activities), root=root, batch_rows=batch_rows
        )
    # the same files; Parquet row groups follow the batches, so compare Parquet by content
    assert outputs(one).keys() == outputs(many).keys()
    for name, content in outputs(one).items():
        if name.endswith(".parquet"):
            assert pd.read_parquet(one / name).equals(pd.read_parquet(many / name)), name
        else:
            assert content == outputs(many)[name], name


def test_a_table_with_no_acceptable_row_stops_the_run(tmp_path):
    leads = [BAD_LEADS["invalid_date:created_at"], BAD_LEADS["truncated_row"]]
    with pytest.raises(LeadscoreError, match="none of the 2 leads rows was accepted"):
        ingest_all(write_crm(tmp_path, leads=leads), root=tmp_path)
    assert outputs(tmp_path) == {}


def test_a_failed_run_leaves_the_previous_outputs_byte_identical(tmp_path):
    paths = write_crm(tmp_path, leads=GOOD_LEADS + list(BAD_LEADS.values()))
    ingest_all(paths, root=tmp_path)
    before = outputs(tmp_path)
    assert len(before) == 9
    # the last table read is broken: the earlier tables must not be replaced either
    write_csv(tmp_path / "data/raw/leads.csv", LEADS_HEADER, GOOD_LEADS[:1])
    write_csv(tmp_path / "data/raw/channel_costs.csv", COSTS_HEADER, ["x,2024-01,-1,"])
    with pytest.raises(LeadscoreError):
        ingest_all(paths, root=tmp_path)
    assert outputs(tmp_path) == before
    assert not list((tmp_path / "data").rglob("*.tmp"))


def test_a_missing_path_setting_is_a_clear_error(tmp_path):
    paths = write_crm(tmp_path)
    del paths["outcomes"]
    with pytest.raises(LeadscoreError, match="ingest.paths.outcomes is not set"):
        ingest_all(paths, root=tmp_path)


def test_read_interim_tells_to_run_ingest(tmp_path):
    with pytest.raises(LeadscoreError, match="run `leadscore ingest`"):
        read_interim("leads", root=tmp_path)


def test_a_bad_encoding_row_is_copied_to_quarantine_byte_for_byte(tmp_path):
    paths = write_crm(tmp_path)
    bad = "L9,2024-01-03,referral,,DE,software,5,Directeur Général,acme.fr,true\n".encode("cp1252")
    good = (
        "\n".join(
            [
                LEADS_HEADER,
                *GOOD_LEADS,
                "L8,2024-01-03,referral,,DE,software,5,Geschäftsführer,acme.de,true",
            ]
        )
        + "\n"
    )
    (tmp_path / "data/raw/leads.csv").write_bytes(good.encode("utf-8") + bad)
    report = ingest_all(paths, root=tmp_path)
    assert report["tables"]["leads"]["reasons"] == {"bad_encoding": 1}
    assert report["tables"]["leads"]["accepted"] == 5
    written = (tmp_path / "data/quarantine/leads.csv").read_bytes().splitlines()[1]
    assert written.startswith(bad.rstrip(b"\n") + b",bad_encoding,")


# ------------------------------------------------------------------ property: nothing is lost

ROW_KINDS = ("good", "duplicate", "bad_date", "negative", "no_id", "truncated", "conflict")


def lead_row(kind: str, n: int) -> str:
    lead = f"L{n}"
    if kind == "bad_date":
        return f"{lead},2024-02-30,referral,,DE,software,5,CEO,acme.io,true"
    if kind == "negative":
        return f"{lead},2024-01-03,referral,,DE,software,-{n + 1},CEO,acme.io,true"
    if kind == "no_id":
        return ",2024-01-03,referral,,DE,software,5,CEO,acme.io,true"
    if kind == "truncated":
        return f"{lead},2024-01-03"
    return f"{lead},2024-01-03 10:00,referral,,DE,software,5,CEO,acme.io,true"


def build_leads(kinds: list[str]) -> tuple[list[str], dict[str, int]]:
    """Rows for the kinds, and the expected accepted / merged / quarantined counts."""
    rows, expected, good_ids = [], {"accepted": 0, "merged": 0, "quarantined": 0}, []
    for n, kind in enumerate(kinds):
        if kind in ("duplicate", "conflict") and good_ids:
            target = good_ids[n % len(good_ids)]
            if kind == "duplicate":
                rows.append(
                    f" L{target} ,03/01/2024 10:00:00,REFERRAL,,de,Software,5.0,ceo,ACME.IO,yes"
                )
                expected["merged"] += 1
            else:
                rows.append(f"L{target},2024-01-04 10:00,referral,,DE,software,5,CEO,acme.io,true")
                expected["quarantined"] += 1
            continue
        kind = "good" if kind in ("duplicate", "conflict") else kind
        rows.append(lead_row(kind, n))
        if kind == "good":
            good_ids.append(n)
            expected["accepted"] += 1
        else:
            expected["quarantined"] += 1
    return rows, expected


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kinds=st.lists(st.sampled_from(ROW_KINDS), min_size=1, max_size=40), batch=st.integers(1, 7))
def test_every_row_read_is_accepted_quarantined_or_merged(kinds, batch):
    rows, expected = build_leads(["good", *kinds])
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(Path(tmp) / "leads.csv", LEADS_HEADER, rows)
        result = ingest_table(
            path,
            contract.LEADS,
            interim_out=Path(tmp) / "leads.parquet",
            quarantine_out=Path(tmp) / "quarantine.csv",
            batch_rows=batch,
        )
        with open(Path(tmp) / "quarantine.csv", newline="") as fh:
            quarantined_rows = len(list(csv.reader(fh))) - 1
        accepted_rows = len(pd.read_parquet(Path(tmp) / "leads.parquet"))
    assert result.read == len(rows)
    assert result.read == result.accepted + result.quarantined + result.duplicates_merged
    assert (result.accepted, result.duplicates_merged, result.quarantined) == (
        expected["accepted"],
        expected["merged"],
        expected["quarantined"],
    )
    assert (accepted_rows, quarantined_rows) == (result.accepted, result.quarantined)


def test_the_readme_documents_the_whole_contract():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Data contract", 1)[1].split("\n## ", 1)[0]
    for table in contract.TABLES.values():
        assert f"**{table.name}**" in section
        for column in table.columns:
            assert f"| {column.name} |" in section, column.name
    for activity_type in contract.ACTIVITY_TYPES:
        assert f"`{activity_type}`" in section
    for kind in REASONS:
        assert f"`{kind}" in section, kind


def test_numeric_and_date_typed_parquet_ids_match_as_text(tmp_path):
    paths = write_crm(tmp_path)
    raw = tmp_path / "data" / "raw"
    leads = pd.DataFrame(
        {
            "lead_id": [101, 102],
            "created_at": [pd.Timestamp("2024-01-03").date(), pd.Timestamp("2024-01-04").date()],
            "channel": ["Referral", "events"],
        }
    )
    leads.to_parquet(raw / "leads.parquet")
    activities = ACTIVITIES.head(2).assign(lead_id=[101.0, 102.0])
    activities.to_parquet(raw / "activities.parquet")
    outcomes = ["101,converted,2024-03-01,5"]
    (raw / "outcomes.csv").write_text("lead_id,status,closed_at,deal_value\n" + outcomes[0] + "\n")
    report = ingest_all(paths | {"leads": "data/raw/leads.parquet"}, root=tmp_path)
    assert report["tables"]["activities"]["accepted"] == 2
    assert report["tables"]["outcomes"]["accepted"] == 1
    frame = read_interim("leads", root=tmp_path)
    assert frame["lead_id"].tolist() == ["101", "102"]
    assert frame["created_at"].tolist() == [pd.Timestamp("2024-01-03"), pd.Timestamp("2024-01-04")]
    assert frame["employees"].isna().all() and frame["has_phone"].isna().all()
