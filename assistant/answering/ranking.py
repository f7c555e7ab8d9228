"""Ranking: every statement of the question's scope, scored and ordered best first.

The extractive engine (``assistant.answering.engine``) ranks by ``AnswerSettings.rank_by``:
'cascade' mixes the learned answer scorer's probability (``assistant/scoring/scorer.py``) with
the reranker's (``assistant/scoring/reranker.py``) for the scorer's best few; 'scorer' uses the
scorer alone; 'coverage' mixes cosine to the question with *coverage*, the share of the
question's idf-weighted terms a sentence and its context (section, title, trial) contain.
Under a learned ranking a field line the question asks for leads within one document, and for
a question asking for a figure a sentence stating one may overtake a best that states none.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from assistant.answer_settings import AnswerSettings
from assistant.answering import fields as document_fields
from assistant.answering.aims import (
    asks_count,
    asks_counts_apart,
    states_count,
    states_counts_apart,
)
from assistant.answering.candidates import Candidate, passage_context
from assistant.answering.kinds import DOSE, Kind, kind_of
from assistant.embedding.embedder import Embedder
from assistant.embedding.sentences import statements
from assistant.language.defined_terms import spelled_out
from assistant.language.query import Query
from assistant.language.text import tokenize
from assistant.models import Passage
from assistant.retrieval.hybrid import Retriever
from assistant.scoring.reranker import Reranker, pair_text
from assistant.scoring.scorer import AnswerScorer, PoolChunk, build_pool, sentence_features

# rank_by 'coverage': how a sentence's rank mixes meaning and coverage.
W_SIMILARITY, W_COVERAGE, W_CONTEXT = 0.5, 0.3, 0.2
NUMBER_BONUS = 0.05  # a sentence with a figure, when the question asks for a quantity

_QUANTITY = re.compile(
    r"\b(how many|how much|rate|rates|percent|percentage|proportion|number|incidence|median|"
    r"mean|ratio|frequency|count|risk|%)", re.I
)  # fmt: skip

# A question whose answer is a figure: a count, an amount, a dose, a share, a duration.
_ASKS_FIGURE = re.compile(
    r"\b(how many|how much|how often|how long|what (?:percentage|proportion|share|number|"
    r"doses?)|which doses?)\b", re.I
)  # fmt: skip
FIGURE_SHARE = 0.5  # a figure-bearing sentence at this share of a figureless best leads
FIELD_PROBABILITY = 0.5  # the least a field line the question asks for is ranked at


class Ranking:
    """The extractive engine's ranking of candidates (a part of ``ExtractiveEngine``)."""

    retriever: Retriever
    embedder: Embedder
    settings: AnswerSettings
    scorer: AnswerScorer

    if TYPE_CHECKING:  # the engine's properties, read-only

        @property
        def reranker(self) -> Reranker | None: ...

    _sentence_vectors: OrderedDict[str, np.ndarray]
    _cache_lock: threading.Lock

    def _coverage(self, query: Query, candidates: list[Candidate], kind: Kind | None) -> None:
        """Each candidate's idf-weighted share of the question's term groups found in it and
        its context (terms weigh the store's BM25 idf; an expansion its words' mean). A
        sentence shaped as the question's ``kind`` is answered (assistant/answering/kinds.py)
        answers the words that ask for the kind ("took part", "how often") by its shape: they
        are not counted for it."""
        lexical = self.retriever.lexical
        weights = []
        for g in query.groups:
            forms = [lexical.idf(g.term)]
            forms += [float(np.mean([lexical.idf(t) for t in a])) for a in g.alternatives if a]
            weights.append(min(forms))
        frame = kind.frame(query.text) if kind is not None else frozenset()
        asking = [g.surface.lower() in frame for g in query.groups]

        def share(tokens: set[str], shaped: bool = False) -> float:
            counted = [(g, w) for g, w, a in zip(query.groups, weights, asking, strict=True)
                       if not (shaped and a)]  # fmt: skip
            if shaped and not counted:  # every word asks for the kind: the shape answers all
                return 1.0
            total = sum(w for _, w in counted)
            found = sum(w for g, w in counted if g.satisfied_by(tokens))
            return found / total if total > 0 else 0.0

        quantitative = bool(_QUANTITY.search(query.text))
        for c in candidates:
            shaped = (
                kind is not None and any(asking) and kind.answers(c.text, c.passage.chunk.section)
            )
            c.coverage = share(c.tokens, shaped)
            c.context_coverage = share(c.context, shaped)
            number = NUMBER_BONUS if quantitative and _has_figure(c.text) else 0.0
            c.rank = (
                c.score
                if self.settings.rank_by != "coverage"
                else W_SIMILARITY * c.similarity
                + W_COVERAGE * c.coverage
                + W_CONTEXT * c.context_coverage
                + number
            )

    def _score(
        self, query: Query, passages: list[Passage], fields: bool = False
    ) -> list[Candidate]:
        """Every statement of the passages once, ranked (``AnswerSettings.rank_by``), best
        first; with the scorer's probability where the settings read it. With ``fields``
        (one document's scope), learned ranking lets the field lines the question asks for
        lead (``FIELD_PROBABILITY``)."""
        stored = self.retriever.store.sentence_vectors([p.chunk.chunk_id for p in passages])
        chunks: list[PoolChunk] = []
        vectors: list[np.ndarray | None] = []
        for p in passages:
            chunk = p.chunk
            kept = stored.get(chunk.chunk_id)
            if kept is not None and kept.fits(chunk):
                spans, rows = kept.spans, kept.vectors
            else:  # ingested before statements were kept: found and embedded now
                spans, rows = tuple((s.start, s.end) for s in statements(chunk)), None
            chunks.append(
                PoolChunk(chunk.doc_id, chunk.start, chunk.text, chunk.section, p.title, spans)
            )
            vectors.append(rows)
        pool, where = build_pool(chunks)
        if not pool:
            return []
        candidates = []
        for ci, si in where:
            p, (a, b) = passages[ci], chunks[ci].spans[si]
            rows = vectors[ci]
            text = p.chunk.text[a:b]
            start = p.chunk.start + a
            tokens = set(tokenize(text))
            vector = None if rows is None else rows[si]
            candidates.append(
                Candidate(
                    p, start, start + len(text), text, tokens, tokens | passage_context(p), vector
                )
            )
        missing = [c for c in candidates if c.vector is None]
        for c, vec in zip(missing, self._vectors([c.text for c in missing]), strict=True):
            c.vector = vec
        q_vec = np.asarray(self.retriever.query_vector(query.dense_text or query.text))
        matrix = np.stack([c.vector for c in candidates]).astype(np.float32)  # type: ignore[misc]
        for c, cosine in zip(candidates, matrix @ q_vec, strict=True):
            c.similarity = float(cosine)
        # The question's kind (assistant/answering/kinds.py), read once for the lift and the
        # coverage; none when kind_lift turns the kinds off.
        kind = kind_of(query.text) if self.settings.kind_lift else None
        # The scorer runs only when something reads its probability (the rank, the bar).
        if self.settings.rank_by != "coverage" or self.settings.decline_by == "probability":
            probabilities = self._probabilities(query, q_vec, pool, matrix, kind)
            for c, probability in zip(candidates, probabilities, strict=True):
                c.score = float(probability)
        self._coverage(query, candidates, kind)
        lines = document_fields.lines_asked(query.text) if fields else ()
        if lines and self.settings.rank_by != "coverage":
            for c in candidates:
                if document_fields.is_line(lines, c.text):
                    c.field = True
                    c.score = c.rank = max(c.score, FIELD_PROBABILITY)
        ranked = sorted(candidates, key=lambda c: (-c.rank, c.passage.chunk.chunk_id, c.start))
        if self.settings.rank_by != "coverage":
            ranked = _figures_first(query, ranked)
        return ranked

    def _probabilities(
        self, query: Query, q_vec: np.ndarray, pool: list, matrix: np.ndarray, kind: Kind | None
    ) -> np.ndarray:
        """The scorer's probability for every sentence of the pool; with the reranker
        (``rank_by`` 'cascade'), its best ``rerank_top`` reread and their probability mixed
        from both, the rest kept below them in the scorer's order. A sentence shaped as the
        question's ``kind`` is answered has its logit raised by ``kind_lift``, and the reranker
        reads the best ``kind_reads`` of them beside its shortlist."""
        scorer = self.scorer
        z = scorer.logits(
            sentence_features(query, q_vec, pool, matrix, scorer.idf, dense=scorer.dense)
        )
        # A sentence of the shape the question's kind is answered by (a count of those
        # randomised, a dose, an eligibility criterion: assistant/answering/kinds.py) is lifted.
        lift = np.zeros(len(z), dtype=np.float32)
        if kind is not None:
            shaped = [kind.answers(s.text, s.heading) for s in pool]
            lift[np.asarray(shaped, dtype=bool)] = self.settings.kind_lift
        lifted = z + lift
        probabilities = scorer.calibrated(lifted)
        reranker = self.reranker
        if reranker is None or not len(z):
            return probabilities
        n = self.settings.rerank_top or reranker.top
        order = np.argsort(-lifted, kind="stable")
        top = order[:n]
        if kind is not None and self.settings.kind_reads:
            # The best sentences of the kind's shape are read too, however low the scorer puts
            # them (it learned from other questions that a funding line or an inclusion
            # criterion seldom answers).
            rest = order[n:]
            top = np.concatenate([top, rest[lift[rest] > 0][: self.settings.kind_reads]])
        texts = [pair_text(spelled_out(pool[i].text, query.defined), pool[i].heading) for i in top]
        asked = query.dense_text or query.text  # abbreviations expanded, as it was calibrated
        mixed = reranker.combined(z[top], reranker.logits(asked, texts), lift[top])
        floor = float(mixed.min())
        probabilities = np.minimum(probabilities, floor) * 0.999
        probabilities[top] = mixed
        return probabilities

    def _vectors(self, texts: list[str]) -> np.ndarray:
        """Embeddings of sentences the store holds no vectors for (documents ingested before
        it kept them), cached; the API answers from several threads at once."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        with self._cache_lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._sentence_vectors]
        fresh = self.embedder.embed_documents(missing) if missing else []
        with self._cache_lock:
            cache = self._sentence_vectors
            for t, v in zip(missing, fresh, strict=True):
                cache[t] = np.asarray(v, dtype=np.float32)
            vectors = np.stack([cache[t] for t in texts])
            for t in texts:
                cache.move_to_end(t)
            while len(cache) > 20_000:
                cache.popitem(last=False)
        return vectors


def _has_figure(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


# A dose question ("what dose", "which doses", "how was X dosed") wants an amount of drug.
_ASKS_DOSE = re.compile(r"\b(?:doses?|dosed|dosing|dosage)\b", re.I)


def _figure_wanted(question: str) -> Callable[[str], bool]:
    """What a sentence must state to give the figure ``question`` asks for."""
    if asks_counts_apart(question):
        return states_counts_apart
    if asks_count(question):
        return states_count
    if _ASKS_DOSE.search(question):
        return DOSE.answers
    return _has_figure


def _figures_first(query: Query, ranked: list[Candidate]) -> list[Candidate]:
    """For a question that asks for a figure ("how many", "what dose"), a best sentence that
    states none (an aim, a method) gives way to the next that states one, when the model
    ranks it at least ``FIGURE_SHARE`` of the best's probability. For "how many patients",
    the figure is a count of them, not a duration or a dose; for "how many in each group",
    more than one figure; for a dose, an amount of drug ("7.5 mg")."""
    states = _figure_wanted(query.text)
    asks = _ASKS_FIGURE.search(query.text) or _ASKS_DOSE.search(query.text)
    if not ranked or states(ranked[0].text) or not asks:
        return ranked
    floor = FIGURE_SHARE * ranked[0].rank
    for i, c in enumerate(ranked[1:], start=1):
        if c.rank < floor:
            break
        if states(c.text):
            return [c] + ranked[:i] + ranked[i + 1 :]
    return ranked
