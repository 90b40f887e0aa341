"""The CRM import file: columns, header and value mappings, injection-safe cells, atomic writes.

Two files per run, written beside each other:
- scores.csv, the import file: headers and value labels mapped for the CRM (a preset for
  Salesforce or HubSpot, then params overrides), every text cell a spreadsheet or CRM would
  execute (starting with = + - @ tab or carriage return) prefixed with a single quote;
- scores.parquet, the same rows with the canonical column names, types and values (what
  `leadscore evaluate-live` and analysts read), plus a copy per scoring date in history/.
Rows are sorted by probability (highest first), then lead_id, so the same inputs give the same
bytes. Everything is written to temporary files that replace the old ones only when all are
complete (pipeline.outputs.atomic_path).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from features.errors import LeadscoreError
from pipeline.outputs import atomic_path

REASON_COLUMNS = ("reason_1", "reason_2", "reason_3")
COLUMNS: tuple[str, ...] = (
    "lead_id",
    "score",
    "probability",
    "tier",
    "route",
    "expected_value",
    *REASON_COLUMNS,
    "model_version",
    "scored_at",
    "arm",
)
NUMERIC_COLUMNS = frozenset({"score", "probability", "expected_value"})
DECIMALS = {"probability": 6, "expected_value": 2}  # what the CSV shows; Parquet keeps all
LABELLED_COLUMNS = ("tier", "route", "arm")
VALUES: dict[str, tuple[str, ...]] = {
    "tier": ("hot", "warm", "cold"),
    "route": ("sales", "nurture", "none"),
    "arm": ("model", "control"),
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ISO_DATETIME = "%Y-%m-%dT%H:%M:%S"
CSV_BATCH_ROWS = 100_000

# Ready mappings. Salesforce: custom fields on the Lead object (create them once, API names as
# below) plus the standard Rating picklist (Hot / Warm / Cold); match rows on the record Id.
# HubSpot: custom contact properties with these internal names; match rows on Record ID.
PRESETS: dict[str, dict[str, Any]] = {
    "none": {"columns": {}, "labels": {}, "datetime_format": ISO_DATETIME},
    "salesforce": {
        "columns": {
            "lead_id": "Id",
            "score": "Lead_Score__c",
            "probability": "Conversion_Probability__c",
            "tier": "Rating",
            "route": "Lead_Route__c",
            "expected_value": "Expected_Value__c",
            "reason_1": "Score_Reason_1__c",
            "reason_2": "Score_Reason_2__c",
            "reason_3": "Score_Reason_3__c",
            "model_version": "Score_Model_Version__c",
            "scored_at": "Scored_At__c",
            "arm": "Score_Arm__c",
        },
        "labels": {
            "tier": {"hot": "Hot", "warm": "Warm", "cold": "Cold"},
            "route": {"sales": "Sales", "nurture": "Nurture", "none": "None"},
            "arm": {"model": "Model", "control": "Control"},
        },
        "datetime_format": "%Y-%m-%dT%H:%M:%SZ",
    },
    "hubspot": {
        "columns": {
            "lead_id": "Record ID",
            "score": "leadscore_score",
            "probability": "leadscore_probability",
            "tier": "leadscore_tier",
            "route": "leadscore_route",
            "expected_value": "leadscore_expected_value",
            "reason_1": "leadscore_reason_1",
            "reason_2": "leadscore_reason_2",
            "reason_3": "leadscore_reason_3",
            "model_version": "leadscore_model_version",
            "scored_at": "leadscore_scored_at",
            "arm": "leadscore_arm",
        },
        "labels": {},
        "datetime_format": "%Y-%m-%d",
    },
}


@dataclass(frozen=True)
class ImportFormat:
    """How canonical columns appear in the CSV: headers, value labels, date format."""

    headers: dict[str, str]
    labels: dict[str, dict[str, str]]
    datetime_format: str

    def header(self, column: str) -> str:
        return self.headers.get(column, column)


def import_format(
    *,
    preset: str = "none",
    columns: Mapping[str, str] | None = None,
    labels: Mapping[str, Mapping[str, str]] | None = None,
    datetime_format: str | None = None,
    extra_columns: tuple[str, ...] = (),
) -> ImportFormat:
    """The preset with params overrides on top; unknown names are a clear error."""
    key = str(preset or "none").lower()
    if key not in PRESETS:
        raise LeadscoreError(
            f"params.yaml: scoring.preset '{preset}' unknown; use one of {sorted(PRESETS)}"
        )
    base = PRESETS[key]
    headers = {**base["columns"], **{str(k): str(v) for k, v in (columns or {}).items()}}
    known = (*COLUMNS, *extra_columns)
    unknown = sorted(set(headers) - set(known))
    if unknown:
        raise LeadscoreError(
            f"params.yaml: scoring.columns names unknown column(s) {unknown}; "
            f"the columns are {list(COLUMNS)}"
        )
    final = [headers.get(c, c) for c in known]
    if len(set(final)) != len(final):
        raise LeadscoreError(
            f"params.yaml: scoring.columns gives two columns the same header {final}"
        )
    merged: dict[str, dict[str, str]] = {c: dict(v) for c, v in base["labels"].items()}
    for column, mapping in (labels or {}).items():
        if column not in VALUES:
            raise LeadscoreError(
                f"params.yaml: scoring.labels.{column}: only {list(VALUES)} have value labels"
            )
        if not isinstance(mapping, Mapping):
            raise LeadscoreError(
                f"params.yaml: scoring.labels.{column} must map values to labels, "
                f"e.g. {{{VALUES[column][0]}: ...}}"
            )
        bad = sorted(set(map(str, mapping)) - set(VALUES[column]))
        if bad:
            raise LeadscoreError(
                f"params.yaml: scoring.labels.{column}: unknown value(s) {bad}; "
                f"the values are {list(VALUES[column])}"
            )
        merged[column] = {**merged.get(column, {}), **{str(k): str(v) for k, v in mapping.items()}}
    return ImportFormat(
        headers=headers, labels=merged, datetime_format=datetime_format or base["datetime_format"]
    )


def text_column(codes: np.ndarray, labels: Sequence[str]) -> pd.api.extensions.ExtensionArray:
    """``labels[codes]`` as a ``str`` array (code -1: missing), taken in Arrow.

    A column of a million cells with few distinct values never becomes a million Python
    strings: the labels are stored once and the codes pick them.
    """
    codes = np.asarray(codes)
    taken = pc.take(pa.array(list(labels), type=pa.large_string()), pa.array(codes, mask=codes < 0))
    return pd.array(taken, dtype="str")


def neutralise(values: pd.Series) -> pd.Series:
    """Text cells a spreadsheet would run as a formula get a leading single quote."""
    text = values.astype("str")
    # in Arrow: a million cells without a Python string each
    cells = pa.array(text, type=pa.large_string())
    first = pc.utf8_slice_codeunits(cells, 0, 1)
    risky = pc.is_in(first, value_set=pa.array(FORMULA_STARTS, type=pa.large_string()))
    if not pc.any(risky).as_py():
        return text
    quote, nothing = pa.scalar("'", pa.large_string()), pa.scalar("", pa.large_string())
    quoted = pc.binary_join_element_wise(quote, cells, nothing)  # "'" + cell
    safe = pd.array(pc.if_else(risky, quoted, cells), dtype="str")
    return pd.Series(safe, index=text.index, name=text.name)


def _format_times(values: pd.Series, fmt: str) -> pd.Series:
    codes, uniques = pd.factorize(values)
    texts = pd.Series([pd.Timestamp(u).strftime(fmt) for u in uniques] + [None], dtype="str")
    return pd.Series(texts.to_numpy()[codes], index=values.index, dtype="str")


def sort_rows(scores: pd.DataFrame) -> pd.DataFrame:
    """Highest probability first, then lead_id: a stable, meaningful order."""
    if scores["lead_id"].is_monotonic_increasing:  # as scoring hands them over
        # a stable sort by probability alone keeps lead_id order within ties: the same rows
        # as sorting by both keys, without factorising a million ids
        order = np.argsort(-scores["probability"].to_numpy(dtype=float), kind="stable")
        return scores.take(order).reset_index(drop=True)
    return scores.sort_values(
        ["probability", "lead_id"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)


def crm_table(scores: pd.DataFrame, fmt: ImportFormat) -> pa.Table:
    """The CSV's content: mapped headers and labels, numbers as numbers, text neutralised."""
    columns: dict[str, Any] = {}
    for column in scores.columns:
        values = scores[column]
        if column in NUMERIC_COLUMNS:
            columns[fmt.header(column)] = values.round(DECIMALS.get(column, 0))
            continue
        if fmt.labels.get(column):
            mapped = values.map(fmt.labels[column])
            values = mapped.where(mapped.notna(), values)
        if column == "scored_at":
            values = _format_times(values, fmt.datetime_format)
        text = values.astype("str").where(values.notna(), None)
        columns[neutralise_name(fmt.header(column))] = neutralise(text).where(text.notna(), None)
    return pa.Table.from_pandas(pd.DataFrame(columns), preserve_index=False)


def neutralise_name(name: str) -> str:
    return "'" + name if name[:1] in FORMULA_STARTS else name


def canonical_table(scores: pd.DataFrame) -> pa.Table:
    """The Parquet content: canonical names and typed values, no pandas index."""
    return pa.Table.from_pandas(scores, preserve_index=False)


def write_scores(
    scores: pd.DataFrame,
    *,
    csv_path: str | Path,
    parquet_path: str | Path,
    history_path: str | Path | None,
    fmt: ImportFormat,
    on_rows: Callable[[int], None] | None = None,
    batch_rows: int = CSV_BATCH_ROWS,
) -> None:
    """Write the CSV, the Parquet and the dated copy; all or none of them replace the old ones."""
    scores = sort_rows(scores)
    csv_table = crm_table(scores, fmt)
    parquet_table = canonical_table(scores)
    targets = [Path(csv_path), Path(parquet_path)] + ([Path(history_path)] if history_path else [])
    with contextlib.ExitStack() as stack:
        temporaries = [stack.enter_context(atomic_path(t)) for t in targets]
        # the Parquet files are written in a second thread while the CSV is (pyarrow releases
        # the GIL); entered last, the pool is joined before any temporary is renamed or removed
        pool = stack.enter_context(ThreadPoolExecutor(max_workers=1))
        parquet_written = pool.submit(_write_parquet, parquet_table, temporaries[1:])
        with pa_csv.CSVWriter(
            str(temporaries[0]), csv_table.schema, write_options=pa_csv.WriteOptions()
        ) as writer:
            for batch in csv_table.to_batches(max_chunksize=batch_rows):
                writer.write_batch(batch)
                if on_rows is not None:
                    on_rows(batch.num_rows)
        parquet_written.result()
        for tmp in temporaries:  # the CRM's import user must be able to read the files
            os.chmod(tmp, _readable_mode())


def _write_parquet(table: pa.Table, paths: list[Path]) -> None:
    for path in paths:
        pq.write_table(table, path)


def _readable_mode() -> int:
    """0666 minus the umask: what open() would have given (mkstemp gives 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def remove_stale_temporaries(*targets: str | Path) -> int:
    """Delete temporaries a killed run left beside ``targets``; call only under the run lock."""
    removed = 0
    for target in map(Path, targets):
        if target.parent.is_dir():
            for stale in target.parent.glob(f".{target.name}.*.tmp"):
                stale.unlink(missing_ok=True)
                removed += 1
    return removed
