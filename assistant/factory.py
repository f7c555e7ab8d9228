"""The one place that knows which embedder, store and engine a ``Settings`` selects.

Everything is built lazily where it is heavy: the embedding model loads on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.answering.engine import AnswerEngine, ExtractiveEngine
from assistant.conversation.service import (
    Conversations,
    ConversationStore,
    conversation_store_path,
    names_in_from,
)
from assistant.embedding.embedder import Embedder, SentenceTransformerEmbedder
from assistant.retrieval.hybrid import Retriever
from assistant.settings import Settings
from assistant.store.chroma import ChromaStore
from assistant.store.protocol import VectorStore

if TYPE_CHECKING:
    from assistant.embedding.process import EmbeddingProcesses


def make_embedder(settings: Settings) -> Embedder:
    e = settings.embedding
    match e.backend:
        case "onnx-int8":
            from assistant.embedding.onnx_embedder import OnnxEmbedder

            return OnnxEmbedder(e.model, batch_size=e.batch_size, threads=e.threads or None)
        case _:
            return SentenceTransformerEmbedder(**_torch_options(settings))


def _torch_options(settings: Settings) -> dict:
    e = settings.embedding
    return {
        "model": e.model,
        "batch_size": e.batch_size,
        "device": e.device,
        "threads": e.threads,
        "precision": e.precision,
    }


def make_ingest_embedder(settings: Settings) -> EmbeddingProcesses | None:
    """The embedder of a command that ingests, started now: the torch model in child processes
    (``assistant/embedding/process.py``); close it when done. None for the other backends, whose
    ``make_embedder`` serves ingest too."""
    if settings.embedding.backend != "torch":
        return None
    from assistant.embedding.process import EmbeddingProcesses

    return EmbeddingProcesses(**_torch_options(settings))


def make_store(settings: Settings) -> VectorStore:
    s = settings.store
    if s.kind == "http":
        return ChromaStore(s.path, s.collection, host=s.host, port=s.port, ssl=s.ssl)
    return ChromaStore(s.path, s.collection)


def make_engine(settings: Settings, retriever: Retriever, embedder: Embedder) -> AnswerEngine:
    engine = ExtractiveEngine(retriever, embedder, settings.answer)
    if settings.composer.kind == "extractive":
        return engine
    # A language model composes; the extractive engine still retrieves, computes, decides
    # whether to answer and is the fallback (assistant/composer/llm.py).
    from assistant.composer.chat_models import make_chat_model
    from assistant.composer.llm import LLMEngine

    return LLMEngine(engine, make_chat_model(settings), settings.composer)


def make_conversations(
    settings: Settings, engine: AnswerEngine, retriever: Retriever
) -> Conversations:
    """Conversations kept in a SQLite file beside the Chroma store (made on first use)."""
    return Conversations(
        engine,
        ConversationStore(conversation_store_path(settings.store.path), settings.answer.max_turns),
        names_in_from(retriever.trial_names),
        settings.answer.max_question_chars,
    )


@dataclass
class Services:
    """Everything a process needs to ingest, search and answer, built once."""

    settings: Settings
    embedder: Embedder
    store: VectorStore
    retriever: Retriever
    engine: AnswerEngine
    conversations: Conversations


def build(settings: Settings | None = None, embedder: Embedder | None = None) -> Services:
    settings = settings or Settings()
    embedder = embedder or make_embedder(settings)
    store = make_store(settings)
    retriever = Retriever(store, embedder, settings.retrieval)
    engine = make_engine(settings, retriever, embedder)
    return Services(
        settings,
        embedder,
        store,
        retriever,
        engine,
        make_conversations(settings, engine, retriever),
    )


def warm_up(services: Services) -> None:
    """Load before serving what answering the first questions would: the embedding model,
    the lexical index, the trial names and the engine's models."""
    services.embedder.embed_query("warm up")
    services.retriever.lexical  # noqa: B018 - built on first read
    services.retriever.trial_names.found("")
    engine = services.engine
    extractive = getattr(engine, "extractive", engine)  # an LLM composer's own engine
    if isinstance(extractive, ExtractiveEngine):
        extractive.warm()
