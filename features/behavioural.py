"""Behavioural features: what a lead did before as_of, aggregated in DuckDB, finished in numpy.

DuckDB reduces the activities to a few numbers per snapshot and activity type (the
increments); each feature spreads the increments it needs into one vector per snapshot, in
numpy (`Aggregates`, `behavioural_features`). Two query plans compute the increments:
- `direct` (every snapshot has the same as_of: nightly scoring): one pass over the scored
  leads' activities before as_of, grouped by snapshot and activity type, with only seven
  aggregates, fetched straight to Arrow (DuckDB's hash
  aggregation costs about the same per aggregate and row, so dozens of FILTER columns would be
  many times slower than a narrow GROUP BY and a numpy pivot);
- `cumulative` (many as_of dates, training): an ASOF join assigns every activity once to the
  first snapshot of its lead after it, and once more to the first snapshot after it leaves each
  window (occurred_at + w days); running sums over a lead's snapshots then give all-time and
  windowed counts, so the cost grows with activities + snapshots, not with their product.
For a lead with one snapshot the running sums are the values themselves, so both plans yield
the same numbers (tested); only the decayed sum may differ in its last bits. Decay weights are
summed as integers (units of 2^-40 of one activity) so that the result does not depend on the
order DuckDB's threads add them in: the same inputs give the same bytes.

Times are microseconds since the epoch (BIGINT), so windows are exact integer arithmetic.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from features.errors import LeadscoreError

DAY_US = 86_400_000_000
NO_TIME = np.iinfo(np.int64).min  # "never" in arrays of last-activity times
PAGE_TYPES = ("web_visit", "pricing_page_view", "careers_page_view")
INTENT_TYPES = ("pricing_page_view", "form_submit", "demo_request", "trial_signup")
NEGATIVE_TYPES = ("unsubscribe", "email_bounce", "careers_page_view")
VELOCITY_RECENT_DAYS = 7
VELOCITY_PRIOR_DAYS = 30
PAGES_DAYS = 30
INTENT_DAYS = 30
# exp() overflows float64 above ~709; the cumulative plan scales decay weights to a lead's
# first snapshot, so one lead's snapshots may span at most this many decay time-constants.
MAX_DECAY_EXPONENT = 700.0
DECAY_UNIT = 2.0**-40  # decay weights (<= 1) are summed as exact integers of this unit


def count_windows(windows_days: Sequence[int]) -> tuple[int, ...]:
    """Windows the counts are kept for: the configured ones plus those features need."""
    needed = {VELOCITY_RECENT_DAYS, VELOCITY_RECENT_DAYS + VELOCITY_PRIOR_DAYS, INTENT_DAYS}
    return tuple(sorted({int(w) for w in windows_days} | needed))


def decay_rate_per_us(half_life_days: float) -> float:
    return math.log(2) / (half_life_days * DAY_US)


def quote_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- DuckDB: the increments of every snapshot ------------------------------------------------
# Columns: key_id, activity_type (NULL on the row of detail counts), adds (activities), leave_<w>
# (activities older than w days), last_t, decay_units (the sum of exp(rate * (t - as_of_us)) in
# DECAY_UNITs), new_details (details seen for the first time), page_change (pages entering minus
# leaving the pages window). "Increment": since the lead's previous snapshot; with one snapshot,
# the total.


def _decay_units(age_sql: str, rate: float, only: str | None = None) -> str:
    """SQL: the sum of exp(rate * age) (age <= 0) as an integer count of DECAY_UNITs."""
    weight = f"round(exp({rate!r} * ({age_sql})) * {1 / DECAY_UNIT:.0f})::BIGINT"
    where = f" FILTER ({only})" if only else ""
    return f"sum({weight}){where}::BIGINT"


def _page_filter() -> str:
    return f"activity_type IN ({', '.join(map(quote_text, PAGE_TYPES))})"


def _type_codes(activity_types: Sequence[str]) -> str:
    """SQL: a relation (activity_type, code) with code = the position in the vocabulary."""
    types = ", ".join(map(quote_text, activity_types))
    return (
        f"(SELECT unnest([{types}]) AS activity_type, "
        f"(generate_subscripts([{types}], 1) - 1)::INTEGER AS code)"
    )


def direct_sql(
    as_of_us: int, windows: Sequence[int], rate: float, activity_types: Sequence[str]
) -> tuple[str, str]:
    """Every snapshot at one as_of: per (snapshot, type) and per snapshot detail counts, as
    two SELECTs in the shape `_fetch` gives, fetched straight to Arrow.

    Activities are joined to the snapshot keys first, so only the scored leads' activities
    are aggregated (a nightly run scores the open leads, not the whole history). DuckDB's hash
    aggregation costs about as much per aggregate as per group, so the per-type pass keeps
    seven aggregates and the distinct counts come from one GROUP BY (snapshot, detail); each
    query runs on its own so that it has the whole memory limit to itself."""
    leaves = "".join(
        f"count(*) FILTER (t < {as_of_us - w * DAY_US})::INTEGER AS leave_{w}, " for w in windows
    )
    as_of = f"make_timestamp({as_of_us}::BIGINT)"
    pages_from = f"make_timestamp({as_of_us - PAGES_DAYS * DAY_US}::BIGINT)"
    scored = "activities AS a JOIN keys AS k ON a.lead_id = k.lead_id"
    with_detail = f"a.occurred_at < {as_of} AND a.detail IS NOT NULL AND a.detail <> ''"
    per_type = f"""
        SELECT p.key_id, c.code, p.adds, {", ".join(f"p.leave_{w}" for w in windows)},
               p.last_t, p.decay_units
        FROM (SELECT key_id, activity_type, count(*)::INTEGER AS adds, {leaves}
                     max(t) AS last_t, {_decay_units(f"t - {as_of_us}", rate)} AS decay_units
              FROM (SELECT k.key_id, a.activity_type, epoch_us(a.occurred_at) AS t
                    FROM {scored} WHERE a.occurred_at < {as_of})
              GROUP BY key_id, activity_type) AS p
        JOIN {_type_codes(activity_types)} AS c ON p.activity_type = c.activity_type"""
    # One pass over (snapshot, detail): a detail counts once, and once more among the pages
    # when some visit of it was a page view inside the pages window.
    recent_page = f"a.{_page_filter()} AND a.occurred_at >= {pages_from}"
    per_detail = f"""
        SELECT key_id, count(*)::INTEGER AS new_details,
               count(*) FILTER (recent_page)::INTEGER AS page_change
        FROM (SELECT k.key_id, a.detail, bool_or({recent_page}) AS recent_page
              FROM {scored} WHERE {with_detail}
              GROUP BY k.key_id, a.detail)
        GROUP BY key_id"""
    return per_type, per_detail


def cumulative_sql(windows: Sequence[int], rate: float) -> str:
    """Any snapshots: dated events per lead, each assigned by an ASOF join to the first
    snapshot after it. kind 0: an activity starts counting; kind w > 0: it leaves the w-day
    window (at occurred_at + w days); -1: a detail is seen for the first time; -2 / -3: a page
    enters / leaves the pages window (visits of one page at most the window apart form one
    island, counted once)."""
    kinds = ", ".join(str(k) for k in (0, *windows))
    gap = PAGES_DAYS * DAY_US
    leaves = "".join(f"count(*) FILTER (kind = {w}) AS leave_{w}, " for w in windows)
    return f"""
CREATE OR REPLACE TEMP TABLE increments AS
WITH key_leads AS (SELECT lead_id, max(as_of) AS last_as_of FROM keys GROUP BY lead_id),
acts AS MATERIALIZED (
  SELECT a.lead_id, a.activity_type, epoch_us(a.occurred_at) AS t,
         nullif(a.detail, '') AS detail
  FROM activities AS a JOIN key_leads AS l ON a.lead_id = l.lead_id
  WHERE a.occurred_at < l.last_as_of
),
page_visits AS (
  SELECT lead_id, detail, t,
         CASE WHEN t - lag(t) OVER (PARTITION BY lead_id, detail ORDER BY t) <= {gap}
              THEN 0 ELSE 1 END AS starts_island
  FROM acts WHERE detail IS NOT NULL AND {_page_filter()}
),
page_islands AS MATERIALIZED (
  SELECT lead_id, min(t) AS first_t, max(t) AS last_t
  FROM (SELECT *, sum(starts_island) OVER (PARTITION BY lead_id, detail ORDER BY t
                                           ROWS UNBOUNDED PRECEDING) AS island
        FROM page_visits)
  GROUP BY lead_id, detail, island
),
events AS (
  SELECT lead_id, t + kind * {DAY_US} AS event_t, activity_type, t, kind
  FROM (SELECT lead_id, activity_type, t, unnest([{kinds}]) AS kind FROM acts)
  UNION ALL
  SELECT lead_id, min(t), NULL, NULL, -1 FROM acts WHERE detail IS NOT NULL GROUP BY lead_id, detail
  UNION ALL SELECT lead_id, first_t, NULL, NULL, -2 FROM page_islands
  UNION ALL SELECT lead_id, last_t + {gap}, NULL, NULL, -3 FROM page_islands
)
SELECT k.key_id, e.activity_type,
       count(*) FILTER (kind = 0) AS adds, {leaves}
       max(t) FILTER (kind = 0) AS last_t,
       {_decay_units("t - k.as_of_us", rate, "kind = 0")} AS decay_units,
       count(*) FILTER (kind = -1) AS new_details,
       count(*) FILTER (kind = -2) - count(*) FILTER (kind = -3) AS page_change
FROM events AS e ASOF JOIN keys AS k ON e.lead_id = k.lead_id AND e.event_t < k.as_of_us
GROUP BY k.key_id, e.activity_type
"""


# --- numpy: per-snapshot aggregates, spread one feature column at a time ---------------------


@dataclass(eq=False)
class Aggregates:
    """What the features are made of, per snapshot (key_id 0..n-1).

    Counts and last times stay in the sparse rows DuckDB returned (one per snapshot and
    activity type seen), sorted by type; a feature spreads the rows it needs into a vector of
    its own, so no [snapshots x types] array per statistic is ever held. With several snapshots
    of one lead (``lead`` given) the rows are increments since the previous snapshot, run up
    per lead.
    """

    activity_types: tuple[str, ...]
    as_of_us: np.ndarray
    created_us: np.ndarray
    type_starts: np.ndarray  # rows of activity_types[j]: type_starts[j]:type_starts[j + 1]
    key: np.ndarray  # per row: the snapshot
    adds: np.ndarray  # per row: activities
    leaves: dict[int, np.ndarray]  # window days -> per row: activities older than that
    last_t: np.ndarray  # per row: the latest activity's time (us)
    lead: np.ndarray | None  # per snapshot: the lead's rank, when a lead has several snapshots
    decay: np.ndarray  # per snapshot: the decayed sum over all types
    distinct_details: np.ndarray
    distinct_pages: np.ndarray

    def count(self, activity_type: str | None = None, window: int | None = None) -> np.ndarray:
        """Activities of a type (None = any) in the last `window` days (None = all time)."""
        if activity_type is None:
            return self._any_type_count(window)
        if activity_type not in self.activity_types:
            return np.zeros(len(self.as_of_us))
        rows = self._rows(activity_type)
        counts = np.zeros(len(self.as_of_us), dtype="int64")
        counts[self.key[rows]] = self._in_window(window, rows)
        return self._run_up(counts).astype("float64")

    @functools.cache  # noqa: B019 -- an Aggregates lives for one matrix build
    def _any_type_count(self, window: int | None) -> np.ndarray:
        # float64 sums of integer counts are exact far beyond any lead's activity count
        counts = np.bincount(self.key, self._in_window(window), minlength=len(self.as_of_us))
        return self._run_up(counts.astype("int64")).astype("float64")

    def days_since_last(self, activity_type: str | None = None) -> np.ndarray:
        """Days from the last activity of a type (None = any) to as_of; NaN if never."""
        last = np.full(len(self.as_of_us), NO_TIME, dtype="int64")
        for t in self.activity_types if activity_type is None else (activity_type,):
            rows = self._rows(t)
            keys = self.key[rows]
            last[keys] = np.maximum(last[keys], self.last_t[rows])
        if self.lead is not None:
            last = _running_max(last, self.lead)
        days = (self.as_of_us - last) / DAY_US
        return np.where(last == NO_TIME, np.nan, days)

    def _rows(self, activity_type: str) -> slice:
        j = self.activity_types.index(activity_type)
        return slice(self.type_starts[j], self.type_starts[j + 1])

    def _in_window(self, window: int | None, rows: slice = slice(None)) -> np.ndarray:
        counts = self.adds[rows].astype("int64")
        return counts - self.leaves[window][rows] if window else counts

    def _run_up(self, values: np.ndarray) -> np.ndarray:
        return values if self.lead is None else _running_sum(values, self.lead)


def _running_max(values: np.ndarray, lead: np.ndarray) -> np.ndarray:
    """Running max over each lead's snapshots (rows sorted by lead, then as_of)."""
    return pd.Series(values).groupby(lead, sort=False).cummax().to_numpy(dtype=values.dtype)


def _running_sum(values: np.ndarray, lead: np.ndarray) -> np.ndarray:
    """Running sum over each lead's snapshots: a cumulative sum minus its value just before
    the lead's first row (exact for integer counts; decay is summed per lead instead)."""
    if values.dtype.kind == "f":
        return pd.Series(values).groupby(lead, sort=False).cumsum().to_numpy()
    total = np.cumsum(values, dtype="int64")
    first = np.flatnonzero(np.diff(lead, prepend=-1))[lead]  # each row's lead's first row
    before = np.where(first > 0, total[np.maximum(first - 1, 0)], 0)
    return (total - before).astype(values.dtype)


@dataclass
class Increments:
    """What `query_increments` fetched: rows per snapshot and activity type code, rows of
    detail counts per snapshot, and how they were computed."""

    per_type: pa.Table  # key_id, code, adds, leave_<w>..., last_t, decay_units
    per_detail: pa.Table  # key_id, new_details, page_change
    windows: tuple[int, ...]
    rate: float
    plan: str


def _fetch(con: duckdb.DuckDBPyConnection, activity_types: Sequence[str], windows: Sequence[int]):
    """Table `increments` as Arrow; activities outside the vocabulary are left out."""
    leaves = ", ".join(f"leave_{w}::INTEGER AS leave_{w}" for w in windows)
    per_type = con.sql(
        f"""SELECT i.key_id, c.code, i.adds::INTEGER AS adds, {leaves},
                   coalesce(i.last_t, {NO_TIME}) AS last_t,
                   coalesce(i.decay_units, 0)::BIGINT AS decay_units
            FROM increments AS i
            JOIN {_type_codes(activity_types)} AS c ON i.activity_type = c.activity_type"""
    ).to_arrow_table()
    per_detail = con.sql(
        "SELECT key_id, new_details::INTEGER AS new_details, page_change::INTEGER AS page_change "
        "FROM increments WHERE activity_type IS NULL"
    ).to_arrow_table()
    return per_type, per_detail


def aggregates_of(
    increments: Increments, keys: pd.DataFrame, activity_types: Sequence[str]
) -> Aggregates:
    """The Aggregates of the snapshots in `keys` (key_id 0..n-1 in (lead, as_of) order, with
    lead_rank, as_of_us, ref_us and created_us) from what `query_increments` fetched."""
    per_type, per_detail = increments.per_type, increments.per_detail
    n = len(keys)
    code = per_type.column("code").to_numpy().astype("int16")  # sorted by radix: linear
    by_type = np.argsort(code, kind="stable")

    def column(name: str) -> np.ndarray:
        return per_type.column(name).to_numpy()[by_type]

    key = column("key_id")
    # exact integer sum over types, then one weight per snapshot: D_k = sum over the lead's
    # snapshots j <= k of units_j * 2^-40 * exp(-rate (as_of_k - as_of_j)), scaled to ref_us
    units = np.zeros(n, dtype="int64")  # summed in DuckDB's row order: no need to sort them
    np.add.at(units, *(per_type.column(c).to_numpy() for c in ("key_id", "decay_units")))
    details = np.zeros((2, n), dtype="int32")
    detail_key = per_detail.column("key_id").to_numpy()
    details[0, detail_key] = per_detail.column("new_details").to_numpy()
    details[1, detail_key] = per_detail.column("page_change").to_numpy()

    as_of_us, ref_us = keys["as_of_us"].to_numpy(), keys["ref_us"].to_numpy()
    rate = increments.rate
    decay = units * DECAY_UNIT * np.exp(rate * (as_of_us - ref_us))
    lead = keys["lead_rank"].to_numpy()
    several = bool(n) and lead.max() + 1 < n  # some lead has several snapshots: run them up
    if several:
        decay = _running_sum(decay, lead)  # sequential per lead: deterministic
        details = np.stack([_running_sum(d, lead) for d in details])
    decay = decay * np.exp(-rate * (as_of_us - ref_us))
    return Aggregates(
        activity_types=tuple(activity_types),
        as_of_us=as_of_us,
        created_us=keys["created_us"].to_numpy(),
        type_starts=np.searchsorted(code[by_type], np.arange(len(activity_types) + 1)),
        key=key,
        adds=column("adds"),
        leaves={w: column(f"leave_{w}") for w in increments.windows},
        last_t=column("last_t"),
        lead=lead if several else None,
        decay=decay,
        distinct_details=details[0].astype("float64"),
        distinct_pages=details[1].astype("float64"),
    )


def choose_plan(con: duckdb.DuckDBPyConnection) -> str:
    """`direct` when every snapshot has the same as_of (scoring), else `cumulative`."""
    (dates,) = con.execute("SELECT count(DISTINCT as_of_us) FROM keys").fetchall()[0]
    return "direct" if dates <= 1 else "cumulative"


def check_decay_range(keys: pd.DataFrame, half_life_days: float) -> None:
    """The cumulative plan's decay weights must stay inside float64 range."""
    span_us = int((keys["as_of_us"] - keys["ref_us"]).max()) if len(keys) else 0
    if span_us * decay_rate_per_us(half_life_days) > MAX_DECAY_EXPONENT:
        raise LeadscoreError(
            f"params.yaml: features.half_life_days={half_life_days} is too short for snapshots "
            f"of one lead spanning {span_us / DAY_US:.0f} days; raise it or cap the snapshots"
        )


def query_increments(
    con: duckdb.DuckDBPyConnection,
    keys: pd.DataFrame,
    *,
    activity_types: Sequence[str],
    windows_days: Sequence[int],
    half_life_days: float,
    plan: str = "auto",
) -> Increments:
    """The increments of the snapshots in table `keys` from view `activities`.

    Table (and frame) `keys`: key_id, lead_id, as_of (TIMESTAMP), as_of_us, ref_us (the
    lead's first as_of_us).
    """
    if plan == "auto":
        plan = choose_plan(con)
    windows = count_windows(windows_days)
    rate = decay_rate_per_us(half_life_days)
    if plan == "direct":
        dates = keys["as_of_us"].unique()
        if len(dates) > 1:
            raise LeadscoreError(
                "params.yaml: features.engine.plan 'direct' needs one as_of for all pairs; use auto"
            )
        as_of_us = int(dates[0]) if len(dates) else 0
        per_type_sql, per_detail_sql = direct_sql(as_of_us, windows, rate, activity_types)
        per_type = con.sql(per_type_sql).to_arrow_table()
        per_detail = con.sql(per_detail_sql).to_arrow_table()
    elif plan == "cumulative":
        check_decay_range(keys, half_life_days)
        con.execute(cumulative_sql(windows, rate))
        per_type, per_detail = _fetch(con, activity_types, windows)
        con.execute("DROP TABLE increments")
    else:
        raise ValueError(f"unknown plan {plan!r}; use auto, direct or cumulative")
    return Increments(per_type, per_detail, windows, rate, plan)


# --- the features ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BehaviouralFeature:
    name: str
    meaning: str
    family: str  # behavioural | negative
    compute: Callable[[Aggregates], np.ndarray]


def _family(activity_type: str) -> str:
    return "negative" if activity_type in NEGATIVE_TYPES else "behavioural"


def velocity_7d_vs_30d(a: Aggregates) -> np.ndarray:
    recent = a.count(window=VELOCITY_RECENT_DAYS)
    longer = a.count(window=VELOCITY_RECENT_DAYS + VELOCITY_PRIOR_DAYS)
    rate_recent = recent / VELOCITY_RECENT_DAYS
    rate_prior = (longer - recent) / VELOCITY_PRIOR_DAYS
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(longer > 0, rate_recent / (rate_recent + rate_prior), np.nan)


def intent_share_30d(a: Aggregates) -> np.ndarray:
    intent = sum(a.count(t, INTENT_DAYS) for t in INTENT_TYPES)
    total = a.count(window=INTENT_DAYS)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, intent / total, np.nan)


def ever(*activity_types: str) -> Callable[[Aggregates], np.ndarray]:
    return lambda a: (sum(a.count(t) for t in activity_types) > 0).astype("float64")


def inactive(inactivity_days: int) -> Callable[[Aggregates], np.ndarray]:
    def compute(a: Aggregates) -> np.ndarray:
        quiet = np.nan_to_num(a.days_since_last(), nan=np.inf) > inactivity_days
        old_enough = (a.as_of_us - a.created_us) >= inactivity_days * DAY_US
        return (quiet & old_enough).astype("float64")

    return compute


def behavioural_features(
    activity_types: Sequence[str],
    *,
    windows_days: Sequence[int],
    half_life_days: float,
    inactivity_days: int,
) -> list[BehaviouralFeature]:
    """Every behavioural and negative feature in matrix order, with its meaning."""
    windows = sorted({int(w) for w in windows_days})
    out: list[BehaviouralFeature] = []
    for t in activity_types:
        for w in windows:
            out.append(
                BehaviouralFeature(
                    f"count_{t}_{w}d",
                    f"{t} activities in the {w} days before as_of",
                    _family(t),
                    lambda a, t=t, w=w: a.count(t, w),
                )
            )
        out.append(
            BehaviouralFeature(
                f"count_{t}_all",
                f"{t} activities before as_of",
                _family(t),
                lambda a, t=t: a.count(t),
            )
        )
    for t in activity_types:
        out.append(
            BehaviouralFeature(
                f"days_since_last_{t}",
                f"days since the last {t} (NaN if never)",
                _family(t),
                lambda a, t=t: a.days_since_last(t),
            )
        )
    for w in windows:
        out.append(
            BehaviouralFeature(
                f"count_activities_{w}d",
                f"activities of any type in the {w} days before as_of",
                "behavioural",
                lambda a, w=w: a.count(window=w),
            )
        )
    pages = ", ".join(PAGE_TYPES)
    out += [
        BehaviouralFeature(
            "count_activities_all", "activities of any type", "behavioural", lambda a: a.count()
        ),
        BehaviouralFeature(
            "days_since_last_activity",
            "days since the last activity of any type (NaN if never)",
            "behavioural",
            lambda a: a.days_since_last(),
        ),
        BehaviouralFeature(
            "engagement_decayed",
            f"activities weighted by 2^(-age / {half_life_days:g} days), summed: recent "
            "counts more",
            "behavioural",
            lambda a: a.decay,
        ),
        BehaviouralFeature(
            "velocity_7d_vs_30d",
            "daily rate of the last 7 days / (that + daily rate of the 30 days before); "
            "0.5 steady, 1 all recent, 0 gone quiet, NaN if no activity in 37 days",
            "behavioural",
            velocity_7d_vs_30d,
        ),
        BehaviouralFeature(
            "distinct_details_all",
            "distinct pages and content items (activity detail) before as_of",
            "behavioural",
            lambda a: a.distinct_details,
        ),
        BehaviouralFeature(
            "distinct_pages_30d",
            f"distinct pages viewed ({pages}) in the last {PAGES_DAYS} days",
            "behavioural",
            lambda a: a.distinct_pages,
        ),
        BehaviouralFeature(
            "intent_share_30d",
            f"share of the last {INTENT_DAYS} days' activities that are {', '.join(INTENT_TYPES)} "
            "(NaN if none)",
            "behavioural",
            intent_share_30d,
        ),
        BehaviouralFeature(
            "demo_or_trial_ever",
            "1 if a demo was requested or a trial started before as_of",
            "behavioural",
            ever("demo_request", "trial_signup"),
        ),
        BehaviouralFeature(
            "unsubscribed_ever",
            "1 if the lead unsubscribed before as_of",
            "negative",
            ever("unsubscribe"),
        ),
        BehaviouralFeature(
            "bounced_ever", "1 if an e-mail to the lead bounced", "negative", ever("email_bounce")
        ),
        BehaviouralFeature(
            "inactive",
            f"1 if the lead is at least {inactivity_days} days old and did nothing in the last "
            f"{inactivity_days} days",
            "negative",
            inactive(inactivity_days),
        ),
    ]
    return out
