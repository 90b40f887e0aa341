"""The control group: a stable, configured share of leads routed by the legacy point table.

A lead's arm depends only on its id (and a salt): sha256("<salt>:<lead_id>") read as a number in
[0, 1). Below ``control_share`` it is a control lead. The same lead stays in the same arm every
night and on every machine, which is what makes the realised conversions of the two arms
comparable later (`leadscore evaluate-live`). Changing the salt draws a fresh control group.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

from features.errors import LeadscoreError

MODEL, CONTROL = "model", "control"
ARMS: tuple[str, ...] = (MODEL, CONTROL)
DEFAULT_SALT = "leadscore-control-v1"
_SCALE = float(2**64)


def uniform_of(lead_ids: Iterable[str], salt: str = DEFAULT_SALT) -> np.ndarray:
    """A number in [0, 1) per lead id, from the first 8 bytes of sha256(salt:lead_id)."""
    prefix = f"{salt}:".encode()
    digests = b"".join(hashlib.sha256(prefix + str(i).encode()).digest()[:8] for i in lead_ids)
    return np.frombuffer(digests, dtype=">u8").astype(np.float64) / _SCALE


def assign_arms(
    lead_ids: Iterable[str], control_share: float, salt: str = DEFAULT_SALT
) -> np.ndarray:
    """'control' for a stable ``control_share`` of the ids, 'model' for the rest."""
    if not 0 <= control_share < 1:
        raise LeadscoreError(
            f"params.yaml: scoring.control_share must be in [0, 1), got {control_share}"
        )
    return np.where(uniform_of(lead_ids, salt) < control_share, CONTROL, MODEL)
