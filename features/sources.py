"""Source configuration: how one CRM export maps into leadscore, read from a YAML file.

A source file names the export's tables and, per table, the path, which export column is which
contract column, the date formats, values that mean "missing" (a web form's "Select"), value
mappings, and the extra columns with their roles (categorical, numeric, text, timestamp,
exclude). Optional lookup tables (an accounts table by account name, ...) are joined to the
leads. configs/xeducation.yaml (a flat export) and configs/olist.yaml (an event log) are the
worked examples; README "Bring your own CRM" documents every key.

Every mistake in the file is a LeadscoreError naming the file, the key and what to do.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import yaml

from features import contract
from features.errors import LeadscoreError
from features.ingest.readers import CSV_SUFFIXES, PARQUET_SUFFIXES, detect_encoding, sniff_delimiter

FLAT = "flat"
EVENT_LOG = "event_log"
KINDS = (FLAT, EVENT_LOG)

CATEGORICAL, NUMERIC, TEXT, TIMESTAMP, EXCLUDE = (
    "categorical",
    "numeric",
    "text",
    "timestamp",
    "exclude",
)
ROLES = (CATEGORICAL, NUMERIC, TEXT, TIMESTAMP, EXCLUDE)

CROSS_VALIDATION = "cross_validation"
OUT_OF_TIME = "out_of_time"
PROTOCOLS = (CROSS_VALIDATION, OUT_OF_TIME)

# Flat exports map only the key, the outcome and the two optional dates; every other column is
# an extra column with a role. Event logs map into the contract tables.
FLAT_COLUMNS = ("lead_id", "converted", "created_at", "converted_at")
FLAT_REQUIRED = ("lead_id", "converted")
EVENT_LOG_TABLES = ("leads", "outcomes", "activities", "channel_costs")
EVENT_LOG_REQUIRED = ("leads", "outcomes")

TOP_KEYS = {
    "name",
    "kind",
    "description",
    "registered_model",
    "data_end",
    "tables",
    "lookups",
    "label",
    "protocol",
    "leakage",
    "economics",
    "train",
    "extra_activity_types",
    "derived",
    "variants",
}
TABLE_KEYS = {"path", "columns", "constants", "date_formats", "missing_values", "values", "extra"}
LOOKUP_KEYS = {
    "name",
    "path",
    "key",
    "lead_column",
    "columns",
    "date_formats",
    "missing_values",
    "values",
    "extra",
}
LABEL_KEYS = {"positive", "horizon_days"}
PROTOCOL_KEYS = {"kind", "folds", "test_from", "validation", "validation_days", "validation_share"}
VALIDATIONS = ("latest", "random")  # out-of-time: the window before the test, or a random share
LEAKAGE_KEYS = {
    "detect",
    "max_single_auc",
    "min_value_rows",
    "value_purity",
    "min_settled_share",
    "max_fill_ratio",
    "min_fill_rate",
    "min_after_outcome_share",
    "exclude",
    "keep",
}
DERIVED_KEYS = {"prior_leads", "empty_fields"}
ECONOMICS_KEYS = {"conversion_value", "sales_contact_cost", "nurture_touch_cost", "nurture_uplift"}
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class TableSource:
    """One exported table and how its columns map into leadscore."""

    name: str
    path: Path
    columns: dict[str, str]  # leadscore name -> export column
    constants: dict[str, str] = field(default_factory=dict)  # leadscore name -> fixed value
    date_formats: dict[str, str] = field(default_factory=dict)  # export column -> strptime
    missing_values: tuple[str, ...] = ()  # placeholders meaning "missing", any column
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # column -> raw -> mapped
    extra: dict[str, str] = field(default_factory=dict)  # export column -> role
    where: str = ""  # "configs/x.yaml tables.leads" for messages

    def used_columns(self) -> list[str]:
        """Export columns read from the file: mapped and extra (an excluded column may still be
        a lookup's join key)."""
        return list(dict.fromkeys([*self.columns.values(), *self.extra]))


@dataclass(frozen=True)
class Lookup:
    """A table joined to the leads: leads.<lead_column> = lookup.<key>."""

    table: TableSource
    key: str
    lead_column: str


@dataclass(frozen=True)
class Protocol:
    kind: str  # cross_validation | out_of_time
    folds: int = 5
    test_from: pd.Timestamp | None = None
    validation: str = "latest"  # out-of-time: "latest" validation_days, or a "random" share
    validation_days: int = 28
    validation_share: float = 0.2  # share for early stopping and calibration (random / CV)


@dataclass(frozen=True)
class LeakageSettings:
    """Thresholds of the leakage checks (features/leakage.py) and the explicit lists."""

    detect: bool = True
    max_single_auc: float = 0.90  # one column alone ranks the outcome this well: suspicious
    min_value_rows: int = 20  # a value needs this many rows before its purity counts
    value_purity: float = 0.95  # a value settles the outcome when this share has one outcome
    min_rate_shift: float = 0.25  # ... and it moves the conversion rate this far from the base
    min_settled_share: float = 0.01  # ... for at least this share of all rows
    max_fill_ratio: float = 0.05  # filled for one class at most this fraction as often as ...
    min_fill_rate: float = 0.10  # ... for the other class, where it is filled at least this often
    min_after_outcome_share: float = 0.5  # timestamps at/after the outcome for this share
    exclude: tuple[str, ...] = ()  # export columns always excluded (known to be written later)
    keep: tuple[str, ...] = ()  # export columns kept even when flagged (explicit override)


@dataclass(frozen=True)
class SourceConfig:
    name: str
    kind: str
    file: Path
    tables: dict[str, TableSource]
    lookups: tuple[Lookup, ...] = ()
    positive_values: tuple[str, ...] = ("1",)
    horizon_days: int | None = None
    protocol: Protocol = Protocol(CROSS_VALIDATION)
    leakage: LeakageSettings = LeakageSettings()
    registered_model: str = ""
    data_end: pd.Timestamp | None = None
    economics: dict[str, float] = field(default_factory=dict)
    train: dict[str, Any] = field(default_factory=dict)  # overrides of params.yaml `train`
    extra_activity_types: tuple[str, ...] = ()
    # derived features (features/export_features.py): earlier leads with the same value of these
    # leads columns, and the number of empty form fields
    prior_leads: tuple[str, ...] = ()
    empty_fields: bool = False
    description: str = ""
    variant: str | None = None

    @property
    def run_name(self) -> str:
        """The name outputs carry: 'xeducation' or 'xeducation.rep_columns_excluded'."""
        return f"{self.name}.{self.variant}" if self.variant else self.name

    @property
    def all_tables(self) -> list[TableSource]:
        """The export's tables and its lookup tables."""
        return [*self.tables.values(), *(lookup.table for lookup in self.lookups)]

    def roles(self) -> dict[str, str]:
        """Every extra column of the leads and the lookups (and, for event logs, the outcomes
        and their attributes) with its role."""
        roles: dict[str, str] = {}
        for table in self.all_tables:
            if table.name in ("activities", "channel_costs"):
                continue
            roles.update(table.extra)
        return roles


def data_fingerprint(config: SourceConfig) -> str:
    """sha256 over the export's files, so runs on the same data can be recognised."""
    digest = hashlib.sha256()
    for table in sorted(config.all_tables, key=lambda t: t.name):
        digest.update(table.path.read_bytes())
    return digest.hexdigest()


def feature_name(column: str) -> str:
    """The feature name of an export column: 'Total Time Spent' -> 'total_time_spent'."""
    name = re.sub(r"[^0-9a-z]+", "_", column.strip().lower()).strip("_")
    return name or "column"


# ---------------------------------------------------------------- loading


def load_source(
    path: str | Path,
    *,
    root: str | Path = ".",
    variant: str | None = None,
    check_files: bool = True,
) -> SourceConfig:
    """Read and validate a source file; relative table paths are taken from ``root``.

    ``variant`` applies one entry of the file's ``variants`` section (a partial config merged
    over the rest). With ``check_files`` every table must exist and hold the mapped columns.
    """
    path = Path(path)
    raw = _read_yaml(path)
    if variant is not None:
        raw = apply_variant(raw, variant, where=str(path))
    config = parse_source(raw, file=path, root=Path(root), variant=variant)
    if check_files:
        check_columns_exist(config)
    return config


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise LeadscoreError(f"{path}: source config not found; see configs/ for examples")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise LeadscoreError(f"{path}{where}: not valid YAML; fix the syntax") from None
    if not isinstance(data, dict):
        raise LeadscoreError(f"{path}: expected a mapping (name, kind, tables, ...) at the top")
    return data


def apply_variant(raw: dict[str, Any], variant: str, *, where: str) -> dict[str, Any]:
    """The config with one named variant merged over it (mappings merge, everything else is
    replaced)."""
    variants = raw.get("variants") or {}
    if variant not in variants:
        known = ", ".join(sorted(variants)) or "none"
        raise LeadscoreError(f"{where}: no variant '{variant}' (variants: {known})")
    merged = _deep_merge(copy.deepcopy(raw), variants[variant] or {})
    merged.pop("variants", None)
    return merged


def _deep_merge(base: dict, override: dict) -> dict:
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = _deep_merge(base[key], value)
        else:
            base[key] = value
    return base


def parse_source(
    raw: dict[str, Any], *, file: Path, root: Path, variant: str | None = None
) -> SourceConfig:
    """The validated SourceConfig of a parsed YAML mapping (no file access)."""
    where = str(file)
    _unknown_keys(raw, TOP_KEYS, where)
    name = _required(raw, "name", where)
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise LeadscoreError(
            f"{where}: name {name!r} must be lower-case letters, digits, '_' or '-' "
            "(it names the outputs and the registered model)"
        )
    kind = _required(raw, "kind", where)
    if kind not in KINDS:
        raise LeadscoreError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    tables_raw = _mapping(_required(raw, "tables", where), f"{where} tables")
    allowed_tables = ("leads",) if kind == FLAT else EVENT_LOG_TABLES
    required_tables = ("leads",) if kind == FLAT else EVENT_LOG_REQUIRED
    for table in tables_raw:
        if table not in allowed_tables:
            raise LeadscoreError(
                f"{where}: tables.{table} is not a {kind} table; use {', '.join(allowed_tables)}"
            )
    for table in required_tables:
        if table not in tables_raw:
            raise LeadscoreError(f"{where}: tables.{table} is missing; a {kind} export needs it")
    tables = {
        table: _table(table, body, kind=kind, root=root, where=f"{where} tables.{table}")
        for table, body in tables_raw.items()
    }
    lookups = tuple(
        _lookup(i, body, tables["leads"], kind=kind, root=root, where=f"{where} lookups[{i}]")
        for i, body in enumerate(raw.get("lookups") or [])
    )
    label = _mapping(raw.get("label") or {}, f"{where} label")
    _unknown_keys(label, LABEL_KEYS, f"{where} label")
    horizon = label.get("horizon_days")
    if horizon is not None:
        horizon = _positive_int(horizon, f"{where} label.horizon_days")
    if kind == EVENT_LOG and horizon is None:
        raise LeadscoreError(
            f"{where}: label.horizon_days is missing; an event log needs the label horizon "
            "(e.g. 180: converted within 180 days of first contact)"
        )
    if kind == FLAT and "converted_at" in tables["leads"].columns and horizon is None:
        raise LeadscoreError(
            f"{where}: label.horizon_days is missing; with a converted date the label is "
            "'converted within horizon_days of creation'"
        )
    positive = tuple(
        str(v).strip() for v in _list(label.get("positive", ["1"]), f"{where} label.positive")
    )
    derived = _mapping(raw.get("derived") or {}, f"{where} derived")
    _unknown_keys(derived, DERIVED_KEYS, f"{where} derived")
    config = SourceConfig(
        name=name,
        kind=kind,
        file=file,
        tables=tables,
        lookups=lookups,
        positive_values=positive,
        horizon_days=horizon,
        protocol=_protocol(raw.get("protocol"), kind, tables, where),
        leakage=_leakage(raw.get("leakage"), f"{where} leakage"),
        registered_model=str(raw.get("registered_model") or f"lead-scoring-{name}"),
        data_end=_date(raw.get("data_end"), f"{where} data_end"),
        economics=_economics(raw.get("economics"), f"{where} economics"),
        train=_mapping(raw.get("train") or {}, f"{where} train"),
        extra_activity_types=tuple(_list(raw.get("extra_activity_types") or [], where)),
        prior_leads=tuple(
            str(c) for c in _list(derived.get("prior_leads") or [], f"{where} derived.prior_leads")
        ),
        empty_fields=bool(derived.get("empty_fields", False)),
        description=str(raw.get("description") or ""),
        variant=variant,
    )
    _check_feature_names(config, where)
    _check_leakage_lists(config, where)
    _check_prior_leads(config, where)
    return config


def _table(name: str, body: Any, *, kind: str, root: Path, where: str) -> TableSource:
    body = _mapping(body, where)
    _unknown_keys(body, TABLE_KEYS, where)
    columns = {
        str(k): str(v) for k, v in _mapping(body.get("columns") or {}, f"{where}.columns").items()
    }
    constants = {
        str(k): str(v)
        for k, v in _mapping(body.get("constants") or {}, f"{where}.constants").items()
    }
    if kind == FLAT:
        allowed, required = FLAT_COLUMNS, FLAT_REQUIRED
    else:
        table = contract.TABLES[name]
        allowed = table.column_names
        required = tuple(c for c in table.required_columns if c not in constants)
    for target in [*columns, *constants]:
        if target not in allowed:
            raise LeadscoreError(
                f"{where}.columns: '{target}' is not a {name} column leadscore knows; "
                f"use {', '.join(allowed)} (other columns go under `extra` with a role)"
            )
    for target in required:
        if target not in columns:
            raise LeadscoreError(
                f"{where}.columns: '{target}' is missing; name the export column that holds it"
            )
    extra = {str(k): str(v) for k, v in _mapping(body.get("extra") or {}, f"{where}.extra").items()}
    for column, role in extra.items():
        if role not in ROLES:
            raise LeadscoreError(
                f"{where}.extra: role {role!r} of '{column}' is not one of {', '.join(ROLES)}"
            )
        if column in columns.values():
            raise LeadscoreError(
                f"{where}.extra: '{column}' is already mapped under columns; list it once"
            )
    if name in ("activities", "channel_costs") and extra:
        raise LeadscoreError(f"{where}.extra: the {name} table takes no extra columns")
    return _table_source(
        name, body, root, columns=columns, extra=extra, constants=constants, where=where
    )


def _lookup(
    index: int, body: Any, leads: TableSource, *, kind: str, root: Path, where: str
) -> Lookup:
    body = _mapping(body, where)
    _unknown_keys(body, LOOKUP_KEYS, where)
    name = str(body.get("name") or f"lookup_{index}")
    key, lead_column = _required(body, "key", where), _required(body, "lead_column", where)
    columns = {
        str(k): str(v) for k, v in _mapping(body.get("columns") or {}, f"{where}.columns").items()
    }
    if columns and kind == FLAT:
        raise LeadscoreError(
            f"{where}.columns: a flat export maps lookup columns under `extra` with a role"
        )
    for target in columns:
        if target not in contract.LEADS.column_names or target in ("lead_id", "created_at"):
            raise LeadscoreError(
                f"{where}.columns: '{target}' is not a lead attribute; use one of "
                f"{', '.join(contract.LEADS.column_names[2:])}"
            )
    if lead_column not in leads.columns.values() and lead_column not in leads.extra:
        raise LeadscoreError(
            f"{where}.lead_column: '{lead_column}' is not a column of tables.leads; list it "
            "under tables.leads.extra (role exclude if it is only the join key)"
        )
    extra = {str(k): str(v) for k, v in _mapping(body.get("extra") or {}, f"{where}.extra").items()}
    for column, role in extra.items():
        if role not in ROLES:
            raise LeadscoreError(
                f"{where}.extra: role {role!r} of '{column}' is not one of {', '.join(ROLES)}"
            )
    table = _table_source(name, body, root, columns=columns, extra=extra, where=where)
    return Lookup(table=table, key=str(key), lead_column=str(lead_column))


def _table_source(
    name: str,
    body: dict,
    root: Path,
    *,
    columns: dict[str, str],
    extra: dict[str, str],
    where: str,
    constants: dict[str, str] | None = None,
) -> TableSource:
    """The settings every exported table shares: path, date formats, missing values, value maps."""
    return TableSource(
        name=name,
        path=_path(_required(body, "path", where), root),
        columns=columns,
        constants=constants or {},
        date_formats=_date_formats(body.get("date_formats"), f"{where}.date_formats"),
        missing_values=tuple(
            str(v) for v in _list(body.get("missing_values") or [], f"{where}.missing_values")
        ),
        values=_value_maps(body.get("values"), f"{where}.values"),
        extra=extra,
        where=where,
    )


def _protocol(body: Any, kind: str, tables: dict[str, TableSource], where: str) -> Protocol:
    body = _mapping(body or {}, f"{where} protocol")
    _unknown_keys(body, PROTOCOL_KEYS, f"{where} protocol")
    dated = "created_at" in tables["leads"].columns
    default = OUT_OF_TIME if dated else CROSS_VALIDATION
    protocol_kind = body.get("kind", default)
    if protocol_kind not in PROTOCOLS:
        raise LeadscoreError(
            f"{where} protocol.kind: {protocol_kind!r} is not one of {', '.join(PROTOCOLS)}"
        )
    if protocol_kind == OUT_OF_TIME and not dated:
        raise LeadscoreError(
            f"{where} protocol.kind: out_of_time needs a created date; map "
            "tables.leads.columns.created_at or use cross_validation"
        )
    folds = _positive_int(body.get("folds", 5), f"{where} protocol.folds")
    if folds < 2:
        raise LeadscoreError(f"{where} protocol.folds: needs at least 2 folds")
    validation = body.get("validation", "latest")
    if validation not in VALIDATIONS:
        raise LeadscoreError(
            f"{where} protocol.validation: {validation!r} is not one of {', '.join(VALIDATIONS)}"
        )
    share = float(body.get("validation_share", 0.2))
    if not 0 < share < 0.5:
        raise LeadscoreError(f"{where} protocol.validation_share: use a share in (0, 0.5)")
    return Protocol(
        kind=protocol_kind,
        folds=folds,
        test_from=_date(body.get("test_from"), f"{where} protocol.test_from"),
        validation=validation,
        validation_days=_positive_int(
            body.get("validation_days", 28), f"{where} protocol.validation_days"
        ),
        validation_share=share,
    )


def _leakage(body: Any, where: str) -> LeakageSettings:
    body = _mapping(body or {}, where)
    _unknown_keys(body, LEAKAGE_KEYS, where)
    defaults = LeakageSettings()
    values: dict[str, Any] = {}
    for key in LEAKAGE_KEYS - {"detect", "exclude", "keep"}:
        if key in body:
            number = body[key]
            if not isinstance(number, int | float) or isinstance(number, bool) or number < 0:
                raise LeadscoreError(f"{where}.{key}: {number!r} must be a non-negative number")
            values[key] = type(getattr(defaults, key))(number)
    for key in ("max_single_auc", "value_purity"):
        if key in values and not 0.5 < values[key] <= 1:
            raise LeadscoreError(f"{where}.{key}: use a value in (0.5, 1]")
    return LeakageSettings(
        detect=bool(body.get("detect", True)),
        exclude=tuple(str(c) for c in _list(body.get("exclude") or [], f"{where}.exclude")),
        keep=tuple(str(c) for c in _list(body.get("keep") or [], f"{where}.keep")),
        **values,
    )


def _economics(body: Any, where: str) -> dict[str, float]:
    body = _mapping(body or {}, where)
    _unknown_keys(body, ECONOMICS_KEYS, where)
    out = {}
    for key, value in body.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise LeadscoreError(f"{where}.{key}: {value!r} must be a non-negative number")
        out[key] = float(value)
    return out


def _check_feature_names(config: SourceConfig, where: str) -> None:
    """Two export columns must not become the same feature name."""
    seen: dict[str, str] = {}
    for column, role in config.roles().items():
        if role == EXCLUDE:
            continue
        name = feature_name(column)
        if name in seen and seen[name] != column:
            raise LeadscoreError(
                f"{where}: columns '{seen[name]}' and '{column}' both become feature '{name}'; "
                "exclude or rename one of them"
            )
        seen[name] = column


def _check_leakage_lists(config: SourceConfig, where: str) -> None:
    known = set(config.roles())
    for key in ("exclude", "keep"):
        for column in getattr(config.leakage, key):
            if column not in known:
                raise LeadscoreError(
                    f"{where} leakage.{key}: '{column}' is not an extra column of this source"
                    f"{_suggest(column, known)}"
                )


def _check_prior_leads(config: SourceConfig, where: str) -> None:
    """derived.prior_leads names categorical extra columns of the leads, and needs dates."""
    leads = config.tables["leads"]
    if config.prior_leads and "created_at" not in leads.columns:
        raise LeadscoreError(
            f"{where} derived.prior_leads: counting earlier leads needs a created date; map "
            "tables.leads.columns.created_at or remove derived.prior_leads"
        )
    for column in config.prior_leads:
        if leads.extra.get(column) != CATEGORICAL:
            raise LeadscoreError(
                f"{where} derived.prior_leads: '{column}' is not a categorical extra column of "
                f"tables.leads{_suggest(column, leads.extra)}; list it there as categorical"
            )


# ---------------------------------------------------------------- small validators


def _unknown_keys(body: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(map(str, body)) - allowed)
    if unknown:
        raise LeadscoreError(
            f"{where}: unknown key '{unknown[0]}'{_suggest(unknown[0], allowed)}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )


def _suggest(name: str, options) -> str:
    close = difflib.get_close_matches(str(name), [str(o) for o in options], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _required(body: dict, key: str, where: str) -> Any:
    if key not in body or body[key] in (None, ""):
        raise LeadscoreError(f"{where}: key '{key}' is missing")
    return body[key]


def _mapping(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise LeadscoreError(
            f"{where}: expected a mapping (key: value), got {type(value).__name__}"
        )
    return value


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise LeadscoreError(f"{where}: expected a list ([a, b]), got {type(value).__name__}")
    return value


def _positive_int(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise LeadscoreError(f"{where}: {value!r} must be a positive whole number")
    return value


def _date(value: Any, where: str) -> pd.Timestamp | None:
    if value in (None, ""):
        return None
    try:
        return pd.Timestamp(str(value))
    except ValueError:
        raise LeadscoreError(f"{where}: {value!r} is not a date; write it as yyyy-mm-dd") from None


def _date_formats(value: Any, where: str) -> dict[str, str]:
    formats = {str(k): str(v) for k, v in _mapping(value or {}, where).items()}
    for column, fmt in formats.items():
        if "%" not in fmt:
            raise LeadscoreError(
                f"{where}: format {fmt!r} of '{column}' has no % codes; write e.g. '%d-%m-%Y' "
                "for 31-01-2018 or '%d-%m-%Y %H:%M' for 31-01-2018 19:58"
            )
    return formats


def _value_maps(value: Any, where: str) -> dict[str, dict[str, Any]]:
    maps = {}
    for column, mapping in _mapping(value or {}, where).items():
        mapping = _mapping(mapping, f"{where}.{column}")
        maps[str(column)] = {str(k): (None if v is None else str(v)) for k, v in mapping.items()}
    return maps


def _path(value: Any, root: Path) -> Path:
    path = Path(str(value))
    return path if path.is_absolute() else root / path


# ---------------------------------------------------------------- reading tables


def read_header(path: Path, where: str) -> list[str]:
    """The column names of a CSV or Parquet table (a missing or foreign file is a user error)."""
    _check_file(path, where)
    if path.name.lower().endswith(PARQUET_SUFFIXES):
        return list(pq.read_schema(path).names)
    encoding, errors = detect_encoding(path)
    with open(path, encoding=encoding, errors=errors, newline="") as fh:
        first = fh.readline()
    delimiter = sniff_delimiter(first)
    header = pd.read_csv(path, nrows=0, sep=delimiter, encoding=encoding, encoding_errors=errors)
    return [str(c).replace("\ufeff", "") for c in header.columns]


def _check_file(path: Path, where: str) -> None:
    if not path.exists():
        raise LeadscoreError(f"{path}: not found ({where}.path); point the path at the export")
    name = path.name.lower()
    if path.is_dir() or not name.endswith((*CSV_SUFFIXES, *PARQUET_SUFFIXES)):
        raise LeadscoreError(f"{path}: not a .csv or .parquet file ({where}.path)")


def read_table(table: TableSource, also: tuple[str, ...] = ()) -> pd.DataFrame:
    """The used columns of a table as text (missing placeholders and value maps applied)."""
    path = table.path
    _check_file(path, table.where)
    columns = list(dict.fromkeys([*table.used_columns(), *also]))
    if path.name.lower().endswith(PARQUET_SUFFIXES):
        frame = pd.read_parquet(path, columns=columns)
        frame = frame.astype({c: "str" for c in columns}).where(frame.notna())
    else:
        encoding, errors = detect_encoding(path)
        with open(path, encoding=encoding, errors=errors, newline="") as fh:
            delimiter = sniff_delimiter(fh.readline())
        frame = pd.read_csv(
            path,
            usecols=columns,
            sep=delimiter,
            dtype="str",
            keep_default_na=False,
            na_values=[""],
            encoding=encoding,
            encoding_errors=errors,
        )
    if frame.empty:
        raise LeadscoreError(f"{path}: the table has no rows ({table.where}); export its data")
    return clean_values(frame, table)


def clean_values(frame: pd.DataFrame, table: TableSource) -> pd.DataFrame:
    """Trim, turn the missing placeholders into NA, then apply the configured value maps."""
    frame = frame.copy()
    placeholders = set(table.missing_values)
    for column in frame.columns:
        text = frame[column].astype("str").str.strip()
        text = text.mask(text.isin(placeholders) | (text == ""))
        mapping = table.values.get(column)
        if mapping:
            mapped = text.map(lambda v, m=mapping: m.get(v, v), na_action="ignore")
            text = mapped.astype("str").where(mapped.notna())
        frame[column] = text
    return frame


def parse_dates(values: pd.Series, fmt: str | None, where: str) -> pd.Series:
    """Timestamps from text with the configured format (or ISO 8601 without one).

    More than 1 % unreadable values is a user error naming the column and an example: a wrong
    format would otherwise silently turn every date into missing.
    """
    parsed = pd.to_datetime(values, format=fmt or "ISO8601", errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    parsed = parsed.astype("datetime64[us]")
    bad = values.notna() & parsed.isna()
    if bad.mean() > 0.01:
        example = values[bad].iloc[0]
        raise LeadscoreError(
            f"{where}: {int(bad.sum())} values such as {example!r} do not match the date format "
            f"{fmt or 'ISO 8601 (yyyy-mm-dd)'}; set date_formats for this column"
        )
    return parsed


def check_columns_exist(config: SourceConfig) -> None:
    """Every mapped, extra and key column exists in its table's header."""
    headers: dict[str, list[str]] = {}
    for table in config.tables.values():
        headers[table.name] = read_header(table.path, table.where)
        _check_in_header(table, headers[table.name])
    for lookup in config.lookups:
        header = read_header(lookup.table.path, lookup.table.where)
        _check_in_header(lookup.table, header)
        if lookup.key not in header:
            raise LeadscoreError(
                f"{lookup.table.where}.key: column '{lookup.key}' is not in {lookup.table.path}"
                f"{_suggest(lookup.key, header)}"
            )


def _check_in_header(table: TableSource, header: list[str]) -> None:
    for target, column in table.columns.items():
        if column not in header:
            raise LeadscoreError(
                f"{table.where}.columns.{target}: column '{column}' is not in {table.path}"
                f"{_suggest(column, header)}; fix the mapping"
            )
    for column in [*table.extra, *table.date_formats, *table.values]:
        if column not in header:
            raise LeadscoreError(
                f"{table.where}: column '{column}' is not in {table.path}{_suggest(column, header)}"
            )


def join_lookups(leads: pd.DataFrame, lookups: tuple[Lookup, ...]) -> tuple[pd.DataFrame, dict]:
    """Leads with every lookup's columns joined (left join on a trimmed, case-folded key),
    and per lookup the counts of leads whose key found no row."""
    report: dict[str, dict[str, int]] = {}
    for lookup in lookups:
        table = lookup.table
        rows = read_table(table, also=(lookup.key,))
        keys = _join_key(rows[lookup.key])
        repeated = keys.dropna().duplicated()
        if repeated.any():
            raise LeadscoreError(
                f"{table.path}: {int(repeated.sum())} repeated values in key column "
                f"'{lookup.key}' ({table.where}); a lookup needs one row per key"
            )
        attributes = [c for c in rows.columns if c != lookup.key]
        clash = [c for c in attributes if c in leads.columns]
        if clash:
            raise LeadscoreError(
                f"{table.where}: column '{clash[0]}' exists in the leads too; exclude one of them"
            )
        right = rows[attributes].assign(_lookup_key=keys.to_numpy())
        right = right[right["_lookup_key"].notna()]
        left_keys = _join_key(leads[lookup.lead_column])
        joined = leads.assign(_lookup_key=left_keys.to_numpy()).merge(
            right, on="_lookup_key", how="left", validate="many_to_one", indicator=True
        )
        has_key = left_keys.notna().to_numpy()
        matched = (joined["_merge"] == "both").to_numpy()
        unmatched_keys = left_keys[has_key & ~matched].nunique()
        report[table.name] = {
            "leads": int(len(leads)),
            "leads_with_key": int(has_key.sum()),
            "matched": int(matched.sum()),
            "unmatched": int((has_key & ~matched).sum()),
            "unmatched_distinct_keys": int(unmatched_keys),
            "lookup_rows": int(len(rows)),
            "lookup_rows_unused": int((~right["_lookup_key"].isin(left_keys.dropna())).sum()),
        }
        leads = joined.drop(columns=["_lookup_key", "_merge"])
        leads.index = range(len(leads))
    return leads, report


def _join_key(values: pd.Series) -> pd.Series:
    return values.astype("str").str.strip().str.casefold().str.replace(r"\s+", " ", regex=True)


def typed_extras(
    frame: pd.DataFrame, roles: dict[str, str], *, where: str
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The model columns of the extra columns, by role, and feature name -> export column.

    categorical: trimmed, case-folded text; numeric: float64 (unreadable values missing);
    text: its number of words (free text itself is not a feature). Timestamp and excluded
    columns are not features here (the adapters turn timestamps into ages).
    """
    from features.ingest.normalise import normalise_category, parse_numbers

    out: dict[str, pd.Series] = {}
    origin: dict[str, str] = {}
    for column, role in roles.items():
        if role in (EXCLUDE, TIMESTAMP) or column not in frame.columns:
            continue
        values = frame[column]
        name = feature_name(column)
        if role == CATEGORICAL:
            out[name] = normalise_category(values).astype("str")
        elif role == NUMERIC:
            numbers, invalid = parse_numbers(values)
            present = values.notna().sum()
            if present and invalid.sum() > 0.5 * present:
                example = values[invalid].iloc[0]
                raise LeadscoreError(
                    f"{where}: column '{column}' has role numeric but values such as {example!r} "
                    "are not numbers; give it role categorical"
                )
            out[name] = numbers.astype("float64")
        elif role == TEXT:
            name = f"{name}_words"
            out[name] = values.str.split().str.len().astype("float64")
        origin[name] = column
    return pd.DataFrame(out, index=frame.index), origin
