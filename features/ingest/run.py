"""Ingest: read every CRM table, validate, normalise, de-duplicate, write accepted and rejects.

All tables are opened and checked as wholes before anything is written, and every output goes to
a temporary file that replaces the old one only when all tables have been ingested: a failed run
leaves the previous outputs untouched.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from features import contract
from features.contract import Table
from features.errors import LeadscoreError
from features.ingest.dedupe import find_duplicates
from features.ingest.readers import RawTable, open_table
from features.ingest.validate import (
    REASONS,
    Checked,
    KnownLeads,
    activity_vocabulary,
    check_known_leads,
    check_rows,
    reason_kind,
)
from features.ingest.writers import InterimWriter, QuarantineWriter, interim_schema
from pipeline.outputs import atomic_path

log = logging.getLogger(__name__)

# Leads first: the other tables are checked against the accepted lead ids.
TABLE_ORDER = (
    contract.LEADS.name,
    contract.OUTCOMES.name,
    contract.ACTIVITIES.name,
    contract.CHANNEL_COSTS.name,
)
REPORT_PATH = "reports/ingest.json"
DEFAULT_BATCH_ROWS = 1_000_000
# The time column compared with the lead's created_at (kept, but counted, when earlier).
EVENT_TIME = {contract.ACTIVITIES.name: "occurred_at", contract.OUTCOMES.name: "closed_at"}
BEFORE_LEAD_CREATED = "before_lead_created"


@dataclass
class TableResult:
    """Counts of one table; read = accepted + quarantined + duplicates_merged."""

    source: RawTable
    read: int = 0
    accepted: int = 0
    quarantined: int = 0
    duplicates_merged: int = 0
    reasons: Counter = field(default_factory=Counter)
    warnings: Counter = field(default_factory=Counter)
    known_leads: KnownLeads | None = None  # leads only: the accepted lead ids

    def check_counts(self) -> None:
        total = self.accepted + self.quarantined + self.duplicates_merged
        assert self.read == total, f"{self.source.path}: read {self.read} != {total} accounted"
        assert self.quarantined == sum(self.reasons.values())

    def summary(self) -> dict:
        return {
            "read": int(self.read),
            "accepted": int(self.accepted),
            "quarantined": int(self.quarantined),
            "duplicates_merged": int(self.duplicates_merged),
            "reasons": {k: int(v) for k, v in sorted(self.reasons.items())},
            "warnings": {k: int(v) for k, v in sorted(self.warnings.items())},
            "format": self.source.format,
            "encoding": self.source.encoding,
        }


def ingest_all(
    paths: Mapping[str, str | Path],
    *,
    root: str | Path = ".",
    dayfirst: bool = True,
    extra_activity_types: Iterable[str] = (),
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> dict:
    """Ingest the four CRM tables into ``root``/data/interim, data/quarantine and the report."""
    root = Path(root)
    if not isinstance(paths, Mapping):
        raise LeadscoreError("params.yaml: ingest.paths must map each table name to a file path")
    sources = {name: _open_source(name, paths, root) for name in TABLE_ORDER}
    for name, source in sources.items():
        log.info(
            "%s: %s (%s%s)",
            name,
            source.path,
            source.format,
            f", {source.encoding}, delimiter {source.delimiter!r}" if source.encoding else "",
        )
    vocabulary = activity_vocabulary(extra_activity_types)
    results: dict[str, TableResult] = {}
    with contextlib.ExitStack() as outputs:
        for name in TABLE_ORDER:
            leads = results[contract.LEADS.name].known_leads if results else None
            results[name] = ingest_table(
                sources[name],
                contract.TABLES[name],
                interim_out=outputs.enter_context(atomic_path(contract.interim_path(name, root))),
                quarantine_out=outputs.enter_context(
                    atomic_path(root / contract.QUARANTINE_DIR / f"{name}.csv")
                ),
                dayfirst=dayfirst,
                activity_types=vocabulary,
                leads=leads,
                batch_rows=batch_rows,
            )
        report = ingest_report(results, paths)
        report_tmp = outputs.enter_context(atomic_path(root / REPORT_PATH))
        report_tmp.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    return report


def _open_source(name: str, paths: Mapping[str, str | Path], root: Path) -> RawTable:
    if name not in paths or not paths[name]:
        raise LeadscoreError(
            f"params.yaml: ingest.paths.{name} is not set; give the path of the {name} export"
        )
    path = Path(paths[name])
    return open_table(
        path if path.is_absolute() else root / path,
        contract.TABLES[name],
        setting=f"ingest.paths.{name}",
    )


def ingest_report(results: Mapping[str, TableResult], paths: Mapping[str, str | Path]) -> dict:
    """The reports/ingest.json content: counts per table and reason, and what reasons mean."""
    tables = {}
    for name, result in results.items():
        tables[name] = {**result.summary(), "file": str(paths[name])}
    kinds = {reason_kind(code) for r in results.values() for code in r.reasons}
    return {"tables": tables, "reason_meanings": {k: REASONS[k] for k in sorted(kinds)}}


def ingest_table(
    source: RawTable | str | Path,
    table: Table,
    *,
    interim_out: str | Path,
    quarantine_out: str | Path,
    dayfirst: bool = True,
    activity_types: frozenset[str] | None = None,
    leads: KnownLeads | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> TableResult:
    """Ingest one table; ``leads`` (the accepted leads) enables the lead-id check."""
    started = time.perf_counter()
    if not isinstance(source, RawTable):
        source = open_table(source, table)
    vocabulary = activity_types if activity_types is not None else activity_vocabulary()
    extras = [c for c in source.columns if c not in table.column_names]
    result = TableResult(source=source)
    interim = InterimWriter(
        Path(interim_out), interim_schema(table, extras if table.allows_extra_columns else [])
    )
    quarantine = QuarantineWriter(Path(quarantine_out), source.raw_columns)
    # keyed tables: (values, raw rows, accepted mask, source rows) of every batch, unfiltered
    kept: list[tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]] = []
    try:
        for batch in source.batches(batch_rows):
            result.read += len(batch.frame)
            checked = check_rows(
                batch.frame,
                table,
                problems=batch.problems,
                problem_details=batch.problem_details,
                dayfirst=dayfirst,
                activity_types=vocabulary,
            )
            positions = None
            if leads is not None and "lead_id" in table.column_names:
                positions = check_known_leads(checked, leads)
            rejected = ~checked.accepted.to_numpy()
            _quarantine(
                result,
                quarantine,
                batch.frame,
                checked,
                rejected,
                batch.source_rows,
                batch.undecodable,
            )
            if table.key:  # de-duplicated once the whole table is read
                kept.append((checked.values, batch.frame, ~rejected, batch.source_rows))
            else:
                values = _rows(checked.values, ~rejected)
                interim.write(values)
                result.accepted += len(values)
                if positions is not None:
                    _count_before_lead_created(result, values, leads, table, positions[~rejected])
        if table.key:
            _write_unique(result, interim, quarantine, kept, table, leads)
    finally:
        interim.close()
        quarantine.close()
    result.check_counts()
    _fail_if_nothing_accepted(result, table)
    _log_result(result, table, time.perf_counter() - started)
    return result


def _rows(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """frame[mask], without the copy when every row is kept (the common case, and costly)."""
    return frame if mask.all() else frame[mask]


def _log_result(result: TableResult, table: Table, seconds: float) -> None:
    log.info(
        "%s: read %d, accepted %d, quarantined %d, duplicates merged %d (%.1f s)",
        table.name,
        result.read,
        result.accepted,
        result.quarantined,
        result.duplicates_merged,
        seconds,
    )
    if result.reasons:
        log.info("%s: quarantine reasons %s", table.name, dict(result.reasons.most_common()))
    if result.warnings:
        log.info("%s: kept with warnings %s", table.name, dict(result.warnings))


def _quarantine(result, quarantine, raw, checked: Checked, mask, source_rows, undecodable=None):
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return
    quarantine.write(
        raw[mask], checked.reason[mask], checked.detail[mask], source_rows[mask], undecodable
    )
    result.quarantined += int(mask.sum())
    result.reasons.update(checked.reason[mask].tolist())


def _write_unique(result, interim, quarantine, kept, table: Table, leads) -> None:
    """Keyed tables: merge repeats of the key, quarantine conflicting ones, write the rest."""
    if not kept:
        return
    values = pd.concat([v for v, _, _, _ in kept], ignore_index=True)
    raw = pd.concat([r for _, r, _, _ in kept], ignore_index=True)
    accepted = np.concatenate([a for _, _, a, _ in kept])
    source_rows = np.concatenate([s for _, _, _, s in kept])
    compare = [c for c in table.column_names if c not in table.key]
    duplicates = find_duplicates(values, list(table.key), compare, eligible=accepted)
    conflict = duplicates.conflicting.to_numpy()
    checked = Checked(
        values=values,
        reason=pd.Series(np.where(conflict, "conflicting_duplicate", None), dtype="object"),
        detail=duplicates.detail,
    )
    _quarantine(result, quarantine, raw, checked, conflict, source_rows)
    result.duplicates_merged += int(duplicates.merged.sum())
    unique = _rows(values, accepted & ~(duplicates.merged | duplicates.conflicting).to_numpy())
    interim.write(unique)
    result.accepted += len(unique)
    if leads is not None:
        _count_before_lead_created(result, unique, leads, table)
    if table.name == contract.LEADS.name:
        result.known_leads = KnownLeads.from_frame(unique)


def _count_before_lead_created(
    result, values, leads: KnownLeads, table, positions: np.ndarray | None = None
) -> None:
    """Activities and outcomes before their lead's creation are kept (pre-creation web visits
    tracked by cookie are real) but counted, so a systematic clock problem shows."""
    time_column = EVENT_TIME.get(table.name)
    if time_column is None or len(values) == 0:
        return
    if positions is None:
        positions = leads.positions(values["lead_id"])
    early = leads.created_before(positions, values[time_column])
    if early:
        result.warnings[BEFORE_LEAD_CREATED] += early


def _fail_if_nothing_accepted(result: TableResult, table: Table) -> None:
    if result.read == 0 or result.accepted > 0:
        return
    top, count = result.reasons.most_common(1)[0]
    raise LeadscoreError(
        f"{result.source.path}: none of the {result.read} {table.name} rows was accepted "
        f"(most common reason: {top}, {count} rows: {REASONS[reason_kind(top)]}); "
        "fix the export or the ingest settings in params.yaml"
    )
