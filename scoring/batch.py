"""Nightly batch scoring: every open lead as of one date, with the training code path.

Open leads (features.snapshots.open_leads) -> the feature matrix (features.build, the function
training used) -> the champion's calibrated P(convert) -> reasons -> arm -> route and tier
(models.economics' rule for the model arm, the legacy point table for the control arm).
Model, reasons and routing run in chunks so that memory stays bounded at a million leads.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from features.build import build_feature_matrix, catalog_for
from features.contract import INTERIM_DIR
from features.errors import LeadscoreError
from features.snapshots import history_bounds, open_leads
from features.tables import read_interim
from models import economics as ec
from models.point_table import PointTable
from scoring import drift as dr
from scoring.contributions import ReasonContributions
from scoring.control_group import CONTROL, MODEL, in_control
from scoring.output import COLUMNS, REASON_COLUMNS, text_column
from scoring.reasons import Sentences, Template, template_for, top_reason_codes
from scoring.thresholds import RoutingRule, legacy_routes, model_routes, split_capacity

log = logging.getLogger(__name__)

DAY = pd.Timedelta(days=1)
ROUTES: tuple[str, ...] = (ec.SALES, ec.NURTURE, ec.NONE)


@dataclass(frozen=True)
class ScoringSettings:
    """params.yaml `scoring:` as the batch needs it."""

    control_share: float = 0.1
    control_salt: str = "leadscore-control-v1"
    exact_reasons_max_leads: int = 10_000
    reasons_sample_leads: int = 2_000
    chunk_rows: int = 200_000
    include_personal_data: bool = False
    personal_columns: tuple[str, ...] = ()
    seed: int = 0

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ScoringSettings:
        scoring = params.get("scoring") or {}
        return cls(
            control_share=float(scoring.get("control_share", 0.1)),
            control_salt=str(scoring.get("control_salt", cls.control_salt)),
            exact_reasons_max_leads=int(
                scoring.get("exact_reasons_max_leads", cls.exact_reasons_max_leads)
            ),
            reasons_sample_leads=int(scoring.get("reasons_sample_leads", cls.reasons_sample_leads)),
            chunk_rows=int(scoring.get("chunk_rows", cls.chunk_rows)),
            include_personal_data=bool(scoring.get("include_personal_data", False)),
            personal_columns=tuple(scoring.get("personal_columns") or ()),
            seed=int(params.get("seed", 0)),
        )


@dataclass
class ScoredLeads:
    scores: pd.DataFrame  # the output columns (scoring.output.COLUMNS), one row per open lead
    features: pd.DataFrame  # the feature matrix of the same rows (for drift)
    timings: dict[str, float]


def resolve_as_of(value: str | None, interim_dir: str | Path) -> pd.Timestamp:
    """'last' = the day after the last day of the CRM history; else the given date/time."""
    text = str(value or "last").strip()
    if text.lower() == "last":
        _, end = history_bounds(interim_dir)
        return (end.normalize() + DAY).as_unit("us")
    try:
        as_of = pd.Timestamp(text)
    except ValueError:
        raise LeadscoreError(
            f"--as-of {text!r}: not a date; give YYYY-MM-DD, YYYY-MM-DDTHH:MM or 'last'"
        ) from None
    if as_of.tzinfo is not None:
        as_of = as_of.tz_convert("UTC").tz_localize(None)
    return as_of.as_unit("us")


def open_lead_pairs(root: str | Path, as_of: pd.Timestamp) -> pd.DataFrame:
    """lead_id, as_of of every lead open at ``as_of`` in the ingested tables."""
    leads = read_interim("leads", root, columns=["lead_id", "created_at"])
    outcomes = read_interim("outcomes", root, columns=["lead_id", "status", "closed_at"])
    pairs = open_leads(leads, outcomes, as_of)
    if pairs.empty:
        raise LeadscoreError(
            f"{Path(root) / INTERIM_DIR}/leads.parquet: no lead is open as of {as_of}; "
            "check --as-of (leads must be created before it and not closed before it)"
        )
    return pairs.sort_values("lead_id", kind="mergesort").reset_index(drop=True)


def _check_features(matrix: pd.DataFrame, names: list[str], version: str) -> None:
    missing = [n for n in names if n not in matrix.columns]
    if missing:
        raise LeadscoreError(
            f"champion version {version}: expects feature(s) {missing[:5]} that the feature "
            "build does not produce with these params; retrain (`dvc repro`) or fix params.yaml"
        )


def _personal_data(root: str | Path, lead_ids: pd.Series, columns: tuple[str, ...]) -> pd.DataFrame:
    """The configured personal columns of the leads table that exist (opt-in only)."""
    leads = read_interim("leads", root)
    present = [c for c in columns if c in leads.columns]
    if not present:
        log.warning("scoring.include_personal_data: none of %s in leads.parquet", list(columns))
    table = leads[["lead_id", *present]].drop_duplicates("lead_id")
    return pd.DataFrame({"lead_id": lead_ids}).merge(table, on="lead_id", how="left")


def reason_templates(
    names: list[str], categorical: set[str], params: dict[str, Any]
) -> tuple[list[str], list[Template]]:
    """(kind, sentence template) of every model feature, meanings from the feature catalog."""
    specs = {s.name: s for s in catalog_for(params)}
    inactivity_days = int((params.get("features") or {}).get("inactivity_days", 30))
    kinds = ["categorical" if n in categorical else "numeric" for n in names]
    templates = [
        template_for(
            n,
            kind=k,
            meaning=specs[n].meaning if n in specs else "",
            inactivity_days=inactivity_days,
        )
        for n, k in zip(names, kinds, strict=True)
    ]
    return kinds, templates


def predict_with_reasons(
    matrix: pd.DataFrame, model: Any, params: dict[str, Any], settings: ScoringSettings
) -> tuple[np.ndarray, list[pd.api.extensions.ExtensionArray]]:
    """Calibrated P(convert) and the reason columns (``str``), chunk by chunk (bounded memory)."""
    names = list(model.feature_names)
    categorical = set(getattr(model, "categorical_levels", {}) or {})
    kinds, templates = reason_templates(names, categorical, params)
    contributor = ReasonContributions(
        model,
        names,
        categorical,
        exact_max_rows=settings.exact_reasons_max_leads,
        sample_rows=settings.reasons_sample_leads,
    )
    contributor.prepare(matrix, seed=settings.seed)
    n, step = len(matrix), max(settings.chunk_rows, 1)
    probability = np.empty(n)
    sentences = Sentences()  # reasons stay int32 codes into the distinct sentences until the end
    codes = np.empty((len(REASON_COLUMNS), n), dtype=np.int32)
    for start in tqdm(range(0, n, step), desc="model and reasons", unit="chunk", disable=None):
        chunk = matrix.iloc[start : start + step]
        rows = slice(start, start + len(chunk))
        probability[rows] = model.predict_proba(chunk)[:, 1]
        codes[:, rows] = top_reason_codes(
            contributor.columns(chunk),
            chunk,
            names,
            templates,
            kinds,
            sentences,
            n_reasons=len(REASON_COLUMNS),
        )
    return probability, [sentences.texts(rank) for rank in codes]


def score_open_leads(
    *,
    root: str | Path,
    as_of: pd.Timestamp,
    model: Any,
    model_version: str,
    rule: RoutingRule,
    point_table: PointTable,
    params: dict[str, Any],
    settings: ScoringSettings,
) -> ScoredLeads:
    """Score every lead open at ``as_of``: the output rows and their feature matrix."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    pairs = open_lead_pairs(root, as_of)
    matrix = build_feature_matrix(pairs, interim_dir=Path(root) / INTERIM_DIR, params=params)
    timings["features"] = time.perf_counter() - started
    log.info("%d open leads as of %s: features in %.1f s", len(matrix), as_of, timings["features"])
    _check_features(matrix, list(model.feature_names), model_version)

    started = time.perf_counter()
    probability, reasons = predict_with_reasons(matrix, model, params, settings)
    timings["model_and_reasons"] = time.perf_counter() - started
    log.info("model and reasons in %.1f s", timings["model_and_reasons"])

    started = time.perf_counter()
    scores = routed_scores(
        matrix,
        probability,
        rule=rule,
        point_table=point_table,
        control_share=settings.control_share,
        control_salt=settings.control_salt,
    )
    for column, text in zip(REASON_COLUMNS, reasons, strict=True):
        scores[column] = text
    scores["model_version"] = str(model_version)
    scores["scored_at"] = pd.Series(
        np.full(len(scores), as_of.to_datetime64()), dtype="datetime64[us]"
    )  # noqa: E501
    scores = scores[list(COLUMNS)]
    if settings.include_personal_data:
        personal = _personal_data(root, scores["lead_id"], settings.personal_columns)
        for column in personal.columns.drop("lead_id"):
            scores[column] = personal[column].to_numpy()
    timings["routing"] = time.perf_counter() - started
    counts = {f"{a}/{r}": int(c) for (a, r), c in scores.groupby(["arm", "route"]).size().items()}
    log.info("routes: %s (%.1f s)", counts, timings["routing"])
    return ScoredLeads(scores=scores, features=matrix, timings=timings)


def routed_scores(
    matrix: pd.DataFrame,
    probability: np.ndarray,
    *,
    rule: RoutingRule,
    point_table: PointTable,
    control_share: float,
    control_salt: str,
) -> pd.DataFrame:
    """lead_id, score, probability, tier, route, expected_value, arm for the scored rows."""
    lead_id = matrix["lead_id"].astype("str")  # stays Arrow text: no million Python strings
    control = in_control(lead_id, control_share, control_salt)
    value = rule.conversion_value(matrix)
    model_capacity, control_capacity = split_capacity(rule.economics.sales_capacity, control_share)
    route = np.empty(len(matrix), dtype=np.intp)  # codes into ROUTES
    model_economics = ec.Economics(
        rule.economics.sales_contact_cost,
        rule.economics.nurture_touch_cost,
        rule.economics.nurture_uplift,
        model_capacity,
    )
    route[~control] = _route_codes(
        model_routes(probability[~control], value[~control], model_economics)
    )
    if control.any():
        points_of = matrix.loc[control]
        route[control] = _route_codes(
            legacy_routes(
                point_table.predict_points(points_of),
                point_table.predict_mql(points_of),
                control_capacity,
            )
        )
    expected = ec.expected_sales_profit(probability, value, rule.economics)
    return pd.DataFrame(
        {
            "lead_id": lead_id.array,
            "score": ec.score_from_probability(probability).astype("int64"),
            "probability": probability.astype(float),
            "tier": text_column(route, ec.tiers_of(np.array(ROUTES, dtype=object))),
            "route": text_column(route, ROUTES),
            "expected_value": expected.astype(float),
            "arm": text_column(control.astype(np.intp), (MODEL, CONTROL)),
        }
    )


def _route_codes(routes: np.ndarray) -> np.ndarray:
    """The position of each route in ROUTES."""
    codes = np.full(len(routes), -1, dtype=np.intp)
    for code, name in enumerate(ROUTES):
        codes[routes == name] = code
    if (codes < 0).any():  # a programming error: the economics rule knows only these routes
        raise ValueError(f"unknown route(s) {sorted(set(routes[codes < 0]))}")
    return codes


def measure_drift(
    *,
    features: pd.DataFrame,
    scores: np.ndarray,
    model: Any,
    reference_path: str | Path,
    warn_psi: float,
    max_reference_rows: int,
    seed: int,
    ignore: tuple[str, ...] = (),
) -> dict:
    """PSI of every model feature and of the score against the training snapshots."""
    started = time.perf_counter()
    reference_path = Path(reference_path)
    if not reference_path.exists():
        return dr.not_measured(f"{reference_path} not found", warn_psi, len(features))
    names = list(model.feature_names)
    categorical = set(getattr(model, "categorical_levels", {}) or {})
    reference = dr.read_reference(reference_path, names, max_rows=max_reference_rows, seed=seed)
    reference_score = None
    if all(n in reference.columns for n in names) and len(reference):
        reference_score = ec.score_from_probability(model.predict_proba(reference)[:, 1])
    report = dr.drift_report(
        reference,
        features,
        kinds={n: "categorical" if n in categorical else "numeric" for n in names},
        reference_score=reference_score,
        current_score=scores,
        warn_psi=warn_psi,
        ignore=ignore,
    )
    report["reference"] = str(reference_path)
    log.info("drift measured in %.1f s", time.perf_counter() - started)
    return report
