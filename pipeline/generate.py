"""`leadscore generate`: write the synthetic CRM export and its Bayes-limit ground truth."""

from __future__ import annotations

import argparse

from features.errors import LeadscoreError
from pipeline.params import load_params, section
from synthetic.generator import GeneratorConfig, generate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out-dir",
        default=".",
        help="project root to write data/raw and data/ground_truth under (default: .)",
    )


def config_from_params(params: dict) -> GeneratorConfig:
    """The generator's configuration from params.yaml (generate, seed, snapshots)."""
    gen = section(params, "generate")
    try:
        return GeneratorConfig(
            n_leads=int(gen["n_leads"]),
            months=int(gen["months"]),
            start=str(gen["start"]),
            activity_rate=float(gen["activity_rate"]),
            duplicate_share=float(gen["duplicate_share"]),
            invalid_share=float(gen["invalid_share"]),
            ground_truth=bool(gen.get("ground_truth", True)),
            chunk_leads=int(gen["chunk_leads"]),
            seed=int(section(params, "seed")),
            snapshot_frequency=str(section(params, "snapshots.frequency")),
            horizon_days=int(section(params, "snapshots.horizon_days")),
        )
    except KeyError as exc:
        raise LeadscoreError(
            f"params.yaml: missing key 'generate.{exc.args[0]}'; add it (see README)"
        ) from None
    except (TypeError, ValueError) as exc:
        raise LeadscoreError(f"params.yaml: generate section has a bad value ({exc})") from None


def run(args: argparse.Namespace) -> int:
    config = config_from_params(load_params(args.params))
    meta = generate(config, root=args.out_dir)
    rows = ", ".join(f"{table} {count:,}" for table, count in sorted(meta["rows"].items()))
    print(f"generated {meta['history_start']} .. {meta['history_end']}: {rows}")
    return 0
