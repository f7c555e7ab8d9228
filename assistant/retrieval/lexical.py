"""BM25 over chunk texts (bm25s), plus the document frequencies answering weighs terms by.

The index is rebuilt from the store whenever the store's generation changes, so chunks
written by another process (``trialqa ingest`` beside a running server) become findable.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import math
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

import bm25s
import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from assistant.language.text import tokenize
from assistant.models import Chunk, Filters

log = logging.getLogger("trialqa.lexical")

# A misspelt term: one the index lacks, of letters only, read as the indexed term it is one edit
# from (a letter added, dropped, changed, or two swapped), two from nine letters on. Shorter
# words are left as they are: one edit turns too many of them into other words.
SPELL_FROM = 6
SPELL_TWO_FROM = 9
STEM_LONGER_BY = 3  # letters an indexed stem may add to a question's


def lexical_text(chunk: Chunk) -> str:
    """What BM25 sees: the chunk and its section heading, nothing document-wide (a title or an
    NCT id repeated in every chunk would make the shortest chunk win by length alone)."""
    if chunk.section and not chunk.text.startswith(chunk.section):
        return f"{chunk.section}\n{chunk.text}"
    return chunk.text


class LexicalIndex:
    """BM25 over every chunk, holding only what searching needs: the chunks' ids, the fields
    filters select on (one dict per document, shared by its chunks) and the term counts. The
    texts stay in the store (``VectorStore.get_chunks``); at 100k chunks keeping them here
    cost several hundred MiB."""

    def __init__(self, entries: Iterable[tuple[Chunk, dict[str, Any]]]) -> None:
        self.ids: list[str] = []
        self.selectors: list[dict[str, Any]] = []  # doc_id and match_* of each chunk
        by_doc: dict[tuple, dict[str, Any]] = {}
        corpus: list[list[str]] = []
        self.df: Counter[str] = Counter()
        for chunk, meta in entries:
            tokens = tokenize(lexical_text(chunk))
            selector = {k: v for k, v in meta.items() if k == "doc_id" or k.startswith("match_")}
            key = tuple(sorted((k, str(v)) for k, v in selector.items()))
            self.ids.append(chunk.chunk_id)
            self.selectors.append(by_doc.setdefault(key, selector))
            corpus.append(tokens)
            self.df.update(set(tokens))
        self._bm25: bm25s.BM25 | None = None
        self._by_letter: dict[str, list[str]] | None = None
        if corpus:
            self._bm25 = bm25s.BM25()
            self._bm25.index(corpus, show_progress=False)

    def __len__(self) -> int:
        return len(self.ids)

    def idf(self, term: str) -> float:
        """BM25's idf; a term absent from the corpus gets the highest weight there is."""
        n, df = len(self.ids), self.df.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def spelled(self, term: str) -> str | None:
        """The indexed term ``term`` misspells, or None: for a term no chunk holds, the most
        frequent indexed term with the same first letter within one edit (two from
        ``SPELL_TWO_FROM`` letters on), or that extends it by at most ``STEM_LONGER_BY``
        letters (from ``SPELL_FROM`` - 1 letters on); None when ``term`` is indexed, short or
        not a word."""
        if term in self.df or len(term) < SPELL_FROM - 1 or not term.isalpha():
            return None
        words = self._spelling().get(term[0], ())
        # A stem the indexed one extends ("recur", "recurr"; "chamomil", "chamomilla"): the
        # stemmer cut two forms of one word differently.
        near = [(w, len(w) - len(term)) for w in words
                if w.startswith(term) and len(w) - len(term) <= STEM_LONGER_BY]  # fmt: skip
        if len(term) >= SPELL_FROM:
            edits = 2 if len(term) >= SPELL_TWO_FROM else 1
            near += [(w, d) for w, d, _ in process.extract(
                term, words, scorer=DamerauLevenshtein.distance, score_cutoff=edits, limit=None
            )]  # fmt: skip
        if not near:
            return None
        return min(near, key=lambda hit: (hit[1], -self.df[hit[0]], hit[0]))[0]

    def _spelling(self) -> dict[str, list[str]]:
        """The indexed words (letters only, from ``SPELL_FROM`` - 1 letters) by first letter."""
        if self._by_letter is None:
            by_letter: dict[str, list[str]] = {}
            for term in self.df:
                if len(term) >= SPELL_FROM - 1 and term.isalpha():
                    by_letter.setdefault(term[0], []).append(term)
            self._by_letter = by_letter
        return self._by_letter

    def search(
        self, tokens: list[str], k: int, filters: Filters | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) of the ``k`` best chunks, best first."""
        if self._bm25 is None or not tokens or k <= 0:
            return []
        mask = None
        if filters and filters.active():
            mask = np.array([filters.matches(m) for m in self.selectors], dtype=np.float32)
            if not mask.any():
                return []
        known = [t for t in tokens if t in self._bm25.vocab_dict]
        if not known:
            return []
        ids, scores = self._bm25.retrieve(
            [known], k=min(k, len(self.ids)), show_progress=False, weight_mask=mask
        )
        return [(self.ids[i], float(s)) for i, s in zip(ids[0], scores[0], strict=True) if s > 0]


def release_freed_memory() -> None:
    """Hand memory Python freed back to the system (glibc keeps it otherwise): building the
    index of 100k chunks leaves ~250 MiB of freed token lists in the process's RSS."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class LexicalCache:
    """Holds the index of the store's latest generation it has seen, rebuilt when it moves.

    A small index is rebuilt before the next search uses it. One of more than
    ``background_above`` chunks is rebuilt by a background thread while the previous index
    keeps answering: chunks it names that are gone since are skipped when read back from the
    store, and new chunks are found by dense search until the new index lands.
    """

    def __init__(self, store, background_above: int = 20_000) -> None:
        self._store = store
        self._background_above = background_above
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._index: LexicalIndex | None = None
        self._building: threading.Thread | None = None

    @property
    def building(self) -> threading.Thread | None:
        """The background rebuild under way, if any."""
        return self._building

    def get(self) -> LexicalIndex:
        generation = self._store.generation()
        with self._lock:
            index = self._index
            if index is not None and generation == self._generation:
                return index
            if index is not None and len(index) > self._background_above:
                if self._building is None:
                    self._building = threading.Thread(
                        target=self._rebuild, args=(generation,), name="bm25-rebuild", daemon=True
                    )
                    self._building.start()
                return index
            self._index = None  # the old one's memory goes before the new one is built
            self._index = index = LexicalIndex(self._store.iter_chunks())
            self._generation = generation
        release_freed_memory()
        return index

    def _rebuild(self, generation: int) -> None:
        try:
            index = LexicalIndex(self._store.iter_chunks())
        except Exception:  # the next search starts another; the previous index still answers
            log.exception("rebuilding the BM25 index failed")
            index = None
        with self._lock:
            if index is not None:
                self._index, self._generation = index, generation
            self._building = None
        release_freed_memory()
