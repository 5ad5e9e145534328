"""Child-process entry for the key-ring creation race test (imports no Django models)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any


def create_first_key(directory: Path, barrier: Any, queue: Any) -> None:
    """Wait for the sibling process, then try to create the ring's first key."""
    from core.accounts import tokens

    barrier.wait()
    queue.put(tokens._rotate_locked(directory, overlap=timedelta(0), only_if_missing=True))
