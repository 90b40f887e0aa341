"""Reading one exported table (CSV or Parquet) as raw values, in batches.

A reader never interprets values: it hands over the exported strings (CSV) or typed Parquet
columns, plus a per-row structural problem (truncated_row, extra_fields, bad_encoding), so that a
rejected row can be written to quarantine exactly as it came. A file that cannot be used at all
raises LeadscoreError naming the file and what to do.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from features.contract import Table
from features.errors import LeadscoreError

CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
DELIMITERS = (",", ";", "\t", "|")
# Structural row problems, in the reason vocabulary of validate.py.
TRUNCATED_ROW = "truncated_row"
EXTRA_FIELDS = "extra_fields"
BAD_ENCODING = "bad_encoding"

_SCAN_BYTES = 1 << 24
_SURROGATE = re.compile("[\udc80-\udcff]")  # bytes that did not decode (surrogateescape)
_NON_ASCII_TEXT = re.compile("[\u0080-\ud7ff\ue000-\U0010ffff]")
_FIELD_SIZE_LIMIT = 1 << 26  # long free-text fields are legal; Python's default is 128 KiB


@dataclass
class RawBatch:
    """Raw rows: ``frame`` has one column per export column (matched names)."""

    frame: pd.DataFrame
    problems: pd.Series  # structural reason code per row, or NA
    problem_details: pd.Series  # what is wrong with the row's structure, or NA
    source_rows: np.ndarray  # row number in the file: CSV header is row 1, Parquet rows from 1
    undecodable: dict[int, list[str]] = field(default_factory=dict)  # position -> raw fields


@dataclass
class RawTable:
    """An export that passed the whole-table checks; ``batches`` yields its rows."""

    path: Path
    format: str  # "csv" | "parquet"
    raw_columns: list[str]  # header as exported
    columns: list[str]  # matched names: trimmed, lower-case, spaces as underscores
    encoding: str | None = None
    delimiter: str | None = None
    decode_errors: str = "strict"
    arrow_csv: bool = False  # a well-formed CSV: parsed by Arrow, much faster than Python's csv

    def batches(self, batch_rows: int) -> Iterator[RawBatch]:
        if self.format == "parquet":
            return _parquet_batches(self, batch_rows)
        if self.arrow_csv:
            return _arrow_csv_batches(self, batch_rows)
        return _csv_batches(self, batch_rows)


def match_name(name: str) -> str:
    """Column name as matched against the contract: 'Created At ' -> 'created_at'."""
    return re.sub(r"[\s\-]+", "_", name.replace("\ufeff", "").strip().lower())


def open_table(path: str | Path, table: Table, *, setting: str = "") -> RawTable:
    """Open an export after the whole-table checks (exists, format, not empty, columns)."""
    path = Path(path)
    where = f" ({setting} in params.yaml)" if setting else ""
    if not path.exists():
        raise LeadscoreError(
            f"{path}: file not found{where}; export the {table.name} table there "
            f"or point {setting or 'the path'} at it"
        )
    if path.is_dir():
        raise LeadscoreError(f"{path}: is a folder{where}; point it at one .csv or .parquet file")
    name = path.name.lower()
    if name.endswith(PARQUET_SUFFIXES):
        raw = _open_parquet(path)
    elif name.endswith(CSV_SUFFIXES):
        try:
            raw = _open_csv(path)
        except UnicodeDecodeError as exc:
            raise LeadscoreError(
                f"{path}: not valid {exc.encoding} text; re-export the file as UTF-8"
            ) from None
        except (OSError, EOFError) as exc:  # e.g. a damaged .gz
            raise LeadscoreError(f"{path}: unreadable ({exc}); re-export it") from None
    else:
        raise LeadscoreError(
            f"{path}: not a CSV or Parquet file (extension '{path.suffix}'); "
            f"export the {table.name} table as .csv or .parquet"
        )
    _check_columns(raw, table)
    return raw


def _check_columns(raw: RawTable, table: Table) -> None:
    seen: dict[str, str] = {}
    for original, matched in zip(raw.raw_columns, raw.columns, strict=True):
        if matched in seen:
            raise LeadscoreError(
                f"{raw.path}: columns '{seen[matched]}' and '{original}' both mean '{matched}'; "
                "remove or rename one of them"
            )
        seen[matched] = original
    for column in table.required_columns:
        if column not in seen:
            found = ", ".join(repr(c) for c in raw.raw_columns[:12])
            raise LeadscoreError(
                f"{raw.path}: required column '{column}' is missing (found {found}); "
                f"rename the export's column to '{column}' (see README 'Data contract')"
            )


# ---------------------------------------------------------------- Parquet


def _open_parquet(path: Path) -> RawTable:
    try:
        parquet = pq.ParquetFile(path)
        names = list(parquet.schema_arrow.names)
        rows = parquet.metadata.num_rows
    except (pa.ArrowException, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LeadscoreError(
            f"{path}: not a readable Parquet file ({reason}); re-export it"
        ) from None
    if rows == 0:
        raise LeadscoreError(f"{path}: the table is empty (no rows); export it with its data")
    return RawTable(
        path=path, format="parquet", raw_columns=names, columns=[match_name(n) for n in names]
    )


def _parquet_batches(raw: RawTable, batch_rows: int) -> Iterator[RawBatch]:
    parquet = pq.ParquetFile(raw.path)
    start = 0
    try:
        for record_batch in parquet.iter_batches(batch_size=batch_rows):
            frame = record_batch.to_pandas()
            frame.columns = raw.columns
            rows = np.arange(start + 1, start + len(frame) + 1)
            start += len(frame)
            problems = pd.Series(pd.NA, index=frame.index, dtype="object")
            yield RawBatch(
                frame=frame, problems=problems, problem_details=problems.copy(), source_rows=rows
            )
    except (pa.ArrowException, OSError) as exc:
        raise LeadscoreError(
            f"{raw.path}: unreadable after row {start} ({str(exc).splitlines()[0]}); re-export it"
        ) from None


# ---------------------------------------------------------------- CSV


def _open_binary(path: Path):
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def _open_csv(path: Path) -> RawTable:
    encoding, errors = detect_encoding(path)
    with _open_text(path, encoding, errors) as text:
        head = text.read(1 << 16)
    lines = [line for line in head.splitlines() if line.strip()]
    if not lines:
        raise LeadscoreError(f"{path}: the file is empty; export the table with a header row")
    delimiter = sniff_delimiter(lines[0])
    raw = RawTable(
        path=path,
        format="csv",
        raw_columns=[],
        columns=[],
        encoding=encoding,
        delimiter=delimiter,
        decode_errors=errors,
    )
    with _open_text(path, encoding, errors) as text:
        reader = csv.reader(text, delimiter=delimiter)
        full_header = next((row for row in reader if _non_blank(row)), None) or []
        first_row = next((row for row in reader if _non_blank(row)), None)
    header = _trim_trailing_empty(full_header)
    if first_row is None:
        raise LeadscoreError(f"{path}: the table is empty (a header but no rows); export its data")
    raw.raw_columns = [name.replace("\ufeff", "") for name in header]
    raw.columns = [match_name(name) or f"unnamed_{i + 1}" for i, name in enumerate(header)]
    # Arrow cannot report where a broken row was, so only a well-formed file takes that path
    raw.arrow_csv = (
        errors == "strict"
        and bool(head.splitlines()[0].strip())
        and len(header) == len(full_header)
        and _arrow_reads_cleanly(raw)
    )
    return raw


def _open_text(path: Path, encoding: str, errors: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(_open_binary(path), encoding=encoding, errors=errors, newline="")


def detect_encoding(path: Path) -> tuple[str, str]:
    """(encoding, errors) to decode a CSV with; errors 'surrogateescape' marks a mixed file.

    UTF-8 (with or without BOM) and UTF-16 (BOM or NUL pattern) are recognised; a file that is not
    UTF-8 anywhere is a legacy Windows export (cp1252, else latin-1); a UTF-8 file with some
    undecodable rows is read with those rows marked bad_encoding.
    """
    with _open_binary(path) as fh:
        head = fh.read(4096)
    if head.startswith(b"PAR1"):
        raise LeadscoreError(f"{path}: is a Parquet file; rename it to .parquet")
    if head.startswith(b"PK\x03\x04"):
        raise LeadscoreError(f"{path}: is a zip or Excel workbook; export the sheet as CSV")
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32", "strict"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "strict"
    if b"\x00" in head:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > len(head) / 4 and even == 0:
            return "utf-16-le", "strict"
        if even > len(head) / 4 and odd == 0:
            return "utf-16-be", "strict"
        raise LeadscoreError(f"{path}: contains binary data (NUL bytes); export it as text CSV")
    utf8 = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    if _decodes(path, utf8):
        return utf8, "strict"
    if utf8 == "utf-8-sig" or _has_utf8_text(path):
        return utf8, "surrogateescape"
    return ("cp1252", "strict") if _decodes(path, "cp1252") else ("latin-1", "strict")


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    with _open_binary(path) as fh:
        try:
            while chunk := fh.read(_SCAN_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _has_utf8_text(path: Path) -> bool:
    """Whether a not-quite-UTF-8 file has valid non-ASCII UTF-8 text (so it is UTF-8, damaged)."""
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    with _open_binary(path) as fh:
        while chunk := fh.read(_SCAN_BYTES):
            if _NON_ASCII_TEXT.search(decoder.decode(chunk)):
                return True
    return False


def sniff_delimiter(header_line: str) -> str:
    """The candidate delimiter that splits the header line into the most fields (',' on ties)."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _non_blank(row: list[str]) -> bool:
    return bool(row) and any(field.strip() for field in row)


def _trim_trailing_empty(row: list[str]) -> list[str]:
    end = len(row)
    while end > 0 and not row[end - 1].strip():
        end -= 1
    return row[:end]


def _arrow_reader(raw: RawTable, on_invalid_row) -> pcsv.CSVStreamingReader:
    names = [f"c{i}" for i in range(len(raw.columns))]
    encoding = "utf8" if raw.encoding in ("utf-8", "utf-8-sig") else raw.encoding
    return pcsv.open_csv(
        pa.input_stream(str(raw.path), compression="detect"),
        read_options=pcsv.ReadOptions(
            encoding=encoding, column_names=names, skip_rows=1, block_size=1 << 24
        ),
        parse_options=pcsv.ParseOptions(
            delimiter=raw.delimiter, newlines_in_values=True, invalid_row_handler=on_invalid_row
        ),
        convert_options=pcsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _arrow_reads_cleanly(raw: RawTable) -> bool:
    """Whether Arrow parses every row with the header's field count (a quick first pass)."""
    try:
        for _ in _arrow_reader(raw, lambda row: "error"):
            pass
    except (pa.ArrowException, OSError, UnicodeError):
        return False
    return True


def _arrow_csv_batches(raw: RawTable, batch_rows: int) -> Iterator[RawBatch]:
    reader = _arrow_reader(raw, lambda row: "error")
    pending: list[pa.RecordBatch] = []
    pending_rows = done = 0
    for record_batch in _arrow_errors_as_user_errors(reader, raw.path):
        pending.append(record_batch)
        pending_rows += record_batch.num_rows
        while pending_rows >= batch_rows:
            table = pa.Table.from_batches(pending, schema=reader.schema)
            yield _arrow_batch(raw, table.slice(0, batch_rows), done)
            done += batch_rows
            pending = table.slice(batch_rows).to_batches()
            pending_rows -= batch_rows
    if pending_rows:
        yield _arrow_batch(raw, pa.Table.from_batches(pending, schema=reader.schema), done)


def _arrow_errors_as_user_errors(reader, path: Path) -> Iterator[pa.RecordBatch]:
    try:
        yield from reader
    except (pa.ArrowException, OSError, UnicodeError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LeadscoreError(f"{path}: unreadable ({first_line}); re-export it") from None


def _arrow_batch(raw: RawTable, table: pa.Table, done: int) -> RawBatch:
    frame = table.to_pandas()
    frame.columns = raw.columns
    missing = pd.Series(pd.NA, index=frame.index, dtype="object")
    return RawBatch(
        frame=frame,
        problems=missing,
        problem_details=missing.copy(),
        source_rows=np.arange(done + 2, done + 2 + len(frame)),  # the header is row 1
    )


def _csv_batches(raw: RawTable, batch_rows: int) -> Iterator[RawBatch]:
    width = len(raw.columns)
    mixed = raw.decode_errors == "surrogateescape"
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_SIZE_LIMIT))
    with _open_text(raw.path, raw.encoding, raw.decode_errors) as text:
        reader = csv.reader(text, delimiter=raw.delimiter)
        header_seen = False
        record = 1  # the header is row 1; blank lines are not rows
        rows: list[list[str | None]] = []
        problems: list[str | None] = []
        details: list[str | None] = []
        lines: list[int] = []
        undecodable: dict[int, list[str]] = {}
        try:
            for row in reader:
                if not header_seen:
                    header_seen = _non_blank(row)
                    continue
                if not row:
                    continue  # a blank line holds no row
                record += 1
                problem = detail = None
                if len(row) > width:
                    if any(f.strip() for f in row[width:]):
                        problem = EXTRA_FIELDS
                        detail = f"the row has {len(row)} fields, the header {width}"
                        # the surplus stays in the last column, so quarantine keeps every field
                        row = row[: width - 1] + [raw.delimiter.join(row[width - 1 :])]
                    else:
                        row = row[:width]  # trailing delimiters
                elif len(row) < width:
                    problem = TRUNCATED_ROW
                    detail = f"the row has {len(row)} of the header's {width} fields"
                    row = row + [None] * (width - len(row))
                if mixed and _SURROGATE.search("\x00".join(f for f in row if f)):
                    if problem is None:
                        problem = BAD_ENCODING
                        detail = f"bytes that are not valid {raw.encoding}"
                    undecodable[len(rows)] = list(row)
                    row = [None] * width
                rows.append(row)
                problems.append(problem)
                details.append(detail)
                lines.append(record)
                if len(rows) >= batch_rows:
                    yield _csv_batch(raw.columns, rows, problems, details, lines, undecodable)
                    rows, problems, details, lines, undecodable = [], [], [], [], {}
        except csv.Error as exc:
            raise LeadscoreError(
                f"{raw.path}: line {reader.line_num}: malformed CSV ({exc}); fix the quoting"
            ) from None
        except UnicodeDecodeError:
            raise LeadscoreError(
                f"{raw.path}: line {reader.line_num}: not valid {raw.encoding} text; "
                "re-export the file as UTF-8"
            ) from None
        except (OSError, EOFError) as exc:
            raise LeadscoreError(
                f"{raw.path}: unreadable after line {reader.line_num} ({exc}); re-export it"
            ) from None
        if rows:
            yield _csv_batch(raw.columns, rows, problems, details, lines, undecodable)


def _csv_batch(columns, rows, problems, details, lines, undecodable) -> RawBatch:
    values = list(zip(*rows, strict=True))
    frame = pa.table(
        {f"c{i}": pa.array(values[i], type=pa.string()) for i in range(len(columns))}
    ).to_pandas()
    frame.columns = columns
    return RawBatch(
        frame=frame,
        problems=pd.Series(problems, dtype="object").where(pd.notna(problems), pd.NA),
        problem_details=pd.Series(details, dtype="object"),
        source_rows=np.asarray(lines),
        undecodable=undecodable,
    )
