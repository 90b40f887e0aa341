"""Reading the ingested tables (data/interim/<table>.parquet) with their contract types."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from features import contract
from features.errors import LeadscoreError

# Nullable Parquet types as pandas' nullable dtypes (the default would give object / float).
_NULLABLE = {pa.bool_(): pd.BooleanDtype(), pa.int64(): pd.Int64Dtype()}


def read_interim(
    table: str, root: str | Path = ".", columns: list[str] | None = None
) -> pd.DataFrame:
    """One ingested table: strings as str, timestamps as naive datetime64[us], has_phone boolean."""
    if table not in contract.TABLES:
        raise ValueError(f"unknown table {table!r}; one of {sorted(contract.TABLES)}")
    path = Path(contract.interim_path(table, str(root)))
    if not path.exists():
        raise LeadscoreError(f"{path}: not found; run `leadscore ingest` first")
    return pq.read_table(path, columns=columns).to_pandas(types_mapper=_NULLABLE.get)
