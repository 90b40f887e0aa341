"""One scoring run at a time: an OS file lock that a second run finds held and stops on.

The lock is an flock on a small file (filelock), so the kernel releases it when the holding
process ends for any reason, including kill -9: a crashed run never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from features.errors import LeadscoreError

DEFAULT_LOCK = ".leadscore.lock"
LOCK_HELD_EXIT = 4


@contextlib.contextmanager
def single_run(
    path: str | Path = DEFAULT_LOCK, *, command: str = "leadscore score"
) -> Iterator[None]:
    """Hold the lock for the block; raise at once (exit code 4) when another run holds it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise LeadscoreError(
            f"{path}: another `{command}` run holds the lock; wait for it to finish "
            "(the lock is released when that process ends)",
            exit_code=LOCK_HELD_EXIT,
        ) from None
    try:
        yield
    finally:
        lock.release()
