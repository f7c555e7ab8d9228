"""Hybrid retrieval: dense (Chroma) and lexical (BM25) rankings fused by reciprocal rank.

RRF scores each chunk ``sum(1 / (rrf_k + rank))`` over the rankings it appears in, so a chunk
found by both beats one found by either alone, and neither score scale dominates.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import replace

from assistant.embedding.embedder import Embedder
from assistant.errors import InputError
from assistant.language.query import Query, TermGroup, analyse
from assistant.models import Filters, Passage
from assistant.retrieval.lexical import LexicalCache, LexicalIndex
from assistant.settings import RetrievalSettings
from assistant.store.protocol import VectorStore


class Retriever:
    def __init__(self, store: VectorStore, embedder: Embedder, settings: RetrievalSettings):
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self._lexical = LexicalCache(store, settings.background_rebuild_above)
        self.trial_names = TrialNames(store)
        self._vectors: OrderedDict[str, list[float]] = OrderedDict()
        self._vectors_lock = threading.Lock()

    def query_vector(self, text: str) -> list[float]:
        """The query's embedding, kept for the last few hundred queries: one question is
        embedded once, though retrieval (twice when it names a trial) and the engine use it."""
        with self._vectors_lock:
            if text in self._vectors:
                self._vectors.move_to_end(text)
                return self._vectors[text]
        vector = self.embedder.embed_query(text)
        with self._vectors_lock:
            self._vectors[text] = vector
            while len(self._vectors) > 512:
                self._vectors.popitem(last=False)
        return vector

    @property
    def lexical(self) -> LexicalIndex:
        return self._lexical.get()

    def read(self, question: str) -> Query:
        """The question's terms (``query.analyse``), each that no chunk holds in any of its
        forms and that misspells an indexed term (``carageenan``: ``LexicalIndex.spelled``)
        also satisfied by, and searched for as, that term (``carrageenan``)."""
        query = analyse(question)
        lexical = self.lexical
        groups, added = [], []
        for g in query.groups:
            known = g.term in lexical.df or any(
                all(w in lexical.df for w in alt) for alt in g.alternatives
            )
            right = None if known else lexical.spelled(g.term)
            if right is None:
                groups.append(g)
                continue
            groups.append(TermGroup(g.surface, g.term, (*g.alternatives, frozenset({right}))))
            added.append(right)
        if not added:
            return query
        return replace(query, groups=tuple(groups), lexical_tokens=(*query.lexical_tokens, *added))

    def search(
        self, query: str | Query, k: int | None = None, filters: Filters | None = None
    ) -> list[Passage]:
        """The ``k`` best passages for ``query``, best first.

        A question that names indexed trials (by acronym or NCT id) and sets no filter of its
        own prefers those trials' passages: they come first, and the best two passages from
        anywhere else still make the list, so a comparison can reach beyond the named trial.
        """
        q = self.read(query) if isinstance(query, str) else query
        if not q.text.strip():
            raise InputError("the search query is empty")
        k = self.settings.k if k is None else k
        if k < 1:
            raise InputError("k must be at least 1")
        filters = filters or Filters()
        ranked = self._ranked(q, k, filters)
        named = None if filters.active() else self.trial_names.mentioned(q.text)
        if named is None:
            return ranked
        preferred = self._ranked(q, k, named)
        seen = {p.chunk.chunk_id for p in preferred}
        others = [p for p in ranked if p.chunk.chunk_id not in seen]
        keep = min(len(others), 2 if k >= 4 else 0)
        return (preferred[: k - keep] + others)[:k] if keep else (preferred + others)[:k]

    def _ranked(self, q: Query, k: int, filters: Filters) -> list[Passage]:
        n = max(k, self.settings.candidates)
        dense = self.store.similarity_search_by_vector(
            self.query_vector(q.dense_text or q.text), n, filters
        )
        ranked_ids = self.lexical.search(list(q.lexical_tokens), n, filters)
        # The lexical index holds ids only: the chunks dense search did not bring are read.
        have = {chunk.chunk_id: (chunk, meta) for chunk, meta, _ in dense}
        missing = [cid for cid, _ in ranked_ids if cid not in have]
        have |= {chunk.chunk_id: (chunk, meta) for chunk, meta in self.store.get_chunks(missing)}
        lexical = [(*have[cid], score) for cid, score in ranked_ids if cid in have]
        # A document being written (or left half-written by a crash) is not searched until
        # its record is complete: its chunks may be a mix of the old and the new version.
        hidden = self.store.unfinished(hit[0].doc_id for hit in (*dense, *lexical))
        if hidden:
            dense = [hit for hit in dense if hit[0].doc_id not in hidden]
            lexical = [hit for hit in lexical if hit[0].doc_id not in hidden]

        fused: dict[str, Passage] = {}
        for ranking, hits in (("dense_rank", dense), ("lexical_rank", lexical)):
            for rank, (chunk, meta, score) in enumerate(hits, start=1):
                passage = fused.get(chunk.chunk_id)
                if passage is None:
                    passage = fused[chunk.chunk_id] = Passage(
                        chunk=chunk,
                        title=meta.get("title", ""),
                        source=meta.get("source", ""),
                        metadata={m: v for m, v in meta.items() if not m.startswith("match_")},
                        score=0.0,
                    )
                passage.score += 1.0 / (self.settings.rrf_k + rank)
                setattr(passage, ranking, rank)
                if ranking == "dense_rank":
                    passage.similarity = score
        ranked = sorted(fused.values(), key=lambda p: (-p.score, p.chunk.chunk_id))
        return ranked[:k]


class TrialNames:
    """The trial acronyms and NCT ids of the indexed documents, to notice a question naming one.

    Names match whole words, ignoring case and the punctuation between their parts, so
    "linker smm1" names LINKER-SMM1 and "LINKER-MM1" does not. Rebuilt when the store changes.
    """

    def __init__(self, store: VectorStore) -> None:
        self.store = store
        self._generation: int | None = None
        self._names: list[tuple[re.Pattern[str], set[str]]] = []
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        generation = self.store.generation()
        if generation == self._generation:
            return
        sep = r"[\s\-_/.]*"
        names: dict[str, set[str]] = {}
        for info in self.store.list_documents():
            for field in ("trial", "nct_id"):
                value = info.metadata.get(field)
                for name in value if isinstance(value, list) else [value]:
                    parts = re.findall(r"[0-9A-Za-z]+", str(name or ""))
                    if parts and len("".join(parts)) >= 3:
                        pattern = r"(?<![0-9a-z])" + sep.join(parts) + r"(?![0-9a-z])"
                        names.setdefault(pattern, set()).add(info.doc_id)
        self._names = [(re.compile(p, re.I), ids) for p, ids in names.items()]
        self._generation = generation

    def found(self, text: str) -> tuple[set[str], list[str]]:
        """The documents of every trial ``text`` names, and the names as ``text`` writes them."""
        with self._lock:
            self._refresh()
            names = self._names
        docs: set[str] = set()
        written: list[str] = []
        for pattern, ids in names:
            if m := pattern.search(text):
                docs |= ids
                written.append(m.group(0))
        return docs, written

    def each(self, text: str) -> list[tuple[str, set[str], int]]:
        """Each trial ``text`` names, in the order it names them: (the name as written, its
        documents, where it is written). Names sharing all their documents count once."""
        with self._lock:
            self._refresh()
            names = self._names
        found: list[tuple[str, set[str], int]] = []
        for pattern, ids in names:
            if m := pattern.search(text):
                found.append((m.group(0), set(ids), m.start()))
        found.sort(key=lambda f: f[2])
        out: list[tuple[str, set[str], int]] = []
        for name, ids, at in found:
            if not any(ids == kept for _, kept, _ in out):
                out.append((name, ids, at))
        return out

    def mentioned(self, text: str) -> Filters | None:
        """A filter to the documents of every trial ``text`` names, or None when it names none."""
        docs, _ = self.found(text)
        return Filters(doc_id=sorted(docs)) if docs else None
