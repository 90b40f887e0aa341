"""The control group: a stable, configured share of leads routed by the legacy point table.

A lead's arm depends only on its id (and a salt): sha256("<salt>:<lead_id>") read as a number in
[0, 1). Below ``control_share`` it is a control lead. The same lead stays in the same arm every
night and on every machine, which is what makes the realised conversions of the two arms
comparable later (`leadscore evaluate-live`). Changing the salt draws a fresh control group.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from features.errors import LeadscoreError

MODEL, CONTROL = "model", "control"
ARMS: tuple[str, ...] = (MODEL, CONTROL)
DEFAULT_SALT = "leadscore-control-v1"
_SCALE = float(2**64)
# the first 8 bytes of the digest = its first 16 hex digits, read as an unsigned 64-bit number
_FIRST_8_BYTES = "('0x' || left(sha256($salt || lead_id), 16))::UBIGINT"


def _as_text(lead_ids: Iterable[str]) -> pa.Array:
    """The ids as Arrow strings: no copy for a ``str`` Series, str(id) for anything else."""
    if isinstance(lead_ids, pd.Series) and isinstance(lead_ids.dtype, pd.StringDtype):
        return pa.array(lead_ids, type=pa.large_string())
    return pa.array([str(i) for i in lead_ids], type=pa.large_string())


def uniform_of(lead_ids: Iterable[str], salt: str = DEFAULT_SALT) -> np.ndarray:
    """A number in [0, 1) per lead id, from the first 8 bytes of sha256(salt:lead_id)."""
    ids = _as_text(lead_ids)
    if ids.null_count:
        raise LeadscoreError("lead_id: missing in some rows; every lead needs an id for its arm")
    # DuckDB's sha256 over the whole column: a million ids in a fraction of a second, where
    # hashlib needs a Python call per id; the tests hold it to hashlib, bit for bit
    with duckdb.connect(config={"threads": 1}) as con:
        con.register("ids", pa.table({"lead_id": ids}))
        numbers = con.sql(f"SELECT {_FIRST_8_BYTES} AS n FROM ids", params={"salt": f"{salt}:"})
        first_8_bytes = numbers.to_arrow_table()["n"].to_numpy()
    return first_8_bytes.astype(np.float64) / _SCALE


def assign_arms(
    lead_ids: Iterable[str], control_share: float, salt: str = DEFAULT_SALT
) -> np.ndarray:
    """'control' for a stable ``control_share`` of the ids, 'model' for the rest."""
    return np.where(in_control(lead_ids, control_share, salt), CONTROL, MODEL)


def in_control(
    lead_ids: Iterable[str], control_share: float, salt: str = DEFAULT_SALT
) -> np.ndarray:
    """True for the ids of the control arm (a stable ``control_share`` of them)."""
    if not 0 <= control_share < 1:
        raise LeadscoreError(
            f"params.yaml: scoring.control_share must be in [0, 1), got {control_share}"
        )
    return uniform_of(lead_ids, salt) < control_share
