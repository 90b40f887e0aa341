"""Reading exports: encodings, delimiters, broken rows, Parquet, and unusable files."""

from __future__ import annotations

import gzip

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from features import contract
from features.errors import LeadscoreError
from features.ingest.readers import detect_encoding, match_name, open_table
from tests.ingest_files import COSTS_HEADER, GOOD_COSTS, LEADS_HEADER, write_csv

LEAD_WITH_UMLAUT = "L1,2024-01-03,referral,,DE,software,5,Geschäftsführer,müller.de,true"
LEAD_ASCII = "L2,2024-01-04,referral,,DE,software,5,CEO,acme.io,true"


def read_all(path, table=contract.LEADS, batch_rows=1000):
    raw = open_table(path, table)
    batches = list(raw.batches(batch_rows))
    frame = pd.concat([b.frame for b in batches], ignore_index=True)
    problems = pd.concat([b.problems for b in batches], ignore_index=True)
    return raw, frame, problems, batches


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252"])
def test_a_file_in_a_common_encoding_reads_as_text(tmp_path, encoding):
    path = write_csv(tmp_path / "leads.csv", LEADS_HEADER, [LEAD_WITH_UMLAUT], encoding)
    raw, frame, problems, _ = read_all(path)
    assert raw.columns[0] == "lead_id"  # no BOM left in the first name
    assert frame.loc[0, "job_title"] == "Geschäftsführer"
    assert problems.isna().all()


def test_a_legacy_windows_export_is_read_as_cp1252(tmp_path):
    path = write_csv(tmp_path / "leads.csv", LEADS_HEADER, [LEAD_WITH_UMLAUT], "cp1252")
    assert detect_encoding(path) == ("cp1252", "strict")


def test_cp1252_bytes_in_a_utf8_file_quarantine_only_their_row(tmp_path):
    path = tmp_path / "leads.csv"
    good = (LEADS_HEADER + "\n" + LEAD_WITH_UMLAUT + "\n").encode("utf-8")
    bad = (LEAD_ASCII.replace("CEO", "Directeur Général") + "\n").encode("cp1252")
    path.write_bytes(good + bad)
    raw, frame, problems, batches = read_all(path)
    assert raw.decode_errors == "surrogateescape"
    assert list(problems.fillna("ok")) == ["ok", "bad_encoding"]
    assert frame.loc[0, "job_title"] == "Geschäftsführer"
    # the raw fields are kept so that quarantine can write the original bytes back
    (fields,) = batches[0].undecodable.values()
    assert (",".join(fields) + "\n").encode("utf-8", "surrogateescape") == bad


def test_utf8_bom_claimed_file_with_cp1252_bytes_is_mixed(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_bytes(
        b"\xef\xbb\xbf" + (LEADS_HEADER + "\n" + LEAD_WITH_UMLAUT + "\n").encode("cp1252")
    )
    _, _, problems, _ = read_all(path)
    assert problems.tolist() == ["bad_encoding"]


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_the_delimiter_is_sniffed_from_the_header(tmp_path, delimiter):
    rows = [r.replace(",", delimiter) for r in GOOD_COSTS]
    path = write_csv(tmp_path / "costs.csv", COSTS_HEADER.replace(",", delimiter), rows)
    raw, frame, _, _ = read_all(path, contract.CHANNEL_COSTS)
    assert raw.delimiter == delimiter
    assert frame["spend"].tolist() == ["5000", "0", "2500.5"]


def test_short_and_long_rows_are_marked_and_keep_their_fields(tmp_path):
    rows = [
        "paid search,2024-01,5000,40",
        "paid search,2024-02",  # cut off
        "events,2024-01,2,500,10",  # unquoted thousands separator: one field too many
        "events,2024-03,10,3,,",  # trailing delimiters only: fine
        "",  # blank line: not a row
    ]
    path = write_csv(tmp_path / "costs.csv", COSTS_HEADER, rows)
    _, frame, problems, batches = read_all(path, contract.CHANNEL_COSTS, batch_rows=2)
    assert list(problems.fillna("ok")) == ["ok", "truncated_row", "extra_fields", "ok"]
    assert frame.loc[2, "leads"] == "500,10"  # the surplus stays in the last field
    assert [int(r) for b in batches for r in b.source_rows] == [2, 3, 4, 5]


def test_column_names_match_after_trimming_and_lower_casing(tmp_path):
    header = " Lead_ID ,Created At,CHANNEL"
    path = write_csv(tmp_path / "leads.csv", header, ["L1,2024-01-01,x"])
    raw = open_table(path, contract.LEADS)
    assert raw.columns == ["lead_id", "created_at", "channel"]
    assert raw.raw_columns == [" Lead_ID ", "Created At", "CHANNEL"]
    assert match_name("E-mail  Domain") == "e_mail_domain"


def test_parquet_is_read_in_batches_with_its_types(tmp_path):
    path = tmp_path / "activities.parquet"
    frame = pd.DataFrame(
        {
            "Lead_ID": [f"L{i}" for i in range(10)],
            "occurred_at": pd.date_range("2024-01-01", periods=10, freq="h", tz="Europe/Berlin"),
            "activity_type": ["web_visit"] * 10,
        }
    )
    pq.write_table(pa.Table.from_pandas(frame), path)
    raw = open_table(path, contract.ACTIVITIES)
    batches = list(raw.batches(4))
    assert [len(b.frame) for b in batches] == [4, 4, 2]
    assert batches[2].source_rows.tolist() == [9, 10]
    assert list(batches[0].frame.columns[:3]) == ["lead_id", "occurred_at", "activity_type"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("leads.xlsx", b"PK\x03\x04....", "not a CSV or Parquet file"),
        ("leads.csv", b"", "the file is empty"),
        ("leads.csv", b"\n\n  \n", "the file is empty"),
        ("leads.csv", (LEADS_HEADER + "\n").encode(), "a header but no rows"),
        ("leads.csv", b"PK\x03\x04\x14\x00", "Excel"),
        ("leads.csv", b"PAR1\x00\x00", "is a Parquet file"),
        ("leads.csv", b"lead_id,created_at\x00\x01\x02\x00x,y\n", "binary"),
        ("leads.parquet", b"this is not parquet at all", "not a readable Parquet file"),
        ("leads.csv", b"lead_id;channel\nL1;x\n", "required column 'created_at' is missing"),
        ("leads.csv", b"lead_id,Lead ID,created_at,channel\n1,1,2,3\n", "both mean 'lead_id'"),
    ],
)
def test_an_unusable_file_is_one_clear_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LeadscoreError, match=message) as error:
        open_table(path, contract.LEADS)
    assert str(path) in str(error.value)
    assert "\n" not in str(error.value)


def test_an_empty_parquet_table_is_unusable(tmp_path):
    path = tmp_path / "activities.parquet"
    empty = pa.table({c: pa.array([], pa.string()) for c in contract.ACTIVITIES.column_names})
    pq.write_table(empty, path)
    with pytest.raises(LeadscoreError, match="empty"):
        open_table(path, contract.ACTIVITIES)


def test_a_missing_file_names_the_setting(tmp_path):
    with pytest.raises(LeadscoreError, match=r"file not found \(ingest.paths.leads"):
        open_table(tmp_path / "nope.csv", contract.LEADS, setting="ingest.paths.leads")


def test_a_broken_utf16_file_is_a_clear_error(tmp_path):
    path = tmp_path / "leads.csv"
    text = (LEADS_HEADER + "\n" + LEAD_ASCII + "\n").encode("utf-16")
    path.write_bytes(text + b"\x00\xd8")  # a lone surrogate half at the end
    with pytest.raises(LeadscoreError, match="not valid utf-16"):
        list(open_table(path, contract.LEADS).batches(10))


def test_gzipped_csv_is_read_and_a_damaged_one_is_a_clear_error(tmp_path):
    path = tmp_path / "leads.csv.gz"
    path.write_bytes(gzip.compress((LEADS_HEADER + "\n" + LEAD_ASCII + "\n").encode()))
    _, frame, _, _ = read_all(path)
    assert frame["lead_id"].tolist() == ["L2"]
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(LeadscoreError, match="leads.csv.gz"):
        list(open_table(path, contract.LEADS).batches(10))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_the_fast_arrow_path_reads_exactly_what_python_csv_reads(tmp_path, encoding):
    rows = [
        LEAD_WITH_UMLAUT,
        'L3,2024-01-05,"paid, search",,DE,software,,"a ""quoted""\r\nmulti-line title",x.io,',
        "",  # a blank line is not a row
        " L4 , 03/01/2024 ,,,,,,,,",
    ] + [LEAD_ASCII] * 5
    path = write_csv(tmp_path / "leads.csv", LEADS_HEADER, rows, encoding)
    raw = open_table(path, contract.LEADS)
    assert raw.arrow_csv
    fast = list(raw.batches(3))
    raw.arrow_csv = False
    slow = list(raw.batches(3))
    assert [len(b.frame) for b in fast] == [len(b.frame) for b in slow] == [3, 3, 2]
    for f, s in zip(fast, slow, strict=True):
        pd.testing.assert_frame_equal(f.frame, s.frame)
        assert f.source_rows.tolist() == s.source_rows.tolist()
    assert fast[1].frame.loc[0, "job_title"] == "CEO"
    assert fast[0].frame.loc[1, "job_title"] == 'a "quoted"\r\nmulti-line title'


def test_a_file_with_broken_rows_takes_the_python_path(tmp_path):
    path = write_csv(tmp_path / "leads.csv", LEADS_HEADER, [LEAD_ASCII, "L9,2024-01-01"])
    assert not open_table(path, contract.LEADS).arrow_csv
