"""Answer engines: the ``AnswerEngine`` seam and the default extractive engine.

The extractive engine answers with sentences it finds, never with text it writes. It ranks
every statement of the question's *scope* (the documents the filters or the named trials
select, read whole when they are few enough, else the best retrieved passages; ranking in
``assistant/answering/ranking.py``: by default the learned answer scorer, then the reranker
rereading its best few), chooses the sentences that answer (``assistant/answering/selection.py``:
by default a sentence covering enough of the question, or with ``decline_by`` 'gate' after the
answer gate judges the scope answers at all), and attaches calculations over the figures they
cite (``assistant/answering/calculations.py``). A question naming a trial is answered only from
that trial's documents; when nothing answers, the engine abstains, saying what it searched and
which of the question's terms no passage holds (``assistant/answering/abstention.py``). Every
number the answer states must be one its quotes or calculations state
(``assistant/answering/verify.py``). Effect and yes/no questions get a verdict and a decision
(``assistant/verdicts/``).
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from typing import Literal, Protocol

import numpy as np

from assistant.answer_settings import AnswerSettings
from assistant.answering import tables
from assistant.answering.abstention import Abstention
from assistant.answering.calculations import from_stated_inputs, with_calculations
from assistant.answering.candidates import Candidate, cited_as, naming_met, without
from assistant.answering.citations import renumber, split_sentences
from assistant.answering.gist import asks_gist, gist
from assistant.answering.kinds import asks_conduct
from assistant.answering.numeric import read_question
from assistant.answering.parts import joined, parts
from assistant.answering.ranking import Ranking
from assistant.answering.selection import Selection
from assistant.answering.trained import load_trained
from assistant.answering.verify import strip_unsupported
from assistant.embedding.embedder import Embedder
from assistant.errors import InputError
from assistant.language.defined_terms import with_defined
from assistant.language.query import Query
from assistant.language.text import tokenize
from assistant.models import Answer, Filters, Passage
from assistant.retrieval.hybrid import Retriever
from assistant.scoring.answerable import AnswerGate, load_gate
from assistant.scoring.reranker import Reranker, load_reranker
from assistant.scoring.scorer import AnswerScorer, load_scorer
from assistant.verdicts.decision import load_decision_layer, with_decision
from assistant.verdicts.verdict import VerdictModel, load_verdict_model, with_verdict

NOT_SAID = "not_reported"  # the verdict of quotes that do not report the comparison

# What ``stream`` yields: ("token", text) events, then one ("answer", Answer).
Event = tuple[Literal["token", "answer"], "str | Answer"]


class AnswerEngine(Protocol):
    def answer(
        self,
        question: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        conversation_id: str | None = None,
    ) -> Answer: ...

    def stream(
        self,
        question: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        conversation_id: str | None = None,
    ) -> Iterator[Event]:
        """``("token", text)`` events, then ``("answer", Answer)``; the texts joined are
        exactly the answer text."""
        ...


class ExtractiveEngine(Ranking, Selection, Abstention):
    """Composes answers from verbatim sentences of the question's scope."""

    def __init__(
        self,
        retriever: Retriever,
        embedder: Embedder,
        settings: AnswerSettings,
        scorer: AnswerScorer | None = None,
    ):
        self.retriever = retriever
        self.embedder = embedder
        self.settings = settings
        self.scorer = scorer or load_scorer(settings.scorer_path)
        # Loaded at the first question, not here: ingest builds an engine too, and ONNX Runtime
        # writes a session file into $TMPDIR as soon as it is imported.
        self._reranker: Reranker | None = None
        self._gate: AnswerGate | None = None
        self._sentence_vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()

    @property
    def reranker(self) -> Reranker | None:
        """The cross-encoder of ``rank_by`` 'cascade' (None otherwise), loaded once."""
        if self.settings.rank_by != "cascade":
            return None
        if self._reranker is None:
            self._reranker = load_reranker(self.settings.reranker_path)
        return self._reranker

    @property
    def gate(self) -> AnswerGate | None:
        """The answer gate of ``decline_by`` 'gate' (None otherwise), loaded once."""
        if self.settings.decline_by != "gate":
            return None
        if self._gate is None:
            self._gate = load_gate(self.settings.gate_path)
        return self._gate

    def warm(self) -> None:
        """Load now what the first questions would load: the trained files the settings use
        (``load_trained``) and the statistics libraries the calculators import (about a second
        that would otherwise fall on one question)."""
        from assistant.calculators.stats import load_libraries

        load_trained(self.settings)
        _ = self.reranker, self.gate  # kept on the engine
        load_libraries()

    @property
    def threshold(self) -> float:
        """The probability bar: the setting, else the one stored with the model that ranks."""
        if self.settings.min_probability is not None:
            return self.settings.min_probability
        reranker = self.reranker
        return reranker.threshold if reranker else self.scorer.threshold

    # -- public ---------------------------------------------------------------------------
    def answer(
        self,
        question: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        conversation_id: str | None = None,
    ) -> Answer:
        comparison = tables.parse(question, self.retriever.trial_names.each(question))
        if comparison is not None:  # a measure across named trials: a table (assistant/tables)
            cid = conversation_id or uuid.uuid4().hex
            ask = lambda q, f: self._answer(q, k=k, filters=f, conversation_id=cid)  # noqa: E731
            store, limit = self.retriever.store, self.settings.max_pool_chunks
            question = self.check_question(question)
            return tables.build(question, comparison, ask, store, filters, cid, limit)
        if self.settings.split_questions:  # "How many were randomised, and how many finished?"
            checked = self.check_question(question)
            asked = parts(checked)
            if len(asked) > 1:
                return self._judged(self._in_parts(checked, asked, k, filters, conversation_id))
        answer = self._answer(question, k=k, filters=filters, conversation_id=conversation_id)
        return self._judged(answer)

    def _in_parts(
        self,
        question: str,
        asked: list[str],
        k: int | None,
        filters: Filters | None,
        conversation_id: str | None,
    ) -> Answer:
        """A (checked) question asking several things (``assistant/answering/parts.py``), each part
        answered within the whole question's scope: its filters, the documents of the trial it
        names, else the documents the answer to the whole cites (a part that names no trial is
        still asked of the one the question is about). When no part is answered, the answer to
        the whole."""
        cid = conversation_id or uuid.uuid4().hex
        ask = lambda q, f: self._answer(q, k=k, filters=f, conversation_id=cid)  # noqa: E731
        named, written = self.retriever.trial_names.found(question)
        scope, _ = self._scope(filters, named, written)
        whole = None
        if scope is None:
            whole = ask(question, filters)
            cited = sorted({c.doc_id for c in whole.citations})
            if whole.abstained or not cited:
                return whole
            scope = Filters(doc_id=cited)
        answers = [ask(part, scope) for part in asked]
        if all(a.abstained for a in answers):
            return whole or ask(question, filters)
        return joined(question, answers, cid)

    def stream(
        self,
        question: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        conversation_id: str | None = None,
    ) -> Iterator[Event]:
        """The finished answer cut at its sentences (``split_sentences``): ``("token", text)``
        per sentence, then ``("answer", Answer)``."""
        answer = self.answer(question, k=k, filters=filters, conversation_id=conversation_id)
        for text in split_sentences(answer.answer):
            if text:
                yield ("token", text)
        yield ("answer", answer)

    def _judged(self, answer: Answer) -> Answer:
        """The answer with the verdict of an effect question and the decision of a yes/no
        question, where the settings ask for them."""
        judged = with_verdict(answer, self._verdict_model) if self.settings.verdict else answer
        if not self.settings.decision or asks_conduct(answer.question):
            return judged  # "Were they randomly allocated?" takes no yes or no from a p-value
        if judged is not answer and (judged.verdict is None or judged.verdict.label == NOT_SAID):
            # An effect question whose quotes read as unclear, or as not reporting the
            # comparison, gets no yes or no either.
            return judged
        layer = lambda: load_decision_layer(self.settings.decision_path)  # noqa: E731
        decided = with_decision(answer, self._verdict_model, layer)  # a yes/no question
        if judged is answer:
            return decided
        # Both: the verdict's opening sentence, then the decision's, then the quotes.
        lead = judged.answer[: len(judged.answer) - len(answer.answer)]
        added = decided.warnings[len(answer.warnings) :]
        return decided.model_copy(
            update={
                "answer": lead + decided.answer,
                "verdict": judged.verdict,
                "warnings": [*judged.warnings, *added],
            }
        )

    def _verdict_model(self) -> VerdictModel:
        """The verdict classifier (assistant.verdicts.verdict), loaded at the first effect
        question."""
        return load_verdict_model(self.settings.verdict_path)

    def _answer(
        self,
        question: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        conversation_id: str | None = None,
    ) -> Answer:
        question = self.check_question(question)
        conversation_id = conversation_id or uuid.uuid4().hex
        ask = read_question(question)
        if ask.stated or ask.stated_percent:
            return from_stated_inputs(question, ask, conversation_id)
        if k is not None and k < 1:
            raise InputError("k must be at least 1")
        query = self.retriever.read(question)
        named_docs, written = self.retriever.trial_names.found(question)
        scope, searched = self._scope(filters, named_docs, written)
        learned = self.settings.rank_by in ("scorer", "cascade")
        wanted = k or self.retriever.settings.k
        if learned:
            wanted = max(wanted, self.settings.pool_passages)
        passages = self.retriever.search(query, wanted, filters)
        if not passages:
            return _nothing_indexed(question, filters, conversation_id)
        pool = self._pool(passages, scope) if learned else self._within(passages, scope)
        docs = {p.chunk.doc_id for p in pool}
        query, candidates = self._ranked(query, pool, docs, named_docs, written)
        # "What did this trial find?" within one paper: its conclusion
        # (assistant/answering/gist.py).
        chosen: list[Candidate] = []
        if len(docs) == 1 and asks_gist(question):
            chosen = gist(candidates, self.settings.max_sentences)
        why: dict = {}
        if not chosen:
            chosen, why = self._choose(question, query, candidates, learned)
        if not chosen:
            return self._abstain(question, query, candidates, conversation_id, searched, **why)
        sentences, cited, calculations = with_calculations(ask, chosen)
        return self._verified(
            Answer(
                question=question,
                answer=" ".join(sentences),
                abstained=False,
                citations=cited_as(cited),
                calculations=calculations,
                conversation_id=conversation_id,
            ),
            query,
            candidates,
            searched,
        )

    def _ranked(
        self,
        query: Query,
        pool: list[Passage],
        docs: set[str],
        named_docs: set[str],
        written: list[str],
    ) -> tuple[Query, list[Candidate]]:
        """The query as the pool's sentences are ranked against, and those sentences ranked."""
        # Within the documents of the trial a question names, the name tells their sentences
        # apart no more: it leaves the terms the scorer weighs; and "trial" or "study" beside
        # it is met by any of them (a question saying "trial" is asked of a report saying
        # "study").
        if named_docs and docs <= named_docs:
            query = naming_met(without(query, set(tokenize(" ".join(written)))))
        # "complete remission" is answered by a sentence saying "CR" where the paper says so.
        query = with_defined(query, [p.chunk.text for p in pool])
        # Within one document (or the named trial's), a field line answers for its field.
        candidates = self._score(query, pool, fields=len(docs) == 1 or docs <= named_docs)
        return query, candidates

    def _verified(
        self, answer: Answer, query: Query, candidates: list[Candidate], searched: str = ""
    ) -> Answer:
        """The number gate: a sentence stating a number no quote or calculation states goes;
        if nothing is left, the engine abstains instead."""
        quotes = [c.quote for c in answer.citations]
        result = strip_unsupported(answer.answer, quotes, [c.text for c in answer.calculations])
        if not result.removed:
            return answer
        if not result.text.strip():
            return self._abstain(
                answer.question, query, candidates, answer.conversation_id, searched
            )
        return renumber(answer.model_copy(update={"answer": result.text}))

    @staticmethod
    def _scope(
        filters: Filters | None, named: set[str], written: list[str]
    ) -> tuple[Filters | None, str]:
        """The documents the question is limited to, and how to say so when declining: the
        filters it was asked with, else the documents of the trials it names (a sentence of
        another trial's document never answers a question naming a trial)."""
        if filters and filters.active():
            return filters, ""
        if not named:
            return None, ""
        names = ", ".join(dict.fromkeys(written))
        return Filters(doc_id=sorted(named)), f" (searched only the documents of {names})"

    @staticmethod
    def _within(passages: list[Passage], scope: Filters | None) -> list[Passage]:
        """The retrieved passages within the scope (``rank_by`` 'coverage')."""
        if scope is None:
            return passages
        return [p for p in passages if scope.matches(p.metadata | {"doc_id": p.chunk.doc_id})]

    def _pool(self, passages: list[Passage], scope: Filters | None) -> list[Passage]:
        """What the scorer reads: the whole scope when it is small enough, else the retrieved
        passages within it."""
        if scope is None:
            return passages
        whole = self.retriever.store.chunks_matching(scope, self.settings.max_pool_chunks)
        if whole is None:
            return self._within(passages, scope)
        hidden = self.retriever.store.unfinished({chunk.doc_id for chunk, _ in whole})
        return [
            Passage(
                chunk=chunk,
                title=meta.get("title", ""),
                source=meta.get("source", ""),
                metadata={m: v for m, v in meta.items() if not m.startswith("match_")},
                score=0.0,
            )
            for chunk, meta in whole
            if chunk.doc_id not in hidden
        ]

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


def _nothing_indexed(question: str, filters: Filters | None, conversation_id: str) -> Answer:
    """The answer when retrieval finds no passage at all (within the filters)."""
    scope_words = " matching the filters" if filters and filters.active() else ""
    return Answer(
        question=question,
        answer=(f"No documents{scope_words} are indexed, so there is nothing to answer from."),
        abstained=True,
        conversation_id=conversation_id,
    )
