"""Hybrid retrieval: dense (Chroma) and lexical (BM25) rankings fused by reciprocal rank.

RRF scores each chunk ``sum(1 / (rrf_k + rank))`` over the rankings it appears in, so a chunk
found by both beats one found by either alone, and neither score scale dominates.
"""

from __future__ import annotations

from assistant.embeddings import Embedder
from assistant.errors import InputError
from assistant.lexical import LexicalCache, LexicalIndex
from assistant.models import Filters, Passage
from assistant.query import Query, analyse
from assistant.settings import RetrievalSettings
from assistant.store import VectorStore


class Retriever:
    def __init__(self, store: VectorStore, embedder: Embedder, settings: RetrievalSettings):
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self._lexical = LexicalCache(store)

    @property
    def lexical(self) -> LexicalIndex:
        return self._lexical.get()

    def search(
        self, query: str | Query, k: int | None = None, filters: Filters | None = None
    ) -> list[Passage]:
        """The ``k`` best passages for ``query``, best first."""
        q = analyse(query) if isinstance(query, str) else query
        if not q.text.strip():
            raise InputError("the search query is empty")
        k = self.settings.k if k is None else k
        if k < 1:
            raise InputError("k must be at least 1")
        n = max(k, self.settings.candidates)
        dense = self.store.similarity_search_by_vector(
            self.embedder.embed_query(q.dense_text or q.text), n, filters
        )
        lexical = self.lexical.search(list(q.lexical_tokens), n, filters)

        fused: dict[str, Passage] = {}
        for ranking, hits in (("dense_rank", dense), ("lexical_rank", lexical)):
            for rank, (chunk, meta, score) in enumerate(hits, start=1):
                passage = fused.get(chunk.chunk_id)
                if passage is None:
                    passage = fused[chunk.chunk_id] = Passage(
                        chunk=chunk,
                        title=meta.get("title", ""),
                        source=meta.get("source", ""),
                        metadata=meta,
                        score=0.0,
                    )
                passage.score += 1.0 / (self.settings.rrf_k + rank)
                setattr(passage, ranking, rank)
                if ranking == "dense_rank":
                    passage.similarity = score
        ranked = sorted(fused.values(), key=lambda p: (-p.score, p.chunk.chunk_id))
        return ranked[:k]
