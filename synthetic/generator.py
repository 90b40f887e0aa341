"""The synthetic CRM generator: simulate leads chunk by chunk and stream the export.

Randomness: one stream for the arrivals, one per chunk (SeedSequence spawn keys), so the same
seed and size give byte-identical files, and memory is bounded by the chunk size.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from features.errors import LeadscoreError
from pipeline.outputs import write_json
from synthetic import parameters as world
from synthetic.activities import Events, daily_total_rates, emit_activities, rate_multipliers
from synthetic.bayes_limit import LeadModel, Probabilities, forward_filter
from synthetic.buying_process import (
    Paths,
    deal_values,
    fit_scores,
    initial_distribution,
    simulate_paths,
    transition_matrices,
)
from synthetic.calendar import History, creation_seconds, daily_arrivals, history, snapshot_days
from synthetic.channels import channel_costs, month_index
from synthetic.corruption import (
    duplicate_leads,
    interleave,
    invalid_leads,
    unknown_lead_activities,
    unknown_lead_outcomes,
)
from synthetic.export import (
    activity_table,
    bayes_limit_table,
    render_leads,
    render_outcomes,
)
from synthetic.firmographics import draw_leads, lead_ids
from synthetic.writer import GROUND_TRUTH_DIR, RAW_DIR, CrmWriter, write_csv

log = logging.getLogger(__name__)

DESCRIPTION = (
    "Synthetic CRM: each lead follows a daily Markov chain over hidden buying phases "
    "(awareness, consideration, evaluation, purchase, cold; absorbing converted, disqualified) "
    "with transition probabilities set by a fit score of its observable attributes (industry "
    "target or not, employee band, seniority of the job title, e-mail domain type, channel, "
    "creation year) and an initial phase set by its channel. Activities are Poisson per day "
    "with a rate per phase and emission. p_convert is the exact posterior probability of "
    "converting with closed_at in [as_of, as_of + horizon_days) given the attributes, all "
    "activities before as_of and that the lead was open at as_of (forward filtering with the "
    "true parameters)."
)


@dataclass(frozen=True)
class GeneratorConfig:
    n_leads: int = 20_000
    months: int = 24
    start: str = "2024-01-01"
    activity_rate: float = 1.0
    duplicate_share: float = 0.01
    invalid_share: float = 0.005
    ground_truth: bool = True
    chunk_leads: int = 50_000
    seed: int = 42
    snapshot_frequency: str = "W-MON"
    horizon_days: int = 90

    def __post_init__(self):
        checks = [
            ("n_leads", self.n_leads >= 1, "an integer >= 1"),
            ("months", self.months >= 1, "an integer >= 1"),
            ("activity_rate", self.activity_rate > 0, "a number > 0"),
            ("duplicate_share", 0 <= self.duplicate_share < 1, "a share in [0, 1)"),
            ("invalid_share", 0 <= self.invalid_share <= 0.2, "a share in [0, 0.2]"),
            ("chunk_leads", self.chunk_leads >= 1, "an integer >= 1"),
            ("horizon_days", self.horizon_days >= 1, "an integer >= 1"),
        ]
        for key, ok, what in checks:
            if not ok:
                raise LeadscoreError(f"params.yaml: generate.{key} must be {what}")
        try:
            pd.Timestamp(self.start)
            pd.tseries.frequencies.to_offset(self.snapshot_frequency)
        except ValueError as exc:
            raise LeadscoreError(
                f"params.yaml: generate.start or snapshots.frequency is not valid ({exc})"
            ) from None


@dataclass(frozen=True)
class Chunk:
    """One simulated batch of leads, clean (before the export is made messy)."""

    leads: pd.DataFrame
    paths: Paths
    events: Events
    deal_value: np.ndarray  # per lead, NaN unless converted
    probabilities: Probabilities | None


def generate(config: GeneratorConfig, root: str | Path = ".") -> dict:
    """Write data/raw/* and data/ground_truth/* under `root`; returns the summary (meta.json)."""
    started = time.perf_counter()
    hist = history(config.start, config.months)
    days, seconds = arrivals(config, hist)
    as_of_days = snapshot_days(hist, config.snapshot_frequency)
    n_chunks = -(-config.n_leads // config.chunk_leads)
    counts = np.zeros((len(world.CHANNELS), _n_months(hist)), dtype=np.int64)
    totals = {"converted": 0, "disqualified": 0, "duplicates": 0, "invalid_leads": 0,
              "unknown_lead_activities": 0, "unknown_lead_outcomes": 0}  # fmt: skip
    with CrmWriter(root, config.ground_truth) as writer:
        for k in range(n_chunks):
            lo, hi = k * config.chunk_leads, min((k + 1) * config.chunk_leads, config.n_leads)
            rng = _chunk_rngs(config.seed, k)
            chunk = simulate_chunk(
                np.arange(lo, hi), days[lo:hi], seconds[lo:hi], hist, config, as_of_days, rng
            )
            np.add.at(
                counts,
                (chunk.leads["channel_index"], month_index(hist, chunk.leads["day"].to_numpy())),
                1,
            )
            _write_chunk(writer, chunk, k, hist, config, rng["corruption"], totals)
            log.info(
                "chunk %d/%d: %d leads, %d activities (%.1fs)",
                k + 1, n_chunks, hi - lo, len(chunk.events), time.perf_counter() - started,
            )  # fmt: skip
        costs = channel_costs(counts, hist, np.random.default_rng(_seed_sequence(config.seed, 2)))
        write_csv(Path(root) / RAW_DIR / "channel_costs.csv", costs)
        rows = dict(writer.rows, channel_costs=len(costs))
    meta = {
        "history_start": hist.start.date().isoformat(),
        "history_end": hist.end.date().isoformat(),
        "scoring_date": (hist.end + pd.Timedelta(days=1)).date().isoformat(),
        "horizon_days": config.horizon_days,
        "snapshot_frequency": config.snapshot_frequency,
        "n_leads": config.n_leads,
        "seed": config.seed,
        "config": asdict(config),
        "rows": rows,
        "counts": totals,
        "true_target_industries": list(world.TARGET_INDUSTRIES),
        "description": DESCRIPTION,
    }
    write_json(Path(root) / GROUND_TRUTH_DIR / "meta.json", meta)
    if not config.ground_truth:  # a Bayes limit of an earlier history would be wrong now
        (Path(root) / GROUND_TRUTH_DIR / "bayes_limit.parquet").unlink(missing_ok=True)
    log.info("generated %s in %.1fs", rows, time.perf_counter() - started)
    return meta


def arrivals(config: GeneratorConfig, hist: History) -> tuple[np.ndarray, np.ndarray]:
    """Creation day and second of every lead, in lead-id order (sorted by time)."""
    rng = np.random.default_rng(_seed_sequence(config.seed, 0))
    days = np.repeat(np.arange(hist.n_days), daily_arrivals(config.n_leads, hist, rng))
    seconds = creation_seconds(config.n_leads, rng)
    order = np.lexsort((seconds, days))
    return days[order], seconds[order]


def simulate_chunk(
    indices: np.ndarray,
    days: np.ndarray,
    seconds: np.ndarray,
    hist: History,
    config: GeneratorConfig,
    as_of_days: np.ndarray,
    rng: dict[str, np.random.Generator],
) -> Chunk:
    """Attributes, hidden paths, activities, deal values and (optionally) the Bayes limit."""
    leads = draw_leads(indices, days, seconds, hist, rng["attributes"])
    A = transition_matrices(fit_scores(leads))
    initial = initial_distribution(leads["channel_index"].to_numpy())
    paths = simulate_paths(A, initial, days, hist.n_days, rng["process"])
    multipliers = rate_multipliers(leads)
    events = emit_activities(
        paths, days, seconds, multipliers, config.activity_rate, hist.n_days, rng["activities"]
    )
    converted = paths.outcome == world.CONVERTED
    values = deal_values(leads["employees_true"].to_numpy(dtype=float), rng["deals"])
    probabilities = None
    if config.ground_truth:
        model = LeadModel(
            created_day=days,
            close_day=paths.close_day,
            transitions=A,
            initial=initial,
            total_rates=daily_total_rates(multipliers, config.activity_rate),
        )
        probabilities = forward_filter(model, events, as_of_days, config.horizon_days, hist.n_days)
    return Chunk(leads, paths, events, np.where(converted, values, np.nan), probabilities)


def _write_chunk(
    writer: CrmWriter,
    chunk: Chunk,
    k: int,
    hist: History,
    config: GeneratorConfig,
    rng: np.random.Generator,
    totals: dict[str, int],
) -> None:
    n = len(chunk.leads)
    rendered = render_leads(chunk.leads)
    duplicates = duplicate_leads(rendered, config.duplicate_share, rng)
    n_invalid = _junk_count(config.invalid_share, n)
    junk_ids = _junk_ids(config, k, n_invalid * 2)
    invalid = invalid_leads(rendered, junk_ids[:n_invalid], rng)
    writer.leads(interleave(rendered, pd.concat([duplicates, invalid]), rng))
    totals["duplicates"] += len(duplicates)
    totals["invalid_leads"] += len(invalid)

    ids = pa.array(chunk.leads["lead_id"].tolist(), pa.string())
    ghosts = junk_ids[n_invalid:]
    unknown = unknown_lead_activities(ghosts, hist, rng)
    writer.activities(pa.concat_tables([activity_table(ids, chunk.events, hist), unknown]))
    totals["unknown_lead_activities"] += unknown.num_rows

    closed = chunk.paths.close_day < hist.n_days
    converted = chunk.paths.outcome[closed] == world.CONVERTED
    close_second = rng.integers(8 * 3600, 19 * 3600, size=int(closed.sum()))
    closed_at = (
        hist.start
        + pd.to_timedelta(chunk.paths.close_day[closed], unit="D")
        + pd.to_timedelta(close_second, unit="s")
    )
    outcomes = render_outcomes(
        chunk.leads["lead_id"].to_numpy(dtype=object)[closed],
        converted,
        closed_at,
        chunk.deal_value[closed],
        rng,
    )
    bad_outcomes = unknown_lead_outcomes(ghosts[: max(1, len(ghosts) // 4)], hist, rng)
    writer.outcomes(interleave(outcomes, bad_outcomes, rng))
    totals["converted"] += int(converted.sum())
    totals["disqualified"] += int((~converted).sum())
    totals["unknown_lead_outcomes"] += len(bad_outcomes)
    if chunk.probabilities is not None:
        writer.bayes_limit(bayes_limit_table(ids, chunk.probabilities, hist))


def _junk_count(share: float, n: int) -> int:
    return int(round(share * n)) if share > 0 else 0


def _junk_ids(config: GeneratorConfig, k: int, n: int) -> np.ndarray:
    """Ids no real lead has: after the real ones, a block of chunk_leads ids per chunk."""
    return lead_ids(config.n_leads + k * config.chunk_leads + np.arange(n))


def _n_months(hist: History) -> int:
    return int(month_index(hist, np.array([hist.n_days - 1]))[0]) + 1


def _seed_sequence(seed: int, *key: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=key)


def _chunk_rngs(seed: int, k: int) -> dict[str, np.random.Generator]:
    """Independent streams for one chunk's steps, so changing one step leaves the others."""
    names = ("attributes", "process", "activities", "deals", "corruption")
    children = _seed_sequence(seed, 1, k).spawn(len(names))
    return {name: np.random.default_rng(child) for name, child in zip(names, children, strict=True)}
