"""BM25 over chunk texts (bm25s), plus the document frequencies answering weighs terms by.

The index is rebuilt from the store whenever the store's generation changes, so chunks
written by another process (``trialqa ingest`` beside a running server) become findable.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

import bm25s
import numpy as np

from assistant.models import Chunk, Filters
from assistant.text import tokenize


def lexical_text(chunk: Chunk) -> str:
    """What BM25 sees: the chunk and its section heading, nothing document-wide (a title or an
    NCT id repeated in every chunk would make the shortest chunk win by length alone)."""
    if chunk.section and not chunk.text.startswith(chunk.section):
        return f"{chunk.section}\n{chunk.text}"
    return chunk.text


def embedding_text(chunk: Chunk, meta: dict[str, Any]) -> str:
    """What the dense index embeds: the chunk in its document's context (title, trial, id)."""
    context = (meta.get("title"), meta.get("trial"), meta.get("nct_id"))
    return "\n".join(str(part) for part in (*context, lexical_text(chunk)) if part)


class LexicalIndex:
    def __init__(self, entries: Iterable[tuple[Chunk, dict[str, Any]]]) -> None:
        self.chunks: list[Chunk] = []
        self.metas: list[dict[str, Any]] = []
        corpus: list[list[str]] = []
        self.df: Counter[str] = Counter()
        for chunk, meta in entries:
            tokens = tokenize(lexical_text(chunk))
            self.chunks.append(chunk)
            self.metas.append(meta)
            corpus.append(tokens)
            self.df.update(set(tokens))
        self._bm25: bm25s.BM25 | None = None
        if corpus:
            self._bm25 = bm25s.BM25()
            self._bm25.index(corpus, show_progress=False)

    def __len__(self) -> int:
        return len(self.chunks)

    def idf(self, term: str) -> float:
        """BM25's idf; a term absent from the corpus gets the highest weight there is."""
        n, df = len(self.chunks), self.df.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(
        self, tokens: list[str], k: int, filters: Filters | None = None
    ) -> list[tuple[Chunk, dict[str, Any], float]]:
        if self._bm25 is None or not tokens or k <= 0:
            return []
        mask = None
        if filters and filters.active():
            mask = np.array([filters.matches(m) for m in self.metas], dtype=np.float32)
            if not mask.any():
                return []
        known = [t for t in tokens if t in self._bm25.vocab_dict]
        if not known:
            return []
        ids, scores = self._bm25.retrieve(
            [known], k=min(k, len(self.chunks)), show_progress=False, weight_mask=mask
        )
        return [
            (self.chunks[i], self.metas[i], float(s))
            for i, s in zip(ids[0], scores[0], strict=True)
            if s > 0
        ]


class LexicalCache:
    """Holds the index for the store's current generation; rebuilds when it moves."""

    def __init__(self, store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._index: LexicalIndex | None = None

    def get(self) -> LexicalIndex:
        generation = self._store.generation()
        with self._lock:
            if self._index is None or generation != self._generation:
                self._index = LexicalIndex(self._store.iter_chunks())
                self._generation = generation
            return self._index
