"""The texts a chunk is embedded as: its context (title, trial, id, section) and its text.

``embedding_header`` is the context ``embed_chunks`` (``assistant.embedding.sentences``) mixes
into a chunk's vector; ``embedding_text`` is the chunk as one text in that context, for
``chunk_vectors="whole"``. BM25 reads the chunk differently (``assistant.retrieval.lexical``).
"""

from __future__ import annotations

from typing import Any

from assistant.models import Chunk


def embedding_header(chunk: Chunk, meta: dict[str, Any]) -> str:
    """The context a chunk is read in: its document's title, trial and id, and its section
    where the text does not begin with it."""
    context = [meta.get("title"), meta.get("trial"), meta.get("nct_id")]
    if chunk.section and not chunk.text.startswith(chunk.section):
        context.append(chunk.section)
    return "\n".join(str(part) for part in context if part)


def embedding_text(chunk: Chunk, meta: dict[str, Any]) -> str:
    """The chunk as one text in its context (``embedding_header``), for
    ``chunk_vectors="whole"``."""
    return "\n".join(part for part in (embedding_header(chunk, meta), chunk.text) if part)
