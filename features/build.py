"""THE feature function: the feature matrix for any (lead_id, as_of) pairs.

Training snapshots and nightly scoring both call `build_feature_matrix`, so they compute the
same thing. It reads data/interim Parquet with DuckDB (out of core: memory limit, spill
directory), uses only activities strictly before as_of and lead attributes as known at
creation, and hands pandas the finished matrix.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.compute as pc

from features.behavioural import (
    Aggregates,
    BehaviouralFeature,
    aggregates_of,
    behavioural_features,
    query_increments,
    quote_name,
)
from features.catalog import FeatureSpec, feature_specs
from features.contract import ACTIVITY_TYPES, LEADS
from features.demographic import demographic_features
from features.errors import LeadscoreError

log = logging.getLogger(__name__)

LEAD_ATTRIBUTES = tuple(c.name for c in LEADS.columns if c.name not in ("lead_id", "created_at"))
LEAD_TYPES = {"employees": "DOUBLE", "has_phone": "BOOLEAN"}  # everything else VARCHAR


@dataclass(frozen=True)
class FeatureSettings:
    """The parameters the features depend on (params.yaml `features`, ingest's vocabulary)."""

    activity_types: tuple[str, ...]
    windows_days: tuple[int, ...]
    half_life_days: float
    inactivity_days: int
    target_industries: tuple[str, ...]
    free_mail_domains: tuple[str, ...]
    education_suffixes: tuple[str, ...]
    competitor_domains: tuple[str, ...]
    memory_limit: str = "3GB"
    threads: int = 2
    temp_directory: str | None = None
    plan: str = "auto"  # auto | direct | cumulative (see features.behavioural)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> FeatureSettings:
        features = _key(params, "features", "features")
        extra = (params.get("ingest") or {}).get("extra_activity_types") or []
        engine = features.get("engine") or {}
        settings = cls(
            activity_types=tuple(dict.fromkeys([*ACTIVITY_TYPES, *map(str, extra)])),
            windows_days=tuple(
                sorted({int(w) for w in _key(features, "windows_days", "features.windows_days")})
            ),
            half_life_days=float(_key(features, "half_life_days", "features.half_life_days")),
            inactivity_days=int(_key(features, "inactivity_days", "features.inactivity_days")),
            target_industries=tuple(features.get("target_industries") or ()),
            free_mail_domains=tuple(features.get("free_mail_domains") or ()),
            education_suffixes=tuple(features.get("education_suffixes") or ()),
            competitor_domains=tuple(features.get("competitor_domains") or ()),
            memory_limit=str(engine.get("memory_limit", "3GB")),
            threads=int(engine.get("threads", 2)),
            temp_directory=engine.get("temp_directory"),
            plan=str(engine.get("plan", "auto")),
        )
        if settings.half_life_days <= 0 or settings.inactivity_days <= 0:
            raise LeadscoreError(
                "params.yaml: features.half_life_days and inactivity_days must be > 0"
            )
        if not settings.windows_days or min(settings.windows_days) <= 0:
            raise LeadscoreError("params.yaml: features.windows_days must be positive day counts")
        if settings.plan not in ("auto", "direct", "cumulative"):
            raise LeadscoreError(
                "params.yaml: features.engine.plan must be auto, direct or cumulative"
            )
        return settings

    def behavioural(self) -> list[BehaviouralFeature]:
        return behavioural_features(
            self.activity_types,
            windows_days=self.windows_days,
            half_life_days=self.half_life_days,
            inactivity_days=self.inactivity_days,
        )

    def catalog(self) -> list[FeatureSpec]:
        return feature_specs(
            self.activity_types,
            windows_days=self.windows_days,
            half_life_days=self.half_life_days,
            inactivity_days=self.inactivity_days,
        )


def _key(mapping: dict[str, Any], key: str, dotted: str) -> Any:
    if not isinstance(mapping, dict) or key not in mapping:
        raise LeadscoreError(f"params.yaml: missing key '{dotted}'; add it (see README)")
    return mapping[key]


def catalog_for(params: dict[str, Any]) -> list[FeatureSpec]:
    """The catalog (column order of the matrix) for these parameters."""
    return FeatureSettings.from_params(params).catalog()


def build_feature_matrix(
    pairs: pd.DataFrame, *, interim_dir: str | Path, params: dict[str, Any]
) -> pd.DataFrame:
    """lead_id, as_of and every catalog feature, one row per row of ``pairs`` in its order.

    ``params`` is params.yaml as a dict (sections `features` and, for extra activity types,
    `ingest`). Categorical features are str, everything else float64 (flags 0/1, NaN unknown).
    """
    settings = FeatureSettings.from_params(params)
    started = time.perf_counter()
    pairs = _validated_pairs(pairs)
    con = connect(settings)
    try:
        con.register("pairs_input", pa.Table.from_pandas(pairs, preserve_index=False))
        create_views(con, Path(interim_dir))
        keys = create_keys(con)
        _log_step("snapshot keys", started)
        increments = query_increments(
            con,
            keys,
            activity_types=settings.activity_types,
            windows_days=settings.windows_days,
            half_life_days=settings.half_life_days,
            plan=settings.plan,
        )
        _log_step(f"DuckDB aggregation ({increments.plan} plan)", started)
        row_keys = con.execute(
            "SELECT k.key_id FROM pairs_input AS p JOIN keys AS k "
            "ON p.lead_id = k.lead_id AND p.as_of = k.as_of ORDER BY p.row_index"
        ).fetchnumpy()["key_id"]
    finally:
        con.close()  # frees DuckDB's memory before numpy needs its own
    plan = increments.plan
    aggregates = aggregates_of(increments, keys, settings.activity_types)
    del increments
    _log_step("aggregates", started)
    matrix = _assemble(keys, aggregates, row_keys, settings)
    _log_step("matrix", started)
    log.info(
        "features: %d rows x %d features (%s plan) in %.1f s",
        len(matrix),
        matrix.shape[1] - 2,
        plan,
        time.perf_counter() - started,
    )
    return matrix


def _log_step(step: str, started: float) -> None:
    if log.isEnabledFor(logging.DEBUG):
        rss_mb = psutil.Process().memory_info().rss / 2**20
        seconds = time.perf_counter() - started
        log.debug("features: %s done at %.1f s, RSS %.0f MB", step, seconds, rss_mb)


def connect(settings: FeatureSettings) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB bounded in memory and threads, spilling to a temp directory."""
    temp_directory = settings.temp_directory or str(
        Path(tempfile.gettempdir()) / "leadscore-duckdb"
    )
    con = duckdb.connect(
        config={
            "memory_limit": settings.memory_limit,
            "threads": settings.threads,
            "temp_directory": temp_directory,
            "preserve_insertion_order": False,
        }
    )
    con.execute("SET enable_progress_bar = false")  # stage logs carry the timings
    return con


def _validated_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("lead_id", "as_of") if c not in pairs.columns]
    if missing:
        raise LeadscoreError(f"pairs: missing column(s) {missing}; pass lead_id and as_of")
    as_of = pd.to_datetime(pairs["as_of"])
    if getattr(as_of.dt, "tz", None) is not None:
        as_of = as_of.dt.tz_convert("UTC").dt.tz_localize(None)
    out = pd.DataFrame(
        {
            "row_index": range(len(pairs)),
            "lead_id": pairs["lead_id"].astype("str").array,
            "as_of": as_of.astype("datetime64[us]").array,
        }
    )
    if out["as_of"].isna().any() or pairs["lead_id"].isna().any():
        raise LeadscoreError("pairs: lead_id and as_of must not be empty")
    return out


def _table_path(interim_dir: Path, table: str) -> str:
    path = interim_dir / f"{table}.parquet"
    if not path.exists():
        raise LeadscoreError(f"{path}: not found; run `leadscore ingest` first")
    return str(path)


def _parquet_columns(con: duckdb.DuckDBPyConnection, path: str) -> set[str]:
    return {
        row[0] for row in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
    }


def _require(path: str, have: set[str], required: Sequence[str]) -> None:
    missing = [c for c in required if c not in have]
    if missing:
        raise LeadscoreError(f"{path}: column '{missing[0]}' missing; rerun `leadscore ingest`")


def create_views(con: duckdb.DuckDBPyConnection, interim_dir: Path) -> None:
    """Views `leads` and `activities` with the contract columns; absent optional ones are NULL."""
    leads_path = _table_path(interim_dir, "leads")
    have = _parquet_columns(con, leads_path)
    _require(leads_path, have, ("lead_id", "created_at"))
    attributes = [
        f"CAST({quote_name(c) if c in have else 'NULL'} AS {LEAD_TYPES.get(c, 'VARCHAR')}) AS {c}"
        for c in LEAD_ATTRIBUTES
    ]
    con.execute(
        f"""CREATE OR REPLACE VIEW leads AS
        SELECT CAST(lead_id AS VARCHAR) AS lead_id, CAST(created_at AS TIMESTAMP) AS created_at,
               {", ".join(attributes)}
        FROM read_parquet('{leads_path}')"""
    )
    activities_path = _table_path(interim_dir, "activities")
    have = _parquet_columns(con, activities_path)
    _require(activities_path, have, ("lead_id", "occurred_at", "activity_type"))
    detail = "CAST(detail AS VARCHAR)" if "detail" in have else "CAST(NULL AS VARCHAR)"
    con.execute(
        f"""CREATE OR REPLACE VIEW activities AS
        SELECT CAST(lead_id AS VARCHAR) AS lead_id, CAST(occurred_at AS TIMESTAMP) AS occurred_at,
               CAST(activity_type AS VARCHAR) AS activity_type, {detail} AS detail
        FROM read_parquet('{activities_path}')"""
    )


def create_keys(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Table `keys`: one row per distinct (lead_id, as_of), key_id in (lead, as_of) order,
    with the lead's attributes; returned as a frame too, with lead_rank (the lead's position
    among the leads) and ref_us (its first as_of), which the sorted rows give without another
    window function."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE keys AS
        SELECT (row_number() OVER (ORDER BY s.lead_id, s.as_of) - 1)::BIGINT AS key_id,
               s.lead_id, s.as_of, epoch_us(s.as_of) AS as_of_us,
               epoch_us(l.created_at) AS created_us, l.lead_id AS known_lead_id,
               l.created_at, {", ".join(f"l.{c}" for c in LEAD_ATTRIBUTES)}
        FROM (SELECT DISTINCT lead_id, as_of FROM pairs_input) AS s
        LEFT JOIN leads AS l ON s.lead_id = l.lead_id"""
    )
    unknown, example = con.execute(
        "SELECT count(*), min(lead_id) FROM keys WHERE known_lead_id IS NULL"
    ).fetchall()[0]
    if unknown:
        raise LeadscoreError(
            f"pairs: {unknown} lead_id(s) not in leads.parquet (e.g. {example!r}); "
            "build features only for ingested leads"
        )
    table = con.sql("SELECT * EXCLUDE (known_lead_id) FROM keys ORDER BY key_id").to_arrow_table()
    lead_id = table.column("lead_id")
    first_of_lead = np.ones(len(table), dtype=bool)
    if len(table) > 1:
        first_of_lead[1:] = pc.not_equal(lead_id[1:], lead_id[:-1]).to_numpy(zero_copy_only=False)
    lead_rank = np.cumsum(first_of_lead) - 1
    as_of_us = table.column("as_of_us").to_numpy()
    keys = table.to_pandas()
    keys.insert(1, "lead_rank", lead_rank)
    keys.insert(keys.columns.get_loc("as_of_us") + 1, "ref_us", as_of_us[first_of_lead][lead_rank])
    return keys


def _assemble(
    keys: pd.DataFrame, aggregates: Aggregates, row_keys: np.ndarray, settings: FeatureSettings
) -> pd.DataFrame:
    """Every column in catalog order, per key, then in the order of the pairs."""
    same_order = len(row_keys) == len(keys) and bool((row_keys == np.arange(len(keys))).all())
    demographic = demographic_features(
        keys,
        target_industries=settings.target_industries,
        free_mail_domains=settings.free_mail_domains,
        education_suffixes=settings.education_suffixes,
        competitor_domains=settings.competitor_domains,
    )
    specs = settings.catalog()
    numeric_names = [s.name for s in specs if s.kind == "numeric"]
    # One float64 block filled column by column: no copy when the frame is made from it.
    numeric = np.empty((len(keys), len(numeric_names)), dtype="float64", order="F")
    computed = {f.name: f.compute for f in settings.behavioural()}
    for i, name in enumerate(numeric_names):
        values = demographic[name].to_numpy() if name in demographic else computed[name](aggregates)
        numeric[:, i] = values
    if not same_order:
        numeric = np.asfortranarray(numeric[row_keys])
    matrix = pd.DataFrame(numeric, columns=numeric_names, copy=False)
    others = {
        "lead_id": keys["lead_id"].astype("str"),
        "as_of": keys["as_of"].astype("datetime64[us]"),
    }
    others.update({s.name: demographic[s.name] for s in specs if s.kind == "categorical"})
    # Insert the other columns at their final positions (reordering would copy the block).
    for position, name in enumerate(["lead_id", "as_of", *(s.name for s in specs)]):
        if name in others:
            values = others[name].array
            matrix.insert(position, name, values if same_order else values.take(row_keys))
    return matrix
