"""The embedding model in processes of its own, for a command that ingests.

An ingest reads files, cuts sentences (pysbd) and writes to Chroma, all Python that holds the
interpreter lock (Chroma's writes hold it in Rust too), and embeds, where PyTorch needs the lock
between every two operations. In one process they take turns: on 2 cores ``trialqa ingest``
kept 1.6 cores busy. Here the model runs in child processes, one per core with one thread
each, which share the cores with the parent's work the way single-threaded processes do (a
multi-threaded encode loses more than the core another process takes: its threads wait for
one another at every operation). The children load the model while the parent starts
reading.

``EmbeddingProcesses`` is an ``Embedder``: ``encode`` splits the texts into one share per child
(equal in characters), sends each down its pipe and gathers the vectors (the parent's lock is
free while it waits). The children start with the object and end with ``close`` (or the
``with`` block).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from typing import Any

import numpy as np

from assistant.errors import ConfigError, TrialQAError


def _serve(connection, options: dict[str, Any]) -> None:
    """A child: embed each list of texts received, until ``None`` or the pipe closes."""
    from assistant.embedding.embedder import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(**options)
    try:
        embedder.load()
        connection.send(("ready", embedder.dimension))
    except Exception as exc:  # noqa: BLE001 - reported by the parent, in one line
        connection.send(("error", _message(exc)))
        return
    while True:
        try:
            texts = connection.recv()
        except EOFError:
            return
        if texts is None:
            return
        try:
            connection.send(("vectors", embedder.encode(texts)))
        except Exception as exc:  # noqa: BLE001
            connection.send(("error", _message(exc)))


def _message(exc: BaseException) -> str:
    return exc.message if isinstance(exc, TrialQAError) else f"{type(exc).__name__}: {exc}"


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def shares(lengths: list[int], parts: int) -> list[slice]:
    """At most ``parts`` consecutive slices of items with these lengths, each closing once
    its running total reaches its fair part of the whole."""
    total, bounds, run = sum(lengths), [0], 0
    for i, n in enumerate(lengths):
        run += n
        if len(bounds) < parts and run >= total * len(bounds) / parts:
            bounds.append(i + 1)
    bounds.append(len(lengths))
    return [slice(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


class EmbeddingProcesses:
    """The torch embedder of ``options`` (``SentenceTransformerEmbedder``'s arguments but
    ``threads``) in ``processes`` children (default: one per core), started now; each runs
    ``threads`` threads (default: the cores shared out, at least one)."""

    def __init__(self, processes: int = 0, threads: int = 0, **options: Any) -> None:
        if not processes:  # one core per thread: a child per core, or per ``threads`` cores
            processes = max(1, cores() // threads) if threads else cores()
        threads = threads or max(1, cores() // processes)
        context = multiprocessing.get_context("spawn")  # no copy of this process's threads
        self._children = []
        for n in range(processes):
            mine, theirs = context.Pipe()
            child = context.Process(
                target=_serve,
                args=(theirs, {**options, "threads": threads}),
                name=f"trialqa-embed-{n}",
                daemon=True,
            )
            child.start()
            theirs.close()
            self._children.append((child, mine))
        self._lock = threading.Lock()
        self._dimension: int | None = None

    @staticmethod
    def _receive(child, connection) -> Any:
        try:
            kind, value = connection.recv()
        except (EOFError, OSError):
            raise ConfigError(
                f"the embedding process stopped (exit code {child.exitcode})"
            ) from None
        if kind == "error":
            raise ConfigError(f"the embedding model failed: {value}")
        return value

    @property
    def dimension(self) -> int:
        with self._lock:
            if self._dimension is None:
                dims = [self._receive(child, pipe) for child, pipe in self._children]
                self._dimension = int(dims[0])
            return self._dimension

    @property
    def loaded(self) -> bool:
        return self._dimension is not None

    def encode(self, texts: list[str]) -> np.ndarray:
        """Normalised embeddings as a float32 array of shape (len(texts), dim)."""
        dimension = self.dimension  # every child is ready (or the first error raised)
        if not texts:
            return np.zeros((0, dimension), dtype=np.float32)
        texts = list(texts)
        with self._lock:
            parts = shares([len(t) for t in texts], len(self._children))
            busy = list(zip(parts, self._children, strict=False))
            for part, (_, pipe) in busy:
                pipe.send(texts[part])
            out = [self._receive(child, pipe) for _, (child, pipe) in busy]
        return np.concatenate([np.asarray(v, dtype=np.float32) for v in out])

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()

    def close(self) -> None:
        for child, pipe in self._children:
            if self._dimension is None:  # never used (nothing changed): no need to let it load
                child.kill()
            elif child.is_alive():
                with contextlib.suppress(OSError):  # a pipe already closed
                    pipe.send(None)
        for child, pipe in self._children:
            child.join(timeout=10)
            if child.is_alive():
                child.kill()
                child.join()
            pipe.close()

    def __enter__(self) -> EmbeddingProcesses:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
