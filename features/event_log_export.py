"""Event-log exports: leads, outcomes (and activities when present) mapped into the data contract.

The export's tables are renamed and re-typed by the source config, written as contract-shaped
raw tables and run through the normal ingest (validation, quarantine, reports/ingest.json) into
their own interim folder, so the normal feature code (features.build.build_feature_matrix)
builds the features. One example per lead, taken on the day of its first contact (as_of =
created date): label 1 when it converted within label.horizon_days. Leads whose horizon runs
past the end of the data are censored: not yet labelled, so kept out of training and
evaluation, counted, and scored as open leads instead. Extra lead columns (and outcome
attributes, when a config maps them) join the features by their role, so that leakage
detection sees them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from features import contract
from features.build import build_feature_matrix
from features.errors import LeadscoreError
from features.export_features import PRIOR_LEADS_SUFFIX, prior_leads_features
from features.flat_export import ExportFrame
from features.ingest import ingest_table
from features.ingest.run import ingest_report
from features.ingest.validate import activity_vocabulary
from features.ingest.writers import interim_schema
from features.snapshots import history_bounds, lead_lifetimes
from features.sources import (
    TIMESTAMP,
    SourceConfig,
    TableSource,
    feature_name,
    join_lookups,
    parse_dates,
    read_table,
    typed_extras,
)
from features.tables import read_interim
from pipeline.outputs import atomic_path, write_json

log = logging.getLogger(__name__)

RAW_DIR = "raw"
TIMESTAMP_COLUMNS = {
    "leads": ("created_at",),
    "outcomes": ("closed_at",),
    "activities": ("occurred_at",),
}


def contract_table(raw: pd.DataFrame, source: TableSource) -> pd.DataFrame:
    """One export table renamed into contract columns, dates as ISO text, constants filled."""
    table = pd.DataFrame(index=raw.index)
    for target, column in source.columns.items():
        values = raw[column]
        if target in TIMESTAMP_COLUMNS.get(source.name, ()) or column in source.date_formats:
            parsed = parse_dates(
                values, source.date_formats.get(column), f"{source.where}.columns.{target}"
            )
            values = parsed.dt.strftime("%Y-%m-%dT%H:%M:%S").where(parsed.notna())
        table[target] = values
    for target, value in source.constants.items():
        table[target] = value
    return table


def extra_columns(source: TableSource, raw: pd.DataFrame) -> pd.DataFrame:
    """The extra (non-excluded) columns of a table under their feature names, dates as ISO."""
    out = pd.DataFrame(index=raw.index)
    for column, role in source.extra.items():
        if role == "exclude":
            continue
        values = raw[column]
        if role == TIMESTAMP:
            parsed = parse_dates(
                values, source.date_formats.get(column), f"{source.where}.extra.{column}"
            )
            values = parsed.dt.strftime("%Y-%m-%dT%H:%M:%S").where(parsed.notna())
        out[feature_name(column)] = values
    return out


def raw_leads(config: SourceConfig) -> tuple[pd.DataFrame, dict]:
    """The leads in contract columns plus extra columns (lookups and outcome attributes joined)."""
    source = config.tables["leads"]
    raw = read_table(source)
    raw, lookups = join_lookups(raw, config.lookups)
    leads = pd.concat([contract_table(raw, source), extra_columns(source, raw)], axis=1)
    for lookup in config.lookups:
        for target, column in lookup.table.columns.items():
            if target in leads.columns:
                raise LeadscoreError(
                    f"{lookup.table.where}.columns.{target}: the leads already map '{target}'"
                )
            leads[target] = raw[column]
        leads = pd.concat([leads, extra_columns(lookup.table, raw)], axis=1)
    outcomes_source = config.tables["outcomes"]
    if any(role != "exclude" for role in outcomes_source.extra.values()):
        outcomes_raw = read_table(outcomes_source)
        attributes = extra_columns(outcomes_source, outcomes_raw)
        attributes["lead_id"] = outcomes_raw[outcomes_source.columns["lead_id"]]
        attributes = attributes.dropna(subset=["lead_id"]).drop_duplicates("lead_id")
        leads = leads.merge(attributes, on="lead_id", how="left", suffixes=("", "_outcome"))
    return leads, lookups


def write_raw_tables(config: SourceConfig, workdir: Path) -> tuple[dict[str, Path], dict]:
    """Contract-shaped CSVs in workdir/raw/ for every table the export has."""
    paths: dict[str, Path] = {}
    leads, lookups = raw_leads(config)
    tables: dict[str, pd.DataFrame] = {"leads": leads}
    for name in ("outcomes", "activities", "channel_costs"):
        if name in config.tables:
            source = config.tables[name]
            tables[name] = contract_table(read_table(source), source)
    for name, table in tables.items():
        path = workdir / RAW_DIR / f"{name}.csv"
        with atomic_path(path) as tmp:
            table.to_csv(tmp, index=False)
        paths[name] = path
    return paths, lookups


def ingest_export(config: SourceConfig, workdir: Path) -> dict:
    """Ingest the contract-shaped tables into workdir/data/interim (absent tables empty)."""
    paths, lookups = write_raw_tables(config, workdir)
    vocabulary = activity_vocabulary(config.extra_activity_types)
    results: dict[str, Any] = {}
    for name in ("leads", "outcomes", "activities", "channel_costs"):
        table = contract.TABLES[name]
        interim = Path(contract.interim_path(name, str(workdir)))
        interim.parent.mkdir(parents=True, exist_ok=True)
        if name not in paths:
            with atomic_path(interim) as tmp:
                pq.write_table(interim_schema(table, []).empty_table(), tmp)
            continue
        leads = results["leads"].known_leads if name != "leads" else None
        quarantine = workdir / contract.QUARANTINE_DIR / f"{name}.csv"
        quarantine.parent.mkdir(parents=True, exist_ok=True)
        results[name] = ingest_table(
            paths[name],
            table,
            interim_out=interim,
            quarantine_out=quarantine,
            dayfirst=False,  # the raw tables hold ISO dates written above
            activity_types=vocabulary,
            leads=leads,
        )
    report = ingest_report(results, {n: str(p) for n, p in paths.items()}) | {"lookups": lookups}
    write_json(workdir / "reports" / "ingest.json", report)
    return report


def lead_examples(
    leads: pd.DataFrame, outcomes: pd.DataFrame, *, horizon_days: int, data_end: pd.Timestamp
) -> pd.DataFrame:
    """lead_id, as_of (first-contact day), label, outcome_at and status flags per lead.

    ``closed_before`` marks leads closed before their first-contact day (not open then);
    ``censored`` marks leads whose horizon ends after ``data_end``.
    """
    lifetimes = lead_lifetimes(leads, outcomes)
    as_of = lifetimes["created_at"].dt.floor("D")
    horizon_end = as_of + pd.Timedelta(days=horizon_days)
    closed = lifetimes["closed_at"]
    return pd.DataFrame(
        {
            "lead_id": lifetimes["lead_id"],
            "as_of": as_of.astype("datetime64[us]"),
            "label": (lifetimes["converted"] & (closed >= as_of) & (closed < horizon_end)).astype(
                int
            ),
            "outcome_at": closed.where(lifetimes["converted"]),
            "closed": closed.notna(),
            "closed_before": (closed < as_of).fillna(False).astype(bool),
            "censored": horizon_end > data_end,
        }
    )


def event_log_feature_frame(config: SourceConfig, *, workdir: Path, params: dict) -> ExportFrame:
    """Ingest the export into ``workdir`` and build one labelled example per lead."""
    ingest = ingest_export(config, workdir)
    interim_dir = workdir / contract.INTERIM_DIR
    leads = read_interim("leads", root=workdir)
    outcomes = read_interim("outcomes", root=workdir)
    data_end = config.data_end or history_bounds(interim_dir)[1]
    examples = lead_examples(leads, outcomes, horizon_days=config.horizon_days, data_end=data_end)
    usable = ~examples["closed_before"]
    matrix = build_feature_matrix(
        examples.loc[usable, ["lead_id", "as_of"]], interim_dir=interim_dir, params=params
    )
    examples = examples[usable].reset_index(drop=True)

    roles = {feature_name(c): role for c, role in config.roles().items()}
    extras = leads.set_index("lead_id").reindex(examples["lead_id"]).reset_index(drop=True)
    typed, origin = typed_extras(extras, roles, where=f"{config.file} tables")
    stamps = {
        c: parse_dates(extras[c], None, f"{config.file} timestamps")
        for c, r in roles.items()
        if r == TIMESTAMP and c in extras
    }
    timestamps = pd.DataFrame(stamps, index=examples.index)
    ages = {
        f"{c}_age_days": (examples["as_of"] - s).dt.total_seconds() / 86400
        for c, s in stamps.items()
    }
    export_names = {feature_name(c): c for c in config.roles()}
    origin = {f: export_names.get(c, c) for f, c in origin.items()}
    origin |= {f"{c}_age_days": export_names.get(c, c) for c in stamps}
    origin |= _contract_origins(config, matrix.columns)
    prior = _prior_leads(config, leads, examples["lead_id"])
    origin |= {f"{feature_name(c)}{PRIOR_LEADS_SUFFIX}": c for c in config.prior_leads}

    features = pd.concat(
        [matrix.drop(columns=["lead_id", "as_of"]), typed, pd.DataFrame(ages), prior], axis=1
    )
    frame = pd.concat([examples[["lead_id", "as_of", "label"]], features], axis=1)
    censored = examples["censored"].to_numpy()
    labelled = ~censored
    report = {
        "kind": "event_log",
        "leads": int(len(leads)),
        "closed_before_first_contact": int((~usable).sum()),
        "censored": int(censored.sum()),
        "censored_from": (data_end - pd.Timedelta(days=config.horizon_days)).isoformat(),
        "data_end": pd.Timestamp(data_end).isoformat(),
        "horizon_days": config.horizon_days,
        "rows": int(labelled.sum()),
        "positives": int(examples.loc[labelled, "label"].sum()),
        "positive_rate": float(examples.loc[labelled, "label"].mean()),
        "ingest": ingest,
    }
    log.info(
        "%s: %d leads, %d labelled examples (%.1f %% won within %d days), %d censored (first "
        "contact after %s, data end %s), %d closed before first contact",
        config.name,
        len(leads),
        report["rows"],
        100 * report["positive_rate"],
        config.horizon_days,
        report["censored"],
        report["censored_from"][:10],
        report["data_end"][:10],
        report["closed_before_first_contact"],
    )
    return ExportFrame(
        frame=frame[labelled].reset_index(drop=True),
        feature_columns=origin,
        timestamps=timestamps[labelled].reset_index(drop=True),
        outcome_at=examples.loc[labelled, "outcome_at"].reset_index(drop=True),
        report=report,
        open_leads=frame[censored & ~examples["closed"].to_numpy()].reset_index(drop=True),
    )


def _prior_leads(config: SourceConfig, leads: pd.DataFrame, lead_ids: pd.Series) -> pd.DataFrame:
    """derived.prior_leads counted over every ingested lead (censored ones included), aligned
    to the examples."""
    if not config.prior_leads:
        return pd.DataFrame(index=lead_ids.index)
    names = {feature_name(c): feature_name(c) for c in config.prior_leads}
    prior = prior_leads_features(leads.assign(as_of=leads["created_at"]), names)
    prior.index = leads["lead_id"].to_numpy()
    return prior.reindex(lead_ids.to_numpy()).reset_index(drop=True).set_axis(lead_ids.index)


def _contract_origins(config: SourceConfig, columns) -> dict[str, str]:
    """Contract features named after the export column they come from where one is mapped
    (channel <- origin); derived features keep their own name."""
    mapped = config.tables["leads"].columns
    return {c: mapped[c] for c in columns if c in mapped and c not in ("lead_id", "created_at")}
