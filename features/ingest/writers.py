"""Writing ingest's two outputs of a table, incrementally: accepted rows and quarantine."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from features import contract
from features.contract import Table

QUARANTINE_COLUMNS = ("reason", "reason_detail", "source_row")

ARROW_TYPES = {
    contract.STRING: pa.string(),
    contract.CATEGORY: pa.string(),
    contract.MONTH: pa.string(),
    contract.TIMESTAMP: pa.timestamp("us"),
    contract.FLOAT: pa.float64(),
    contract.INTEGER: pa.int64(),
    contract.BOOLEAN: pa.bool_(),
}


def interim_schema(table: Table, extra_columns: list[str]) -> pa.Schema:
    """Contract columns in contract order with their Parquet types, then extras as strings."""
    fields = [pa.field(c.name, ARROW_TYPES[c.type]) for c in table.columns]
    fields += [pa.field(name, pa.string()) for name in extra_columns]
    return pa.schema(fields)


class InterimWriter:
    """Accepted rows, appended batch by batch to one Parquet file."""

    def __init__(self, path: Path, schema: pa.Schema):
        self.schema = schema
        self._writer = pq.ParquetWriter(path, schema, compression="zstd")
        self.rows = 0

    def write(self, values: pd.DataFrame) -> None:
        if len(values) == 0:
            return
        table = pa.Table.from_pandas(
            values[self.schema.names], schema=self.schema, preserve_index=False
        )
        self._writer.write_table(table)
        self.rows += len(values)

    def close(self) -> None:
        self._writer.close()


class QuarantineWriter:
    """Rejected rows as exported (the raw header and fields) plus reason, detail and row number.

    CSV rows are written with the exact strings read; undecodable bytes are written back as they
    were (surrogateescape), so a bad_encoding row stays byte-identical to the export.
    """

    def __init__(self, path: Path, raw_columns: list[str]):
        # closed by close(): the writer stays open across batches
        self._file = open(path, "w", encoding="utf-8", errors="surrogateescape", newline="")  # noqa: SIM115
        self._csv = csv.writer(self._file)
        self._csv.writerow([*raw_columns, *QUARANTINE_COLUMNS])
        self.rows = 0

    def write(
        self,
        raw: pd.DataFrame,
        reason: pd.Series,
        detail: pd.Series,
        source_rows: np.ndarray,
        undecodable: dict[int, list[str]] | None = None,
    ) -> None:
        """Write ``raw`` rows (index labels key ``undecodable``) with their reasons."""
        if len(raw) == 0:
            return
        fields = [_as_exported(raw[name]) for name in raw.columns]
        undecodable = undecodable or {}
        rows = zip(raw.index, zip(*fields, strict=True), reason, detail, source_rows, strict=True)
        for label, values, code, message, row in rows:
            values = undecodable.get(label, values)
            self._csv.writerow(
                [*("" if v is None else v for v in values), code, message or "", int(row)]
            )
        self.rows += len(raw)

    def close(self) -> None:
        self._file.close()


def _as_exported(values: pd.Series) -> list[str]:
    """The values as text, as close to the export as possible; missing as empty."""
    if pd.api.types.is_string_dtype(values.dtype):
        return values.astype(object).where(values.notna(), "").tolist()
    return ["" if _missing(v) else _text(v) for v in values.astype(object)]


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-like Parquet values
        return False


def _text(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
