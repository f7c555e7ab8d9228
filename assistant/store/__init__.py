"""Where chunks live: the VectorStore protocol and its typed records, Chroma behind it,
filters as Chroma queries, and the lock on an embedded folder."""

from assistant.store.chroma import chunk_metadata
from assistant.store.lock import holding
from assistant.store.protocol import FORMAT, Vectors, VectorStore

__all__ = ["FORMAT", "VectorStore", "Vectors", "chunk_metadata", "holding"]
