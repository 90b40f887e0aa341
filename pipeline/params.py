"""Reading params.yaml: the one place stages get their configuration from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from features.errors import LeadscoreError

PARAMS_FILE = "params.yaml"


def load_params(path: str | Path = PARAMS_FILE) -> dict[str, Any]:
    """The parameters as a nested dict; a missing or broken file is a user error."""
    path = Path(path)
    if not path.exists():
        raise LeadscoreError(f"{path}: not found; run from the project root or pass --params")
    try:
        params = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" line {line + 1}" if line is not None else ""
        raise LeadscoreError(f"{path}{where}: not valid YAML; fix the syntax") from None
    if not isinstance(params, dict):
        raise LeadscoreError(f"{path}: expected a mapping of sections at the top level")
    return params


def section(params: dict[str, Any], dotted: str) -> Any:
    """params['a']['b'] for 'a.b', with a clear error naming the missing key."""
    value: Any = params
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            raise LeadscoreError(f"{PARAMS_FILE}: missing key '{dotted}'; add it (see README)")
        value = value[part]
    return value
