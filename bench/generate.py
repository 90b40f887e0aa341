"""Benchmark of `leadscore generate` at full size: 1M leads, >= 50M activities, streamed.

    .venv/bin/python bench/generate.py [--n-leads 1000000] [--activity-rate 1.1] [--evaluate]

Writes bench/out/params.yaml (the project's params with the bench size) and runs the CLI in a
child process into bench/out/data/{raw,ground_truth}, so the peak RSS is the generator's own.
Prints wall time, peak RSS, rows per table and the conversion rate; --evaluate also reads the
ground truth back and prints the Bayes-limit ROC AUC and mean p over the labelled rows (meant
for small sizes: it loads the tables in memory).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-leads", type=int, default=1_000_000)
    parser.add_argument("--activity-rate", type=float, default=1.1, help="1.1: ~54 per lead")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--evaluate", action="store_true", help="Bayes-limit AUC (small sizes)")
    args = parser.parse_args()

    args.out.mkdir(parents=True, exist_ok=True)
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["generate"].update(n_leads=args.n_leads, activity_rate=args.activity_rate)
    params_file = args.out / "params.yaml"
    params_file.write_text(yaml.safe_dump(params, sort_keys=False))

    command = [sys.executable, "-m", "pipeline.cli", "--params", str(params_file), "generate",
               "--out-dir", str(args.out)]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT)
    wall = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux

    meta = json.loads((args.out / "data/ground_truth/meta.json").read_text())
    rows, counts = meta["rows"], meta["counts"]
    sizes = {
        p.relative_to(args.out).as_posix(): p.stat().st_size / 2**20
        for p in sorted((args.out / "data").rglob("*.*"))
    }
    print(f"leadscore generate: n_leads={args.n_leads:,} activity_rate={args.activity_rate}")
    print(f"  wall time        {wall:8.1f} s")
    print(f"  peak RSS         {peak_mb:8.0f} MiB")
    print(f"  leads            {args.n_leads:>12,} (+ {counts['duplicates']:,} duplicate and "
          f"{counts['invalid_leads']:,} invalid rows)")  # fmt: skip
    print(f"  activities       {rows['activities']:>12,} "
          f"({rows['activities'] / args.n_leads:.1f} per lead)")  # fmt: skip
    for table in ("leads", "outcomes", "channel_costs", "bayes_limit"):
        print(f"  rows {table:<12}{rows[table]:>12,}")
    print(f"  converted        {counts['converted'] / args.n_leads:8.2%} of leads; disqualified "
          f"{counts['disqualified'] / args.n_leads:.2%}")  # fmt: skip
    for name, mib in sizes.items():
        print(f"  {name:<38}{mib:8.1f} MiB")
    if args.evaluate:
        evaluate(args.out, meta)
    return 0


def evaluate(out: Path, meta: dict) -> None:
    """Bayes-limit ROC AUC and mean p over the ground-truth rows whose label is observed."""
    import pandas as pd
    from sklearn.metrics import roc_auc_score

    truth = pd.read_parquet(out / "data/ground_truth/bayes_limit.parquet")
    outcomes = pd.read_csv(out / "data/raw/outcomes.csv", dtype=str)
    outcomes = outcomes[outcomes["lead_id"].isin(truth["lead_id"].unique())]
    outcomes["closed_at"] = pd.to_datetime(outcomes["closed_at"], format="%Y-%m-%d %H:%M:%S")
    converted = outcomes[outcomes["status"].str.lower() == "converted"]
    closed_at = truth["lead_id"].map(converted.set_index("lead_id")["closed_at"])
    horizon = pd.Timedelta(days=meta["horizon_days"])
    labelled = truth["as_of"] + horizon <= pd.Timestamp(meta["history_end"]) + pd.Timedelta(days=1)
    label = (closed_at >= truth["as_of"]) & (closed_at < truth["as_of"] + horizon)
    y, p = label[labelled].astype(int), truth.loc[labelled, "p_convert"]
    print(f"  labelled rows    {len(y):>12,} (as_of + {meta['horizon_days']} days in history)")
    print(f"  label rate       {y.mean():8.4f}   mean p_convert {p.mean():.4f}")
    print(f"  Bayes-limit ROC AUC {roc_auc_score(y, p):.4f}")
    for threshold in (0.02, 0.05, 0.1):
        print(f"  share p > {threshold:<5} {(p > threshold).mean():8.3f}")


if __name__ == "__main__":
    sys.exit(main())
