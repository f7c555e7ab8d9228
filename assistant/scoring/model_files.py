"""Trained model files, loaded once per process.

The answer scorer and the reranker are read from disk at the first question and shared by
every engine of the process after that; a file replaced on disk (a new `make train`) is read
again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_LOADED: dict[tuple[str, str, float], Any] = {}
_LOCK = threading.Lock()


def load_once(build: Callable[[Path], T], where: Path, stamp: Path | None = None) -> T:
    """``build(where)``, kept and shared until ``stamp`` (default ``where`` itself) changes on
    disk. A path that cannot be read is left to ``build``, whose error names the file."""
    try:
        key = (build.__qualname__, str(where.resolve()), (stamp or where).stat().st_mtime)
    except OSError:
        return build(where)
    with _LOCK:
        if key not in _LOADED:
            _LOADED[key] = build(where)
        return _LOADED[key]
