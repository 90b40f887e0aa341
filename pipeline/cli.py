"""The `leadscore` command line: one sub-command per stage module in pipeline/.

Each stage module defines HELP (one line), add_arguments(parser) and run(args) -> exit code.
A LeadscoreError becomes one line on stderr and its exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from features.errors import LeadscoreError

# sub-command -> module in pipeline/
COMMANDS: dict[str, str] = {
    "generate": "pipeline.generate",
    "ingest": "pipeline.ingest",
    "featurize": "pipeline.featurize",
    "train": "pipeline.train",
    "economics": "pipeline.economics",
    "report": "pipeline.report",
    "score": "pipeline.score",
    "evaluate-live": "pipeline.evaluate_live",
    "where": "pipeline.where",
}


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, object]]:
    parser = argparse.ArgumentParser(
        prog="leadscore", description="Predictive lead scoring: open, calibrated, explainable."
    )
    parser.add_argument("--params", default="params.yaml", help="parameter file (params.yaml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules: dict[str, object] = {}
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # stage not built yet
            raise
        modules[name] = module
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
    return parser, modules


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
    parser, modules = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 1
    configure_logging(args.verbose)
    try:
        return int(modules[args.command].run(args) or 0)
    except LeadscoreError as exc:
        print(f"leadscore {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"leadscore {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
