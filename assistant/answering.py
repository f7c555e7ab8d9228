"""Answer engines: the ``AnswerEngine`` seam and the default extractive engine.

The extractive engine answers with sentences it finds, never with text it writes: it scores
every sentence of the retrieved passages by meaning (cosine similarity to the question) and by
*coverage*, the share of the question's weighted terms the sentence and its context (section
heading, document title, trial) contain. Terms weigh their BM25 idf, so a rare term the
question names ("progression-free") counts most, and one the corpus never mentions weighs the
most of all. When the best sentence neither covers enough of the question nor means nearly
the same, the engine abstains and says which of the question's terms no passage contains.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from assistant.embeddings import Embedder
from assistant.errors import InputError
from assistant.models import Answer, Citation, Filters, Passage
from assistant.query import Query, TermGroup, analyse
from assistant.retrieval import Retriever
from assistant.settings import AnswerSettings
from assistant.text import sentence_spans, tokenize

_QUANTITY = re.compile(
    r"\b(how many|how much|rate|rates|percent|percentage|proportion|number|incidence|median|"
    r"mean|ratio|frequency|count|risk|%)", re.I
)  # fmt: skip


# How a sentence's score mixes meaning and coverage. Ranking only: whether to answer at all is
# decided by the coverage and similarity bars in AnswerSettings.
W_SIMILARITY, W_COVERAGE, W_CONTEXT = 0.5, 0.3, 0.2
NUMBER_BONUS = 0.05  # a sentence with a figure, when the question asks for a quantity


class AnswerEngine(Protocol):
    def answer(
        self,
        question: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        conversation_id: str | None = None,
    ) -> Answer: ...


@dataclass
class Candidate:
    passage: Passage
    start: int
    end: int
    text: str
    tokens: set[str] = field(default_factory=set)
    context: set[str] = field(default_factory=set)  # tokens plus section, title and trial
    similarity: float = 0.0
    coverage: float = 0.0
    context_coverage: float = 0.0
    score: float = 0.0


class ExtractiveEngine:
    """Composes answers from verbatim sentences of the retrieved passages."""

    def __init__(self, retriever: Retriever, embedder: Embedder, settings: AnswerSettings):
        self.retriever = retriever
        self.embedder = embedder
        self.settings = settings
        self._sentence_vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()

    # -- public ---------------------------------------------------------------------------
    def answer(
        self,
        question: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        conversation_id: str | None = None,
    ) -> Answer:
        question = self.check_question(question)
        conversation_id = conversation_id or uuid.uuid4().hex
        query = analyse(question)
        passages = self.retriever.search(query, k, filters)
        if not passages:
            scope = " matching the filters" if filters and filters.active() else ""
            return Answer(
                question=question,
                answer=f"No documents{scope} are indexed, so there is nothing to answer from.",
                abstained=True,
                conversation_id=conversation_id,
            )
        candidates = self._score(query, passages)
        if not candidates:
            return self._abstain(question, query, [], conversation_id)
        best = candidates[0]
        if not self._answers(best):
            return self._abstain(question, query, candidates, conversation_id)
        chosen = [best] + [
            c for c in candidates[1:] if c.score >= 0.9 * best.score and self._answers(c)
        ][: self.settings.max_sentences - 1]
        citations = _citations(chosen)
        answer = " ".join(f"{c.text} [{n}]" for n, c in enumerate(chosen, start=1))
        return Answer(
            question=question,
            answer=answer,
            abstained=False,
            citations=citations,
            conversation_id=conversation_id,
        )

    def check_question(self, question: str) -> str:
        if not isinstance(question, str) or not question.strip():
            raise InputError("the question is empty")
        question = " ".join(question.split())
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise InputError(
                f"the question is {len(question)} characters long; the limit is {limit}"
            )
        return question

    # -- scoring ----------------------------------------------------------------------------
    def _answers(self, c: Candidate) -> bool:
        """Covers enough of the question, or means nearly the same and covers half as much."""
        bar = self.settings.min_coverage
        return c.context_coverage >= bar or (
            c.similarity >= self.settings.min_similarity and c.context_coverage >= bar / 2
        )

    def _weights(self, groups: tuple[TermGroup, ...]) -> list[float]:
        lexical = self.retriever.lexical
        weights = []
        for g in groups:
            forms = [lexical.idf(g.term)]
            forms += [
                float(np.mean([lexical.idf(t) for t in alt])) for alt in g.alternatives if alt
            ]
            weights.append(min(forms))
        return weights

    def _score(self, query: Query, passages: list[Passage]) -> list[Candidate]:
        candidates: list[Candidate] = []
        seen: set[tuple[str, int]] = set()
        for p in passages:
            chunk = p.chunk
            surroundings = _passage_context(p)
            for span in sentence_spans(chunk.text):
                text = chunk.text[span.start : span.end]
                start = chunk.start + span.start
                key = (chunk.doc_id, start)
                if key in seen or text.endswith("?") or len(text.split()) < 3:
                    continue
                seen.add(key)
                tokens = set(tokenize(text))
                candidates.append(
                    Candidate(p, start, start + len(text), text, tokens, tokens | surroundings)
                )
        if not candidates:
            return []
        vectors = self._vectors([c.text for c in candidates])
        q_vec = np.asarray(self.embedder.embed_query(query.dense_text or query.text))
        weights = self._weights(query.groups)
        total = sum(weights)
        quantitative = bool(_QUANTITY.search(query.text))

        def share(tokens: set[str]) -> float:
            found = sum(
                w for g, w in zip(query.groups, weights, strict=True) if g.satisfied_by(tokens)
            )
            return found / total if total > 0 else 0.0

        for c, vec in zip(candidates, vectors, strict=True):
            c.similarity = float(np.dot(q_vec, vec))
            c.coverage = share(c.tokens)
            c.context_coverage = share(c.context)
            has_number = quantitative and any(ch.isdigit() for ch in c.text)
            c.score = (
                W_SIMILARITY * c.similarity
                + W_COVERAGE * c.coverage
                + W_CONTEXT * c.context_coverage
                + (NUMBER_BONUS if has_number else 0.0)
            )
        return sorted(candidates, key=lambda c: (-c.score, c.passage.chunk.chunk_id, c.start))

    def _vectors(self, texts: list[str]) -> np.ndarray:
        """Sentence embeddings, cached (the API answers from several threads at once)."""
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

    # -- abstaining --------------------------------------------------------------------------
    def _abstain(
        self, question: str, query: Query, candidates: list[Candidate], conversation_id: str
    ) -> Answer:
        if not query.groups:
            message = "The question names nothing specific to look for in the documents."
        else:
            seen = set().union(*(c.context for c in candidates))
            missing = [g.surface for g in query.groups if not g.satisfied_by(seen)]
            if missing:
                named = ", ".join(f"“{m}”" for m in missing)
                message = (
                    f"The indexed documents do not answer this: no passage found mentions {named}."
                )
            else:
                named = ", ".join(f"“{g.surface}”" for g in query.groups)
                message = (
                    "The indexed documents do not answer this: no passage found states "
                    f"{named} together."
                )
        nearest: list[Candidate] = []
        for c in candidates:
            if c.passage.chunk.chunk_id not in {n.passage.chunk.chunk_id for n in nearest}:
                nearest.append(c)
            if len(nearest) == 2:
                break
        if nearest:
            markers = " and ".join(f"[{n}]" for n in range(1, len(nearest) + 1))
            message += f" The closest passages are {markers}."
        return Answer(
            question=question,
            answer=message,
            abstained=True,
            citations=_citations(nearest),
            conversation_id=conversation_id,
        )


def _passage_context(p: Passage) -> set[str]:
    """Tokens of what a passage's sentences are read with: its section, document title and trial."""
    parts = [str(p.metadata.get(f, "")) for f in ("title", "trial", "nct_id")] + [p.chunk.section]
    return set(tokenize(" ".join(parts)))


def _citations(chosen: list[Candidate]) -> list[Citation]:
    return [
        Citation(
            n=n,
            doc_id=c.passage.chunk.doc_id,
            title=c.passage.title,
            source=c.passage.source,
            chunk_id=c.passage.chunk.chunk_id,
            start=c.start,
            end=c.end,
            quote=c.text,
        )
        for n, c in enumerate(chosen, start=1)
    ]
