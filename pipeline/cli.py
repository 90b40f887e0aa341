"""The `leadscore` command line: one sub-command per stage module in pipeline/.

Each stage module defines add_arguments(parser) and run(args) -> exit code; its one-line help
is listed in COMMANDS below.
A LeadscoreError becomes one line on stderr and its exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from features.errors import LeadscoreError

# sub-command -> (module in pipeline/, one-line help). Only the chosen sub-command's module is
# imported, so `leadscore --help` and light commands do not pay for MLflow or LightGBM.
COMMANDS: dict[str, tuple[str, str]] = {
    "generate": (
        "pipeline.generate",
        "Generate the synthetic CRM history (data/raw) and its Bayes limit (data/ground_truth)",
    ),
    "ingest": (
        "pipeline.ingest",
        "Validate and normalise the CRM export into data/interim/ (rejects to data/quarantine/)",
    ),
    "featurize": (
        "pipeline.featurize",
        "Build point-in-time snapshots and train / validation / test feature sets",
    ),
    "train": (
        "pipeline.train",
        "Train the model and baselines, evaluate on the test window, register and gate in MLflow",
    ),
    "economics": (
        "pipeline.economics",
        "Routes, tiers and score thresholds from money; channel economics; a learned point table",
    ),
    "report": (
        "pipeline.report",
        "Merge reports/metrics/*.json into reports/metrics.json and write reports/report.html",
    ),
    "score": (
        "pipeline.score",
        "Score every open lead as of a date into the CRM import file (data/scores/scores.csv)",
    ),
    "evaluate-live": (
        "pipeline.evaluate_live",
        "Compare realised conversions and profit of the model arm against the control arm",
    ),
    "run-export": (
        "pipeline.export_run",
        "Run a real CRM export end to end from a source config (configs/*.yaml)",
    ),
    "where": ("pipeline.where", "Show where the pipeline's results are"),
}


def chosen_command(argv: list[str]) -> str | None:
    """The first argument that names a sub-command (options before it are global)."""
    return next((arg for arg in argv if arg in COMMANDS), None)


def build_parser(argv: list[str]) -> tuple[argparse.ArgumentParser, object | None]:
    parser = argparse.ArgumentParser(
        prog="leadscore", description="Predictive lead scoring: open, calibrated, explainable."
    )
    parser.add_argument("--params", default="params.yaml", help="parameter file (params.yaml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = chosen_command(argv)
    module = None
    for name, (module_name, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = importlib.import_module(module_name)
            module.add_arguments(command)
    return parser, module


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    for noisy in ("mlflow", "alembic", "urllib3", "git", "numexpr", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser, module = build_parser(argv)
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 1
    configure_logging(args.verbose)
    try:
        return int(module.run(args) or 0)
    except LeadscoreError as exc:
        print(f"leadscore {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"leadscore {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
