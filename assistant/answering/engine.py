"""Answer engines: the ``AnswerEngine`` seam and the default extractive engine.

The extractive engine answers with sentences it finds, never with text it writes. By default
(``rank_by`` 'cascade') the learned answer scorer (``assistant/scoring/scorer.py``) ranks every
statement of the question's *scope* (the documents the filters or the named trials select,
read whole when they are few enough, else the best retrieved passages) and the reranker
(``assistant/scoring/reranker.py``) rereads its best few; their mixed probability orders them.
``rank_by`` 'scorer' uses the scorer alone, 'coverage' the first round's mix of cosine and
*coverage* (the share of the question's idf-weighted terms the sentence and its context -
section, title, trial - contain) over the retrieved passages. With ``decline_by`` 'coverage'
(the default) a sentence may answer when it covers enough of the question and, under a
learned ranking, is the best or reaches half the bar; with 'probability' when it reaches the
bar; with 'gate' the answer gate (``assistant/scoring/answerable.py``) first judges whether the
scope answers the question at all. A question naming a trial is answered only from that trial's
documents; when nothing answers, the engine abstains, saying what it searched and which of the
question's terms no passage holds.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from assistant.answer_settings import AnswerSettings
from assistant.answering import fields as document_fields
from assistant.answering import tables
from assistant.answering.aims import asks_count, findings_first, states_count
from assistant.answering.gist import asks_gist, gist
from assistant.answering.numeric import (
    HARM,
    Figures,
    NumericAsk,
    Pair,
    Percent,
    figures_in,
    read_question,
)
from assistant.answering.verify import strip_unsupported
from assistant.calculators import calculate
from assistant.embedding.embedder import Embedder
from assistant.embedding.sentences import statements
from assistant.errors import CalculatorInputError, InputError
from assistant.language import timepoints
from assistant.language.defined_terms import spelled_out, with_defined
from assistant.language.query import Query
from assistant.language.text import sentence_spans, tokenize
from assistant.models import Answer, Calculation, Citation, Filters, Passage
from assistant.provenance import primary_first, provenance
from assistant.retrieval.hybrid import Retriever
from assistant.scoring import answerable
from assistant.scoring.answerable import AnswerGate, load_gate
from assistant.scoring.reranker import Reranker, load_reranker, pair_text
from assistant.scoring.scorer import AnswerScorer, PoolChunk, build_pool, features, load_scorer
from assistant.verdicts.decision import load_decision_layer, results_for_decision, with_decision
from assistant.verdicts.effects import outcome_terms
from assistant.verdicts.verdict import (
    VerdictModel,
    load_verdict_model,
    results_first,
    stating_result,
    with_verdict,
)

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
NOT_SAID = "not_reported"  # the verdict of quotes that do not report the comparison
FIGURE_SHARE = 0.5  # a figure-bearing sentence at this share of a figureless best leads
FIELD_PROBABILITY = 0.5  # the least a field line the question asks for is ranked at


# How each calculation is introduced in an answer.
_CALC_LEAD = {
    "response_rate": "Calculated from the cited counts",
    "counts_from_percent": "Checked against the cited figures",
    "compare_arms": "Comparing the two cited arms",
    "imwg_cumulative": "Calculated from the cited response categories",
    "ae_incidence": "Calculated from the cited counts",
}


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
    vector: np.ndarray | None = None  # stored at ingest, else embedded when scored
    score: float = 0.0  # the learned probability that it answers (the cascade's or scorer's)
    similarity: float = 0.0  # cosine to the question
    coverage: float = 0.0  # idf-weighted share of the question's terms in the sentence
    context_coverage: float = 0.0  # the same in the sentence and its context
    rank: float = 0.0  # what orders the candidates (AnswerSettings.rank_by)
    field: bool = False  # a field line of what the question asks for (assistant.answering.fields)


class ExtractiveEngine:
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
        """Load now what the first questions would load: the reranker, the verdict classifier
        and decision layer where the settings use them, and the statistics libraries the
        calculators import (about a second that would otherwise fall on one question)."""
        from assistant.calculators.stats import load_libraries

        _ = self.reranker, self.gate
        if self.settings.verdict or self.settings.decision:
            self._verdict_model()
        if self.settings.decision:
            load_decision_layer(self.settings.decision_path)
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
        answer = self._answer(question, k=k, filters=filters, conversation_id=conversation_id)
        judged = with_verdict(answer, self._verdict_model) if self.settings.verdict else answer
        if not self.settings.decision:
            return judged
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
            return self._from_stated_inputs(question, ask, conversation_id)
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
            scope_words = " matching the filters" if filters and filters.active() else ""
            return Answer(
                question=question,
                answer=(
                    f"No documents{scope_words} are indexed, so there is nothing to answer from."
                ),
                abstained=True,
                conversation_id=conversation_id,
            )
        pool = self._pool(passages, scope) if learned else self._within(passages, scope)
        # Within the documents of the trial a question names, the name tells their sentences
        # apart no more: it leaves the terms the scorer weighs.
        docs = {p.chunk.doc_id for p in pool}
        if named_docs and docs <= named_docs:
            query = without(query, set(tokenize(" ".join(written))))
        # "complete remission" is answered by a sentence saying "CR" where the paper says so.
        query = with_defined(query, [p.chunk.text for p in pool])
        # Within one document (or the named trial's), a field line answers for its field.
        candidates = self._score(query, pool, fields=len(docs) == 1 or docs <= named_docs)
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
        cited = list(chosen)
        sentences = [f"{c.text} [{n}]" for n, c in enumerate(chosen, start=1)]
        calculations: list[Calculation] = []
        try:
            computed = self._calculations(ask, chosen)
        except CalculatorInputError:  # figures no calculator takes (e.g. millions of patients)
            computed = []
        for calc, sources in computed:
            for source in sources:
                if source not in cited:
                    cited.append(source)
            calc.cited = sorted({cited.index(source) + 1 for source in sources})
            markers = "".join(f"[{n}]" for n in calc.cited)
            sentences.append(f"{_CALC_LEAD[calc.name]}: {calc.text} {markers}")
            calculations.append(calc)
        return self._verified(
            Answer(
                question=question,
                answer=" ".join(sentences),
                abstained=False,
                citations=_citations(cited),
                calculations=calculations,
                conversation_id=conversation_id,
            ),
            query,
            candidates,
            searched,
        )

    def _choose(
        self, question: str, query: Query, candidates: list[Candidate], learned: bool
    ) -> tuple[list[Candidate], dict]:
        """The sentences that answer, best first; or none, with why (``_abstain``'s
        arguments)."""
        gate, sure = self.gate, False
        if gate is not None and not (candidates and candidates[0].field):
            # Whether the documents answer at all, read off the whole ranking (answerable.py):
            # below the bar the engine declines; from ``answers_at`` up the best sentence
            # answers when the word checks let none; otherwise the word checks decide.
            idf = self.retriever.lexical.idf
            answers = gate.probability(answerable.features(query, candidates, idf))
            bar = self.settings.gate_bar if self.settings.gate_bar is not None else gate.bar
            if answers < bar:
                return [], {"gate": (answers, bar)}
            sure = answers >= max(bar, gate.answers_at)
        # A question about a time point is answered only by a sentence stating it.
        times = timepoints.time_points(question)
        timely = [timepoints.states(times, f"{c.passage.chunk.section} {c.text}")
                  for c in candidates]  # fmt: skip
        eligible = [
            c for i, c in enumerate(candidates) if timely[i] and self._may_answer(c, best=i == 0)
        ]
        if not eligible and sure:  # worded unlike its paper: the gate vouches for the best
            eligible = [c for i, c in enumerate(candidates) if timely[i]][:1]
        # An effect question about an outcome no passage names is not answered by a result
        # about another outcome of the same arms.
        named = {g.term for g in outcome_terms(question)}
        outcome = [g for g in query.groups if g.term in named]  # as read, misspellings too
        if outcome and not any(g.satisfied_by(c.context) for c in candidates for g in outcome):
            return [], {}
        if not eligible and learned and self.settings.verdict:
            # An effect question worded unlike its paper: a top sentence the verdict model
            # reads as stating this comparison's result may answer (assistant.verdicts.verdict).
            eligible = stating_result(
                question,
                [c for i, c in enumerate(candidates) if timely[i]][: self.settings.effect_reads],
                self._verdict_model,
                self.settings.effect_answers_at,
            )
        # A question wanting a finding is answered by a sentence reporting one, not by the
        # aim or the method that shares its words (assistant/answering/aims.py).
        findings = findings_first(question, eligible)
        if findings is None:
            return [], {"described": True}
        eligible = findings
        if not eligible:
            unstated = [] if any(timely) else timepoints.written(question)
            return [], {"when": " and ".join(f"“{w}”" for w in unstated)}
        chosen = self.companions(eligible)
        # A primary report before a summary stating the same fact (assistant/provenance.py).
        chosen = primary_first(chosen, lambda c: c.text, lambda c: c.passage.metadata)
        if learned and self.settings.verdict:
            chosen = results_first(
                question,
                eligible,
                chosen,
                self._verdict_model,
                self.settings.effect_reads,
                self.settings.max_sentences,
            )
        if learned and self.settings.decision:  # a yes/no question: its result is cited
            chosen = results_for_decision(question, candidates, chosen, self._verdict_model)
        return chosen, {}

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

    def _from_stated_inputs(self, question: str, ask: NumericAsk, conversation_id: str) -> Answer:
        """A question that gives its own figures ("if 10 of 24 patients ...") is computed."""
        confidence = {"confidence": ask.confidence}
        if ask.stated_percent and not ask.stated:
            percent, decimals, total = ask.stated_percent
            inputs = {"percent": percent, "denominator": total, "decimals": decimals}
            calcs = [calculate("counts_from_percent", inputs)]
        elif ask.compare and len(ask.stated) >= 2:
            a, b = ask.stated[:2]
            inputs = {"events_a": a.count, "n_a": a.total, "events_b": b.count, "n_b": b.total}
            inputs["event_is"] = "harm" if ask.harm else "benefit"
            calcs = [calculate("compare_arms", inputs | confidence)]
        else:
            calcs = [
                calculate(
                    "response_rate", {"responders": p.count, "evaluable": p.total} | confidence
                )
                for p in ask.stated[:2]
            ]
        text = " ".join(f"{c.text}." for c in calcs)
        return Answer(
            question=question,
            answer=f"Computed from the figures in the question: {text}",
            abstained=False,
            calculations=calcs,
            conversation_id=conversation_id,
        )

    def _calculations(
        self, ask: NumericAsk, chosen: list[Candidate]
    ) -> list[tuple[Calculation, list[Candidate]]]:
        """Calculations over the figures the chosen sentences report, each with its sources."""
        out: list[tuple[Calculation, list[Candidate]]] = []
        confidence = {"confidence": ask.confidence}
        for c in chosen:  # a reported percent that its own counts do not round to is flagged
            figures = figures_in(c.text)
            for pair in figures.pairs:
                percent = _percent_beside(figures, pair, c.text)
                if percent is None:
                    continue
                check = calculate(
                    "counts_from_percent",
                    {
                        "percent": percent.value,
                        "denominator": pair.total,
                        "decimals": percent.decimals,
                    },
                )
                if ask.consistency or pair.count not in check.result["counts"]:
                    out.append((check, [c]))
        if not (ask.wants_calculation or ask.rate):
            return out
        for c in chosen:
            figures = figures_in(c.text)
            pairs = figures.pairs
            if ask.compare and len(pairs) >= 2:
                a, b = pairs[:2]
                inputs = {"events_a": a.count, "n_a": a.total, "events_b": b.count, "n_b": b.total}
                inputs["event_is"] = "harm" if ask.harm or HARM.search(c.text) else "benefit"
                return out + [(calculate("compare_arms", inputs | confidence), [c])]
            if pairs:
                return out + [
                    (
                        calculate(
                            "response_rate",
                            {"responders": p.count, "evaluable": p.total} | confidence,
                        ),
                        [c],
                    )
                    for p in pairs[:2]
                ]
            if figures.percents and (ask.count or ask.interval or ask.consistency):
                found = self._denominator(c, figures)
                if found is None:
                    continue
                total, source = found
                percent = figures.percents[0]
                inputs = {"percent": percent.value, "denominator": total}
                check = calculate("counts_from_percent", inputs | {"decimals": percent.decimals})
                sources = [c] if source is c else [c, source]
                if len(check.result["counts"]) != 1:
                    continue  # no count, or several, fits: nothing safe to compute from
                out.append((check, sources))
                if ask.interval:
                    count = check.result["counts"][0]
                    inputs = {"responders": count, "evaluable": total} | confidence
                    out.append((calculate("response_rate", inputs), sources))
                return out
        return out

    def _denominator(self, c: Candidate, figures: Figures) -> tuple[int, Candidate] | None:
        """What a percent is a percent of: a group size the sentence names, else the nearest
        sentence of the same passage that names one (which is then cited too)."""
        if len(figures.denominators) == 1:
            return figures.denominators[0], c
        if figures.denominators:
            return None  # several group sizes in one sentence: ambiguous
        chunk = c.passage.chunk
        best: tuple[int, int, Candidate] | None = None
        for span in sentence_spans(chunk.text):
            start = chunk.start + span.start
            if start == c.start:
                continue
            text = chunk.text[span.start : span.end]
            sizes = figures_in(text).denominators
            if len(sizes) != 1:
                continue
            distance = abs(start - c.start) + (0 if start < c.start else 10_000)
            if best is None or distance < best[0]:
                source = Candidate(c.passage, start, start + len(text), text)
                best = (distance, sizes[0], source)
        return (best[1], best[2]) if best else None

    def companions(self, eligible: list[Candidate]) -> list[Candidate]:
        """The best sentence that may answer, then the next that may and come close (learned:
        reach the bar or companion_share of the best's probability; coverage: within a tenth
        of it), at most ``max_sentences``."""
        learned = self.settings.rank_by in ("scorer", "cascade")
        best = eligible[0].rank
        bar = min(self.threshold, self.settings.companion_share * best) if learned else 0.9 * best
        chosen = [eligible[0]] + [c for c in eligible[1:] if c.rank >= bar]
        return chosen[: self.settings.max_sentences]

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
    def _may_answer(self, c: Candidate, best: bool = False) -> bool:
        """Whether a sentence may answer (``AnswerSettings.decline_by``): it covers enough of
        the question, or means nearly the same and covers half as much, and, when a learned
        model ranks, is its ``best`` or reaches half its bar (a sentence the model ranks low
        that only shares the question's words is not an answer; the best needs no coverage at
        ``waive_coverage_at`` times the bar); or, by probability, it reaches the bar. A field
        line the question asks for may answer."""
        if c.field:
            return True
        if self.settings.decline_by == "probability":
            return c.score >= self.threshold
        if self.settings.rank_by != "coverage":
            if not best and c.score < self.threshold / 2:
                return False
            if best and c.score >= self.settings.waive_coverage_at * self.threshold:
                return True
        bar = self.settings.min_coverage
        return c.context_coverage >= bar or (
            c.similarity >= self.settings.min_similarity and c.context_coverage >= bar / 2
        )

    def _coverage(self, query: Query, candidates: list[Candidate]) -> None:
        """Each candidate's idf-weighted share of the question's term groups found in it and
        its context (terms weigh the store's BM25 idf; an expansion its words' mean)."""
        lexical = self.retriever.lexical
        weights = []
        for g in query.groups:
            forms = [lexical.idf(g.term)]
            forms += [float(np.mean([lexical.idf(t) for t in a])) for a in g.alternatives if a]
            weights.append(min(forms))
        total = sum(weights)

        def share(tokens: set[str]) -> float:
            found = sum(w for g, w in zip(query.groups, weights, strict=True)
                        if g.satisfied_by(tokens))  # fmt: skip
            return found / total if total > 0 else 0.0

        quantitative = bool(_QUANTITY.search(query.text))
        for c in candidates:
            c.coverage = share(c.tokens)
            c.context_coverage = share(c.context)
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
                    p, start, start + len(text), text, tokens, tokens | _passage_context(p), vector
                )
            )
        missing = [c for c in candidates if c.vector is None]
        for c, vec in zip(missing, self._vectors([c.text for c in missing]), strict=True):
            c.vector = vec
        q_vec = np.asarray(self.retriever.query_vector(query.dense_text or query.text))
        matrix = np.stack([c.vector for c in candidates]).astype(np.float32)
        for c, cosine in zip(candidates, matrix @ q_vec, strict=True):
            c.similarity = float(cosine)
        # The scorer runs only when something reads its probability (the rank, the bar).
        if self.settings.rank_by != "coverage" or self.settings.decline_by == "probability":
            for c, probability in zip(candidates, self._probabilities(query, q_vec, pool, matrix),
                                      strict=True):  # fmt: skip
                c.score = float(probability)
        self._coverage(query, candidates)
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
        self, query: Query, q_vec: np.ndarray, pool: list, matrix: np.ndarray
    ) -> np.ndarray:
        """The scorer's probability for every sentence of the pool; with the reranker
        (``rank_by`` 'cascade'), its best ``rerank_top`` reread and their probability mixed
        from both, the rest kept below them in the scorer's order."""
        scorer = self.scorer
        z = scorer.logits(features(query, q_vec, pool, matrix, scorer.idf, dense=scorer.dense))
        probabilities = scorer.calibrated(z)
        reranker = self.reranker
        if reranker is None or not len(z):
            return probabilities
        top = np.argsort(-z, kind="stable")[: self.settings.rerank_top or reranker.top]
        texts = [pair_text(spelled_out(pool[i].text, query.defined), pool[i].heading) for i in top]
        asked = query.dense_text or query.text  # abbreviations expanded, as it was calibrated
        mixed = reranker.combined(z[top], reranker.logits(asked, texts))
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

    # -- abstaining --------------------------------------------------------------------------
    def _abstain(
        self,
        question: str,
        query: Query,
        candidates: list[Candidate],
        conversation_id: str,
        searched: str = "",
        when: str = "",
        described: bool = False,
        gate: tuple[float, float] | None = None,
    ) -> Answer:
        """A declined answer saying why (``when``: the question's time points, none stated;
        ``described``: the sentences that may answer only describe the study), citing the two
        closest passages."""
        if described:
            message = (
                f"The indexed documents do not answer this{searched}: the passages found say "
                "what the study set out to measure or how, but report no result for it."
            )
        elif when:
            message = (
                f"The indexed documents do not answer this{searched}: no passage found states "
                f"the time point asked about ({when})."
            )
        elif not query.groups:
            message = f"The question names nothing specific to look for in the documents{searched}."
        else:
            seen = set().union(*(c.context for c in candidates))
            missing = [g.surface for g in query.groups if not g.satisfied_by(seen)]
            if missing:
                named = ", ".join(f"“{m}”" for m in missing)
                message = (
                    f"The indexed documents do not answer this{searched}: no passage found "
                    f"mentions {named}."
                )
            elif gate is not None:
                message = (
                    f"The indexed documents do not answer this{searched}: no sentence found "
                    f"reads as an answer to it (the documents answer it with probability "
                    f"{gate[0]:.2f} by the answer gate, below its bar of {gate[1]:.2f})."
                )
            elif self.settings.decline_by == "coverage":
                named = ", ".join(f"“{g.surface}”" for g in query.groups)
                message = (
                    f"The indexed documents do not answer this{searched}: no passage found "
                    f"states {named} together."
                )
            else:
                best = candidates[0].score if candidates else 0.0
                message = (
                    f"The indexed documents do not answer this{searched}: no sentence found "
                    f"reads as an answer (the closest scored {best:.2f}, below the bar of "
                    f"{self.threshold:.2f})."
                )
        nearest = closest(candidates)
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


def closest(candidates: list[Candidate], n: int = 2) -> list[Candidate]:
    """The first ``n`` candidates of distinct chunks: where a declined answer points."""
    nearest: list[Candidate] = []
    for c in candidates:
        if c.passage.chunk.chunk_id not in {x.passage.chunk.chunk_id for x in nearest}:
            nearest.append(c)
        if len(nearest) == n:
            break
    return nearest


def _has_figure(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def _figures_first(query: Query, ranked: list[Candidate]) -> list[Candidate]:
    """For a question that asks for a figure ("how many", "what dose"), a best sentence that
    states none (an aim, a method) gives way to the next that states one, when the model
    ranks it at least ``FIGURE_SHARE`` of the best's probability. For "how many patients",
    the figure is a count of them, not a duration or a dose."""
    states = states_count if asks_count(query.text) else _has_figure
    if not ranked or states(ranked[0].text) or not _ASKS_FIGURE.search(query.text):
        return ranked
    floor = FIGURE_SHARE * ranked[0].rank
    for i, c in enumerate(ranked[1:], start=1):
        if c.rank < floor:
            break
        if states(c.text):
            return [c] + ranked[:i] + ranked[i + 1 :]
    return ranked


def without(query: Query, terms: set[str]) -> Query:
    """The query less the terms that chose its scope: within the documents of the trial a
    question names, the name tells their sentences apart no more."""
    if not terms:
        return query
    kept = tuple(g for g in query.groups if g.term not in terms)
    return replace(query, groups=kept)


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
            **provenance(c.passage.metadata),
        )
        for n, c in enumerate(chosen, start=1)
    ]


def _percent_beside(figures: Figures, pair: Pair, text: str) -> Percent | None:
    """The percent written right next to a count: "74% (14/19)" or "14/19 (74%)"."""
    for p in figures.percents:
        between = text[pair.end : p.start] if p.start >= pair.end else text[p.end : pair.start]
        if len(between) <= 3 and set(between) <= set(" ()[],;="):
            return p
    return None


_MARKER = re.compile(r"\[(\d+)\]")


def renumber(answer: Answer) -> Answer:
    """Drop citations no marker refers to any more and number the rest 1, 2, ... in order."""
    used = [int(n) for n in _MARKER.findall(answer.answer)]
    order = list(dict.fromkeys(n for n in used if any(c.n == n for c in answer.citations)))
    new = {old: i for i, old in enumerate(order, start=1)}
    text = _MARKER.sub(lambda m: f"[{new.get(int(m.group(1)), m.group(1))}]", answer.answer)
    citations = [
        c.model_copy(update={"n": new[c.n]})
        for c in sorted(answer.citations, key=lambda c: new.get(c.n, 0))
        if c.n in new
    ]
    calculations = [
        calc.model_copy(update={"cited": sorted(new[n] for n in calc.cited if n in new)})
        for calc in answer.calculations
        if calc.text and any(n in new for n in calc.cited) or not calc.cited
    ]
    return answer.model_copy(
        update={"answer": text, "citations": citations, "calculations": calculations}
    )
