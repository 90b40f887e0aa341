"""Streaming the generated CRM to disk chunk by chunk; files appear only when complete.

Every file is written to a temporary path beside its target (pipeline.outputs.atomic_path) and
renamed when the whole run succeeded, so a failed run leaves the previous export in place.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from types import TracebackType

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.outputs import atomic_path
from synthetic.export import ACTIVITY_SCHEMA, BAYES_LIMIT_SCHEMA

RAW_DIR = "data/raw"
GROUND_TRUTH_DIR = "data/ground_truth"
PARQUET_OPTIONS = {"compression": "zstd", "use_dictionary": True, "write_statistics": True}


class CrmWriter:
    """Appends chunks to leads.csv, outcomes.csv, activities.parquet and bayes_limit.parquet."""

    def __init__(self, root: str | Path, ground_truth: bool):
        self.root = Path(root)
        self.ground_truth = ground_truth
        self._stack = contextlib.ExitStack()
        self._csv_started: set[str] = set()
        self.rows: dict[str, int] = {"leads": 0, "outcomes": 0, "activities": 0, "bayes_limit": 0}

    def __enter__(self) -> CrmWriter:
        raw, truth = self.root / RAW_DIR, self.root / GROUND_TRUTH_DIR
        self._paths = {
            "leads": self._stack.enter_context(atomic_path(raw / "leads.csv")),
            "outcomes": self._stack.enter_context(atomic_path(raw / "outcomes.csv")),
            "activities": self._stack.enter_context(atomic_path(raw / "activities.parquet")),
        }
        self._activities = pq.ParquetWriter(
            self._paths["activities"], ACTIVITY_SCHEMA, **PARQUET_OPTIONS
        )
        self._stack.callback(self._activities.close)
        if self.ground_truth:
            path = self._stack.enter_context(atomic_path(truth / "bayes_limit.parquet"))
            self._bayes = pq.ParquetWriter(path, BAYES_LIMIT_SCHEMA, **PARQUET_OPTIONS)
            self._stack.callback(self._bayes.close)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        return self._stack.__exit__(exc_type, exc, traceback)

    def leads(self, frame: pd.DataFrame) -> None:
        self._append_csv("leads", frame)

    def outcomes(self, frame: pd.DataFrame) -> None:
        self._append_csv("outcomes", frame)

    def activities(self, table: pa.Table) -> None:
        self._activities.write_table(table)
        self.rows["activities"] += table.num_rows

    def bayes_limit(self, table: pa.Table) -> None:
        if self.ground_truth:
            self._bayes.write_table(table)
            self.rows["bayes_limit"] += table.num_rows

    def _append_csv(self, name: str, frame: pd.DataFrame) -> None:
        header = name not in self._csv_started
        frame.to_csv(self._paths[name], mode="w" if header else "a", header=header, index=False)
        self._csv_started.add(name)
        self.rows[name] += len(frame)


def write_csv(target: str | Path, frame: pd.DataFrame) -> None:
    """A small table written in one go."""
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, index=False)
