"""What a store offers and what it hands back.

``VectorStore`` is the seam the rest of TrialQA reads and writes through (``ChromaStore``,
``assistant.store.chroma``, is the one implementation). Its results are typed: a document's
record (``StoredDocument``), a chunk with its stored metadata (``StoredChunk``), a chunk found
by its vector (``ChunkHit``) and a record left incomplete (``IncompleteDocument``). The
chunk results are named tuples, so they also unpack as ``chunk, meta = ...``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import numpy as np

from assistant.embedding.sentences import SentenceVectors
from assistant.models import Chunk, Document, DocumentInfo, Filters

# One vector per chunk: lists of floats, or the rows of an array as the embedders return them.
Vectors = Sequence[Sequence[float]] | np.ndarray

# What a document record's ``format`` says its chunks carry: 2, statement vectors beside them.
# Ingest redoes an unchanged document whose record is older than FORMAT.
FORMAT = 2


@dataclass(frozen=True)
class StoredDocument:
    """A document's record in the store: what was written of it, and whether the write (or a
    delete) finished. ``complete`` is false while it is written or deleted, or after a crash
    cut that off; ``format`` is 1 for a record written without statement vectors."""

    doc_id: str
    title: str
    source: str
    sha256: str
    chunks: int
    chars: int
    format: int
    complete: bool


class StoredChunk(NamedTuple):
    """A chunk and the flat metadata stored with it (``chunk_metadata``)."""

    chunk: Chunk
    meta: dict[str, Any]


class ChunkHit(NamedTuple):
    """A chunk found by its vector, with its cosine similarity to the query vector."""

    chunk: Chunk
    meta: dict[str, Any]
    similarity: float


class IncompleteDocument(NamedTuple):
    """A record whose write or delete was interrupted, and the source it was read from."""

    doc_id: str
    source: str


class VectorStore(Protocol):
    def document_state(self, doc_id: str) -> StoredDocument | None: ...

    def write_document(
        self,
        document: Document,
        chunks: Sequence[Chunk],
        embeddings: Vectors,
        sentences: Sequence[SentenceVectors] | None = None,
    ) -> None: ...

    def delete_document(self, doc_id: str) -> None: ...

    def incomplete_documents(self) -> list[IncompleteDocument]: ...

    def unfinished(self, doc_ids: Iterable[str]) -> set[str]: ...

    def get_document(self, doc_id: str) -> Document: ...

    def sentence_vectors(self, chunk_ids: Sequence[str]) -> dict[str, SentenceVectors]: ...

    def list_documents(self) -> list[DocumentInfo]: ...

    def similarity_search_by_vector(
        self, embedding: Sequence[float], k: int, filters: Filters | None = None
    ) -> list[ChunkHit]: ...

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[StoredChunk]: ...

    def iter_chunks(self) -> Iterator[StoredChunk]: ...

    def chunks_matching(self, filters: Filters, limit: int) -> list[StoredChunk] | None: ...

    def generation(self) -> int: ...

    def count_chunks(self) -> int: ...
