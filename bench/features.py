"""Benchmark of build_feature_matrix: nightly scoring on 1M leads / 50M activities, and training.

    .venv/bin/python bench/features.py [--data DIR] [--leads N] [--activities N]

Data: the interim tables of the generator's 1M-lead bench CRM when they exist
(bench/out/interim), else a contract-shaped random data set that DuckDB writes once to
bench/out/features_data/ (deterministic: hash-based). Each measurement runs in a fresh child
process so that its peak RSS is its own.
- scoring: every open lead as of the day after the data ends (the `direct` plan), and the same
  for all leads as if none had closed (the worst case); target <= 30 s and <= 4 GB on 2 cores;
- training: weekly snapshots over a sample of leads (the `cumulative` plan), as seconds per
  1,000 snapshots.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GENERATOR_INTERIM = ROOT / "bench" / "out" / "interim"
OWN_DATA = ROOT / "bench" / "out" / "features_data"
START = "2024-01-01"
DAYS = 730

ACTIVITY_WEIGHTS = {
    "email_open": 30, "web_visit": 28, "email_click": 8, "pricing_page_view": 6,
    "content_download": 6, "sales_call": 4, "meeting": 2, "form_submit": 2,
    "webinar_registered": 2, "demo_request": 2, "unsubscribe": 2, "careers_page_view": 2,
    "email_bounce": 2, "webinar_attended": 2, "trial_signup": 2,
}  # fmt: skip
PAGES = ["/", "/about", "/pricing", "/pricing/enterprise", "/demo", "/trial", "/careers"] + [
    f"/blog/post-{i}" for i in range(20)
]
TITLES = ["VP Marketing", "vp, marketing", "Head of Growth", "Marketing Intern", "student",
          "CMO", "Sr. Marketing Manager", "Dir. Demand Gen", "Software Engineer", "IT Manager",
          "Founder & CEO", "Account Executive", "Marketing Coordinator", "Analyst"]  # fmt: skip


CHANNELS = ["paid_search", "organic_search", "referral", "webinar", "events", "outbound", "social"]
COUNTRIES = ["us", "de", "gb", "fr", "united states", "in", "br", "au", "nl", "germany"]
INDUSTRIES = ["software", "retail", "healthcare", "education", "non-profit", "manufacturing"]


def _pick(values: list[str], salt: int, i: str = "i") -> str:
    """SQL: one of `values`, chosen by a hash of the row number (deterministic, not random())."""
    listed = "[" + ", ".join("'" + v + "'" for v in values) + "]"
    return f"{listed}[(1 + hash({i}, {salt}) % {len(values)})::BIGINT]"


def _uniform(i: str, salt: int) -> str:
    """SQL: a deterministic uniform [0, 1) from a row number."""
    return f"((hash({i}, {salt}) % 1000003) / 1000003.0)"


def synthesise(out: Path, n_leads: int, n_activities: int) -> None:
    """leads / activities / outcomes Parquet with the interim contract columns and types."""
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    day_us = 86_400_000_000
    end = f"TIMESTAMP '{START}' + INTERVAL {DAYS} DAY"

    def created(i: str) -> str:  # leads arrive evenly over the history
        return (
            f"(TIMESTAMP '{START}' + to_microseconds(({i} / {n_leads} * {DAYS * day_us})::BIGINT))"
        )

    def lead_id(i: str) -> str:
        return f"'L' || lpad(({i})::VARCHAR, 8, '0')"

    types = [t for t, w in ACTIVITY_WEIGHTS.items() for _ in range(w)]
    con = duckdb.connect(config={"memory_limit": "3GB", "threads": 2})
    con.execute("SET enable_progress_bar = false")
    con.execute(f"""COPY (
      SELECT {lead_id("i")} AS lead_id, {created("i")} AS created_at,
        {_pick(CHANNELS, 1)} AS channel,
        'campaign-' || (hash(i, 2) % 60)::VARCHAR AS campaign,
        {_pick(COUNTRIES, 3)} AS country,
        {_pick(INDUSTRIES, 4)} AS industry,
        CASE WHEN hash(i, 5) % 8 = 0 THEN NULL
             ELSE floor(exp({_uniform("i", 6)} * 9)) END::DOUBLE AS employees,
        {_pick(TITLES, 7)} || CASE WHEN hash(i, 17) % 2 = 0
                                  THEN ', team ' || (hash(i, 18) % 2500)::VARCHAR ELSE '' END
          AS job_title,
        CASE hash(i, 8) % 10 WHEN 0 THEN 'gmail.com' WHEN 1 THEN 'mit.edu' WHEN 2 THEN 'hubspot.com'
          WHEN 3 THEN NULL WHEN 4 THEN 'n/a'
          ELSE 'company' || (hash(i, 16) % 200000)::VARCHAR || '.com' END AS email_domain,
        hash(i, 9) % 2 = 0 AS has_phone
      FROM range({n_leads}) AS t(i)
    ) TO '{out}/leads.parquet' (FORMAT parquet)""")
    pages = "('web_visit', 'pricing_page_view', 'careers_page_view', 'content_download')"
    con.execute(f"""COPY (
      SELECT lead_id,
             created_at + to_microseconds(({_uniform("i", 12)} *
               (epoch_us({end}) - epoch_us(created_at)))::BIGINT) AS occurred_at,
             activity_type,
             CASE WHEN activity_type IN {pages} THEN {_pick(PAGES, 13)} END AS detail
      FROM (SELECT i, {lead_id(f"hash(i, 10) % {n_leads}")} AS lead_id,
                   {created(f"(hash(i, 10) % {n_leads})")} AS created_at,
                   {_pick(types, 11)} AS activity_type
            FROM range({n_activities}) AS t(i))
      ORDER BY lead_id, occurred_at  -- the interim layout: the generator writes leads in order
    ) TO '{out}/activities.parquet' (FORMAT parquet)""")
    # A tenth of the leads closed (a quarter of those converted): most leads stay open.
    con.execute(f"""COPY (
      SELECT lead_id,
             CASE WHEN hash(i, 14) % 4 = 0 THEN 'converted' ELSE 'disqualified' END AS status,
             created_at + INTERVAL 20 DAY AS closed_at,
             CASE WHEN hash(i, 14) % 4 = 0 THEN 5000.0 END AS deal_value
      FROM (SELECT i, {lead_id("i")} AS lead_id, {created("i")} AS created_at
            FROM range({n_leads}) AS t(i))
      WHERE hash(i, 15) % 10 = 0 AND created_at + INTERVAL 20 DAY < {end}
    ) TO '{out}/outcomes.parquet' (FORMAT parquet)""")
    con.close()


def _params() -> dict:
    from pipeline.params import load_params

    params = load_params(ROOT / "params.yaml")
    params["features"].setdefault("engine", {})["temp_directory"] = str(
        ROOT / "bench" / "out" / "tmp"
    )
    return params


def _cpu_seconds() -> float:
    """CPU time of this process, all threads: the share of a busy shared machine it used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(phase: str, data: Path, sample_leads: int, weeks: int) -> dict:
    """One measurement inside this (child) process."""
    import pandas as pd

    from features.build import build_feature_matrix
    from features.snapshots import build_snapshots, history_bounds, open_leads

    params = _params()
    leads = pd.read_parquet(data / "leads.parquet", columns=["lead_id", "created_at"])
    outcomes = pd.read_parquet(
        data / "outcomes.parquet", columns=["lead_id", "status", "closed_at"]
    )
    _, end = history_bounds(data)
    as_of = end.normalize() + pd.Timedelta(days=1)
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    if phase == "score_open":
        pairs = open_leads(leads, outcomes, as_of)
    elif phase == "score_all":
        pairs = pd.DataFrame({"lead_id": leads["lead_id"], "as_of": as_of})
    else:
        sample = leads.iloc[:: max(1, len(leads) // sample_leads)]
        dates = pd.date_range(end=end.normalize(), periods=weeks, freq="W-MON")
        snaps = build_snapshots(
            sample, outcomes, as_of_dates=dates, horizon_days=90, history_end=end
        )
        pairs = snaps[["lead_id", "as_of"]]
    matrix = build_feature_matrix(pairs, interim_dir=data, params=params)
    wall, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "phase": phase,
        "rows": len(matrix),
        "leads": int(matrix["lead_id"].nunique()),
        "columns": matrix.shape[1],
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "peak_rss_mb": round(peak_mb),
        "s_per_1000_snapshots": round(1000 * wall / max(len(matrix), 1), 4),
    }


def _child(phase: str, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--phase", phase, "--data", str(args.data),
               "--sample-leads", str(args.sample_leads), "--weeks", str(args.weeks)]  # fmt: skip
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="interim tables to read")
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--activities", type=int, default=50_000_000)
    parser.add_argument("--sample-leads", type=int, default=50_000, help="training sample")
    parser.add_argument("--weeks", type=int, default=8, help="training as-of dates")
    parser.add_argument("--phase", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(measure(args.phase, args.data, args.sample_leads, args.weeks)))
        return 0
    if args.data is None:
        args.data = (
            GENERATOR_INTERIM if (GENERATOR_INTERIM / "leads.parquet").exists() else OWN_DATA
        )
    if not (args.data / "activities.parquet").exists():
        print(f"writing {args.leads:,} leads / {args.activities:,} activities to {args.data} ...")
        started = time.perf_counter()
        synthesise(args.data, args.leads, args.activities)
        print(f"  done in {time.perf_counter() - started:.0f} s")
    import duckdb

    counts = {
        t: duckdb.sql(f"SELECT count(*) FROM read_parquet('{args.data}/{t}.parquet')").fetchall()[
            0
        ][0]  # fmt: skip
        for t in ("leads", "activities")
    }
    print(f"data: {args.data} ({counts['leads']:,} leads, {counts['activities']:,} activities)")
    print("machine: 2 cores (DuckDB threads=2, memory_limit from params.yaml)")
    for phase, title in (
        ("score_open", "scoring, open leads at one date"),
        ("score_all", "scoring, every lead at one date (worst case)"),
        ("train", f"training, {args.weeks} weekly as-of dates over a sample"),
    ):
        result = _child(phase, args)
        print(
            f"{title}: {result['rows']:,} rows x {result['columns'] - 2} features in "
            f"{result['wall_s']:.1f} s wall ({result['cpu_s']:.1f} s CPU), "
            f"peak RSS {result['peak_rss_mb']:,} MB, "
            f"{result['s_per_1000_snapshots']:.3f} s per 1,000 snapshots"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
