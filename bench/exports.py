"""The two public exports end to end, as configured: the figures of the README results table.

    .venv/bin/python bench/exports.py            # needs ../shared/data beside the checkout

Runs configs/xeducation.yaml (the detector's own choice), its rep_columns_excluded variant
(the fixed exclusion of the columns sales reps wrote), configs/olist.yaml, and each export once
more with shuffled labels (no signal: the run must refuse to promote). Outputs and the MLflow
store go to a temporary folder, so the project's reports and registry are left alone. Prints
wall time and peak memory per run, then the results table as markdown.
"""

from __future__ import annotations

import logging
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from features.sources import load_source  # noqa: E402
from pipeline.export_run import run_export  # noqa: E402
from pipeline.params import load_params  # noqa: E402

RUNS = [
    ("configs/xeducation.yaml", None, False),
    ("configs/xeducation.yaml", "rep_columns_excluded", False),
    ("configs/olist.yaml", None, False),
    ("configs/xeducation.yaml", "rep_columns_excluded", True),
    ("configs/olist.yaml", None, True),
]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def row(result: dict, shuffled: bool) -> str:
    data, test, base = result["dataset"], result["test"], result["baselines"]
    protocol = result["protocol"]
    if protocol["kind"] == "cross_validation":
        folds = protocol["per_fold"]["lightgbm"]
        spread = f"fold mean {folds['roc_auc_mean']:.3f} ± {folds['roc_auc_std']:.3f}"
        how = f"{protocol['folds']}-fold CV ({spread})"
    else:
        test_window = protocol["windows"]["test"]
        span = f"{test_window['first']}..{test_window['last']}"
        how = f"out of time: test {span} ({test_window['rows']} leads)"
    removed = ", ".join(result["features"]["excluded_for_leakage"]) or "none"
    figures = " | ".join(
        f"{m['roc_auc']:.3f} / {m['pr_auc']:.3f} / {m['ece']:.3f}"
        for m in (test, base["frequency_nb"], base["logistic"])
    )
    name = data["source"] + (" (labels shuffled)" if shuffled else "")
    return (
        f"| {name} | {data['rows']:,} | {100 * data['positive_rate']:.1f} % | {how} | "
        f"{test['roc_auc']:.3f} [{test['roc_auc_ci_low']:.3f}, {test['roc_auc_ci_high']:.3f}] | "
        f"{figures} | {removed} | {result['promotion']['decision']} |"
    )


def main() -> int:
    if not (ROOT.parent / "shared" / "data").is_dir():
        print("../shared/data is absent: put the public exports beside the checkout")
        return 1
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    params = load_params(ROOT / "params.yaml")
    rows = []
    with tempfile.TemporaryDirectory(prefix="leadscore-exports-") as tmp:
        uri = f"sqlite:///{tmp}/mlflow.db"
        for config_path, variant, shuffled in RUNS:
            config = load_source(ROOT / config_path, root=ROOT, variant=variant)
            started = time.perf_counter()
            result = run_export(
                config, params=params, root=Path(tmp), uri=uri, shuffle_labels=shuffled
            )
            seconds = time.perf_counter() - started
            per_fold = result["protocol"].get("per_fold", {}).get("lightgbm")
            fold_mean = f" (fold mean {per_fold['roc_auc_mean']:.4f})" if per_fold else ""
            print(
                f"{config.run_name}{' shuffled' if shuffled else ''}: {seconds:.1f} s wall, "
                f"peak RSS {peak_rss_mb():.0f} MB, ROC AUC {result['test']['roc_auc']:.4f}"
                f"{fold_mean}, {result['promotion']['decision']}",
                flush=True,
            )
            for reason in result["promotion"]["reasons"]:
                print(f"    {reason}")
            rows.append(row(result, shuffled))
    print()
    print(
        "| export | rows | converted | protocol | model ROC AUC [95 % CI] "
        "| model ROC / PR AUC / ECE | frequency NB | logistic | removed by leakage detection "
        "| promotion |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
