"""Who may use an embedded store folder at the same time.

Processes sharing one embedded Chroma folder do not see each other's vector writes (each keeps
its own copy of the vector index), so an ingest run beside a server leaves the server unable
to search what was written. A lock file in the folder keeps them apart: servers hold it shared
(several may serve one folder, read-mostly), ``trialqa ingest`` holds it exclusively. Whoever
comes second is refused at once, in one line that says what holds the folder. The lock is an
``flock``: it goes away with the process that held it, however that process ended.

A Chroma server (``store.kind = "http"``) takes no lock: the server orders the writes itself.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.errors import ConfigError

LOCK_NAME = "in-use.lock"


@contextmanager
def holding(folder: Path, purpose: str, *, exclusive: bool) -> Iterator[None]:
    """Hold ``folder``'s lock for the block; ConfigError when a conflicting holder has it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
            raise ConfigError(_refusal(folder, purpose, holder)) from None
        os.ftruncate(fd, 0)  # who holds it, for the message of whoever is refused
        os.pwrite(fd, f"trialqa {purpose} (pid {os.getpid()})".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _refusal(folder: Path, purpose: str, holder: str) -> str:
    if holder.startswith("trialqa serve"):
        advice = "upload through the running server (POST /v1/documents) or stop it first"
    else:
        advice = "wait for it to finish"
    return f"cannot {purpose}: the store {folder} is in use by {holder}; {advice}"
