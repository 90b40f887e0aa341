"""Per-row checks against the data contract: each rejected row gets one reason code.

A reason is a short stable code, ``kind`` or ``kind:column`` (e.g. ``invalid_date:created_at``),
plus a message for the person reading the quarantine file. The first failing check wins, in the
order: row structure, then the contract's columns in order, then vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features import contract
from features.contract import Column, Table
from features.ingest import normalise

# What every reason kind means; reports/ingest.json repeats the ones that occurred.
REASONS: dict[str, str] = {
    "truncated_row": "the CSV row has fewer fields than the header (cut off or broken line)",
    "extra_fields": "the CSV row has more fields than the header (an unquoted delimiter?)",
    "bad_encoding": "the row has bytes that are not valid in the file's text encoding",
    "missing_value": "a required value is empty",
    "invalid_date": "not a date: use ISO yyyy-mm-dd[ HH:MM[:SS]] or dd/mm/yyyy (ingest.dayfirst)",
    "invalid_number": "not a number (or not a whole number where one is required)",
    "invalid_boolean": "not a yes/no value (yes/no, true/false, y/n, 1/0)",
    "negative_value": "a count or amount below zero",
    "below_minimum": "a value below the contract's minimum",
    "unknown_activity_type": "not in the activity vocabulary; extend ingest.extra_activity_types",
    "unknown_status": "an outcome status other than converted / disqualified",
    "unknown_lead_id": "the lead_id is not among the accepted leads",
    "conflicting_duplicate": "the key appears again with different values; the first was kept",
}


@dataclass
class Checked:
    """The converted values of a batch and, per row, the reason it is rejected (NA: accepted)."""

    values: pd.DataFrame
    reason: pd.Series
    detail: pd.Series

    @property
    def accepted(self) -> pd.Series:
        return self.reason.isna()


def activity_vocabulary(extra: Iterable[str] = ()) -> frozenset[str]:
    """The contract's activity types plus a CRM's own (params ingest.extra_activity_types)."""
    extra_clean = normalise.normalise_category(pd.Series(list(extra), dtype="object"))
    return frozenset(contract.ACTIVITY_TYPES) | set(extra_clean.dropna())


def reject(checked: Checked, mask: pd.Series, code: str, detail: pd.Series | str) -> None:
    """Give ``code`` to the rows in ``mask`` that have no reason yet."""
    new = mask & checked.reason.isna()
    if not new.any():
        return
    checked.reason[new] = code
    if isinstance(detail, pd.Series):
        detail = detail.reindex(checked.reason.index)[new]
    checked.detail[new] = detail


def check_rows(
    raw: pd.DataFrame,
    table: Table,
    *,
    problems: pd.Series,
    problem_details: pd.Series,
    dayfirst: bool,
    activity_types: frozenset[str],
) -> Checked:
    """Convert a raw batch to contract types and find the reason each bad row is rejected."""
    index = raw.index
    checked = Checked(
        values=pd.DataFrame(index=index),
        reason=pd.Series(problems.to_numpy(dtype=object), index=index, dtype="object"),
        detail=pd.Series(problem_details.to_numpy(dtype=object), index=index),
    )
    for column in table.columns:
        if column.name in raw.columns:
            _check_column(checked, raw[column.name], column, dayfirst=dayfirst)
        else:
            checked.values[column.name] = _empty(column, index)
    if table.name == contract.ACTIVITIES.name:
        _check_vocabulary(
            checked,
            "activity_type",
            activity_types,
            "unknown_activity_type",
            "is not in the activity vocabulary (add it to ingest.extra_activity_types if real)",
        )
    if table.name == contract.OUTCOMES.name:
        _check_vocabulary(
            checked,
            "status",
            contract.OUTCOME_STATUSES,
            "unknown_status",
            f"is not one of {', '.join(contract.OUTCOME_STATUSES)}",
        )
    if table.allows_extra_columns:
        for name in raw.columns:
            if name not in table.column_names:
                checked.values[name] = normalise.normalise_text(raw[name])
    return checked


def _check_column(checked: Checked, raw: pd.Series, column: Column, *, dayfirst: bool) -> None:
    values, invalid, kind = _convert(raw, column, dayfirst=dayfirst)
    checked.values[column.name] = values
    name = column.name
    if invalid.any():
        shown = normalise.as_text(raw[invalid]).map(repr)
        expected = _expected(kind, dayfirst)
        reject(checked, invalid, f"{kind}:{name}", f"{name} " + shown + f" is {expected}")
    if not column.nullable:
        reject(checked, values.isna() & ~invalid, f"missing_value:{name}", f"{name} is empty")
    if column.min_value is not None:
        below = (values < column.min_value).fillna(False).astype(bool)
        if below.any():
            code = "negative_value" if column.min_value == 0 else "below_minimum"
            shown = normalise.as_text(raw[below]).map(repr)
            limit = f"{column.min_value:g}"
            reject(checked, below, f"{code}:{name}", f"{name} " + shown + f" is below {limit}")


def _convert(raw: pd.Series, column: Column, *, dayfirst: bool):
    """(values, invalid, reason kind) for one column by its contract type."""
    kind = column.type
    if kind == contract.TIMESTAMP:
        return (*normalise.parse_timestamps(raw, dayfirst=dayfirst), "invalid_date")
    if kind == contract.MONTH:
        return (*normalise.parse_months(raw, dayfirst=dayfirst), "invalid_date")
    if kind == contract.FLOAT:
        return (*normalise.parse_numbers(raw), "invalid_number")
    if kind == contract.INTEGER:
        return (*normalise.parse_integers(raw), "invalid_number")
    if kind == contract.BOOLEAN:
        return (*normalise.parse_booleans(raw), "invalid_boolean")
    if column.name == "email_domain":
        values = normalise.email_domain(raw)
    elif kind == contract.CATEGORY:
        values = normalise.normalise_category(raw)
    else:
        values = normalise.normalise_text(raw)
    return values, pd.Series(False, index=raw.index), "invalid_value"


def _expected(kind: str, dayfirst: bool) -> str:
    local = "dd/mm/yyyy" if dayfirst else "mm/dd/yyyy"
    return {
        "invalid_date": f"not a date (yyyy-mm-dd or {local} [HH:MM[:SS]]; see ingest.dayfirst)",
        "invalid_number": "not a number",
        "invalid_boolean": "not yes/no, true/false, y/n or 1/0",
    }.get(kind, "not valid")


def _check_vocabulary(
    checked: Checked, name: str, allowed: Iterable[str], code: str, explanation: str
) -> None:
    values = checked.values[name]
    unknown = values.notna() & ~values.isin(list(allowed))
    if unknown.any():
        reject(checked, unknown, code, f"{name} " + values[unknown].map(repr) + f" {explanation}")


@dataclass
class KnownLeads:
    """The accepted leads, for the lead-id check of activities and outcomes."""

    ids: pa.Array
    created_at: np.ndarray  # datetime64[us], aligned with ids

    @classmethod
    def from_frame(cls, leads: pd.DataFrame) -> KnownLeads:
        ids = pa.array(leads["lead_id"].array, type=pa.string())
        return cls(ids=ids, created_at=leads["created_at"].to_numpy(dtype="datetime64[us]"))

    def positions(self, lead_ids: pd.Series) -> np.ndarray:
        """Each id's position among the accepted leads, -1 when unknown (Arrow hash lookup)."""
        found = pc.index_in(pa.array(lead_ids.array, type=pa.string()), value_set=self.ids)
        return found.fill_null(-1).to_numpy(zero_copy_only=False)

    def created_before(self, positions: np.ndarray, times: pd.Series) -> int:
        """How many events (at lead ``positions``) happened before their lead was created."""
        known = positions >= 0
        created = self.created_at[positions[known]]
        return int((times.to_numpy(dtype="datetime64[us]")[known] < created).sum())


def check_known_leads(checked: Checked, leads: KnownLeads) -> np.ndarray:
    """Reject rows whose lead_id is not an accepted lead; return each row's position in leads."""
    positions = leads.positions(checked.values["lead_id"])
    unknown = pd.Series(positions < 0, index=checked.reason.index) & checked.accepted
    if unknown.any():
        shown = checked.values["lead_id"][unknown].map(repr)
        reject(checked, unknown, "unknown_lead_id", "lead_id " + shown + " is not an accepted lead")
    return positions


def reason_kind(code: str) -> str:
    """'invalid_date:created_at' -> 'invalid_date'."""
    return code.split(":", 1)[0]


def _empty(column: Column, index: pd.Index) -> pd.Series:
    """An optional column the export does not have: all missing, in its contract type."""
    dtype = {
        contract.TIMESTAMP: "datetime64[us]",
        contract.FLOAT: "float64",
        contract.INTEGER: "Int64",
        contract.BOOLEAN: "boolean",
    }.get(column.type, "str")
    return pd.Series(pd.NA if dtype in ("Int64", "boolean") else None, index=index, dtype=dtype)
