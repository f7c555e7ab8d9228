"""The one place that knows which embedder, store and engine a ``Settings`` selects.

Everything is built lazily where it is heavy: the embedding model loads on first use.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.answering import AnswerEngine, ExtractiveEngine
from assistant.embeddings import Embedder, SentenceTransformerEmbedder
from assistant.retrieval import Retriever
from assistant.settings import Settings
from assistant.store import ChromaStore, VectorStore


def make_embedder(settings: Settings) -> Embedder:
    e = settings.embedding
    return SentenceTransformerEmbedder(e.model, batch_size=e.batch_size, device=e.device)


def make_store(settings: Settings) -> VectorStore:
    return ChromaStore(settings.store.path, settings.store.collection)


def make_engine(settings: Settings, retriever: Retriever, embedder: Embedder) -> AnswerEngine:
    return ExtractiveEngine(retriever, embedder, settings.answer)


@dataclass
class Services:
    """Everything a process needs to ingest, search and answer, built once."""

    settings: Settings
    embedder: Embedder
    store: VectorStore
    retriever: Retriever
    engine: AnswerEngine


def build(settings: Settings | None = None, embedder: Embedder | None = None) -> Services:
    settings = settings or Settings()
    embedder = embedder or make_embedder(settings)
    store = make_store(settings)
    retriever = Retriever(store, embedder, settings.retrieval)
    return Services(
        settings, embedder, store, retriever, make_engine(settings, retriever, embedder)
    )
