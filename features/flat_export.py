"""Flat exports: one row per lead, behaviour already aggregated into columns, a converted flag.

The feature frame has lead_id, as_of (the created date, or NaT when the export has no dates),
label (0/1) and one column per extra column by its role. With a created date and a converted
date the label is "converted within label.horizon_days of creation" and leads whose horizon runs
past the end of the data are censored (counted, kept out). Without dates the flag is the label.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features.errors import LeadscoreError
from features.export_features import PRIOR_LEADS_SUFFIX, prior_leads_features
from features.sources import (
    FLAT,
    TIMESTAMP,
    SourceConfig,
    data_fingerprint,
    feature_name,
    join_lookups,
    parse_dates,
    read_header,
    read_table,
    typed_extras,
)

log = logging.getLogger(__name__)

KEYS = ("lead_id", "as_of", "label")


@dataclass
class ExportFrame:
    """The labelled examples of an export, ready for leakage checks and training."""

    frame: pd.DataFrame  # lead_id, as_of, label, then features
    feature_columns: dict[str, str]  # feature -> the export column it comes from
    timestamps: pd.DataFrame  # the export's timestamp columns (by export name), row-aligned
    outcome_at: pd.Series  # when a converted example converted (NaT otherwise), row-aligned
    report: dict = field(default_factory=dict)
    open_leads: pd.DataFrame | None = None  # features of not yet labelled leads (for scoring)

    @property
    def features(self) -> list[str]:
        return [c for c in self.frame.columns if c not in KEYS]


def dataset_summary(examples: ExportFrame, config: SourceConfig) -> dict:
    """Size, conversion rate, censoring and a fingerprint of the export's files."""
    labels = examples.frame["label"]
    summary = {
        "source": config.run_name,
        "kind": config.kind,
        "rows": int(len(labels)),
        "positives": int(labels.sum()),
        "positive_rate": float(labels.mean()),
        "censored": int(examples.report.get("censored", 0)),
        "data_sha256": data_fingerprint(config),
    }
    if config.horizon_days:
        # flat exports count from the created date, event logs from the first contact
        start = "first contact" if config.kind != FLAT else "creation"
        summary["label"] = f"converted within {config.horizon_days} days of {start}"
    return summary


def unlisted_columns(config: SourceConfig, table: str = "leads") -> list[str]:
    """Export columns the config does not mention (ignored; listed in the run report)."""
    source = config.tables[table]
    header = read_header(source.path, source.where)
    used = set(source.used_columns())
    return [c for c in header if c not in used]


def flat_feature_frame(config: SourceConfig) -> ExportFrame:
    """The feature frame of a flat export (see the module docstring)."""
    source = config.tables["leads"]
    columns = source.columns
    raw = read_table(source)
    raw, lookups = join_lookups(raw, config.lookups)
    read = len(raw)

    lead_id, flag = raw[columns["lead_id"]], raw[columns["converted"]]
    usable = lead_id.notna() & flag.notna()
    duplicate = usable & lead_id.duplicated(keep="first")
    raw = raw[usable & ~duplicate].reset_index(drop=True)
    converted = raw[columns["converted"]].isin(config.positive_values)
    label = converted.astype(int)
    _check_both_outcomes(label, raw[columns["converted"]], config)

    created = _dates(raw, source, "created_at")
    converted_at = _dates(raw, source, "converted_at")
    as_of = created.dt.floor("D") if created is not None else pd.Series(pd.NaT, index=raw.index)
    as_of = as_of.astype("datetime64[us]")
    outcome_at = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
    censored = pd.Series(False, index=raw.index)
    data_end = None
    if converted_at is not None:
        outcome_at = converted_at.where(label == 1)
        if created is not None:
            horizon = pd.Timedelta(days=config.horizon_days)
            data_end = config.data_end or max(created.max(), converted_at.max())
            late = outcome_at.notna() & (outcome_at - as_of >= horizon)
            label = label.where(~late, 0)
            # all of them, converted or not: keeping only the early converters would inflate
            # the conversion rate of the most recent leads
            censored = as_of + horizon > data_end

    features, origin = typed_extras(raw, config.roles(), where=source.where)
    timestamps, ages = _timestamps(raw, config, source, as_of)
    # every row counts, censored ones included: they were earlier leads all the same
    names = {feature_name(c): feature_name(c) for c in config.prior_leads}
    prior = prior_leads_features(features.assign(as_of=as_of), names)
    features = pd.concat([features, ages, prior], axis=1)
    origin |= {feature_name(c) + "_age_days": c for c in timestamps.columns}
    origin |= {feature_name(c) + PRIOR_LEADS_SUFFIX: c for c in config.prior_leads}

    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "lead_id": raw[columns["lead_id"]].astype("str"),
                    "as_of": as_of,
                    "label": label.astype(int),
                }
            ),
            features,
        ],
        axis=1,
    )
    keep = ~censored.to_numpy()
    report = {
        "kind": "flat",
        "rows_read": int(read),
        "rows_without_id_or_outcome": int((~usable).sum()),
        "duplicate_lead_ids": int(duplicate.sum()),
        "censored": int(censored.sum()),
        "rows": int(keep.sum()),
        "positives": int(label[keep].sum()),
        "positive_rate": float(label[keep].mean()),
        "dated": created is not None,
        "data_end": None if data_end is None else data_end.isoformat(),
        "lookups": lookups,
        "ignored_columns": unlisted_columns(config),
    }
    log.info(
        "%s: %d rows read, %d examples (%.1f %% converted), %d censored, %d without id/outcome,"
        " %d duplicate ids",
        source.path,
        read,
        report["rows"],
        100 * report["positive_rate"],
        report["censored"],
        report["rows_without_id_or_outcome"],
        report["duplicate_lead_ids"],
    )
    # the censored leads that have not converted yet are still open: they get scores
    still_open = (censored & ~converted).to_numpy()
    open_leads = frame[still_open].reset_index(drop=True) if still_open.any() else None
    return ExportFrame(
        frame=frame[keep].reset_index(drop=True),
        feature_columns=origin,
        timestamps=timestamps[keep].reset_index(drop=True),
        outcome_at=outcome_at[keep].reset_index(drop=True),
        report=report,
        open_leads=open_leads,
    )


def _check_both_outcomes(label: pd.Series, flag: pd.Series, config: SourceConfig) -> None:
    if 0 < label.sum() < len(label):
        return
    found = ", ".join(repr(v) for v in flag.value_counts().index[:6])
    raise LeadscoreError(
        f"{config.file}: label.positive {list(config.positive_values)} leaves "
        f"{int(label.sum())} of {len(label)} rows converted (values found: {found}); "
        "list the values that mean converted"
    )


def _dates(raw: pd.DataFrame, source, target: str) -> pd.Series | None:
    column = source.columns.get(target)
    if column is None:
        return None
    return parse_dates(
        raw[column], source.date_formats.get(column), f"{source.where}.columns.{target}"
    )


def _timestamps(raw, config: SourceConfig, source, as_of: pd.Series):
    """The timestamp-role columns parsed, and their age in days at as_of as features.

    Without dates the age is taken at the latest value of the column (the export's own time).
    """
    stamps, ages = {}, {}
    formats = dict(source.date_formats)
    for lookup in config.lookups:
        formats |= lookup.table.date_formats
    for column, role in config.roles().items():
        if role != TIMESTAMP or column not in raw.columns:
            continue
        parsed = parse_dates(raw[column], formats.get(column), f"{source.where}.extra.{column}")
        stamps[column] = parsed
        reference = as_of if as_of.notna().any() else pd.Series(parsed.max(), index=raw.index)
        ages[feature_name(column) + "_age_days"] = (
            (reference - parsed).dt.total_seconds().to_numpy() / 86400
        ).astype(np.float64)
    return pd.DataFrame(stamps, index=raw.index), pd.DataFrame(ages, index=raw.index)
