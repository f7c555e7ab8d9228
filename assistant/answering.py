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

from assistant.calculators import calculate
from assistant.embeddings import Embedder
from assistant.errors import CalculatorInputError, InputError
from assistant.models import Answer, Calculation, Citation, Filters, Passage
from assistant.numeric import HARM, Figures, NumericAsk, Pair, Percent, figures_in, read_question
from assistant.query import Query, TermGroup, analyse
from assistant.retrieval import Retriever
from assistant.sentences import statements
from assistant.settings import AnswerSettings
from assistant.text import sentence_spans, tokenize
from assistant.verify import strip_unsupported

_QUANTITY = re.compile(
    r"\b(how many|how much|rate|rates|percent|percentage|proportion|number|incidence|median|"
    r"mean|ratio|frequency|count|risk|%)", re.I
)  # fmt: skip


# How each calculation is introduced in an answer.
_CALC_LEAD = {
    "response_rate": "Calculated from the cited counts",
    "counts_from_percent": "Checked against the cited figures",
    "compare_arms": "Comparing the two cited arms",
    "imwg_cumulative": "Calculated from the cited response categories",
    "ae_incidence": "Calculated from the cited counts",
}

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
    vector: np.ndarray | None = None  # stored at ingest, else embedded when scored
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
        ask = read_question(question)
        if ask.stated or ask.stated_percent:
            return self._from_stated_inputs(question, ask, conversation_id)
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
        # A question naming a trial is answered from that trial's documents only, and the
        # name then tells those documents' sentences apart no more: it does not count to
        # their coverage (else "PFS in TRIAL-X" would be answered by any TRIAL-X sentence).
        named_docs: set[str] = set()
        named_terms: set[str] = set()
        if not (filters and filters.active()):
            named_docs, written = self.retriever.trial_names.found(question)
            named_terms = set(tokenize(" ".join(written)))
        candidates = self._score(query, passages, named_terms)
        if not candidates:
            return self._abstain(question, query, [], conversation_id)
        eligible = [
            c
            for c in candidates
            if self._answers(c) and (not named_docs or c.passage.chunk.doc_id in named_docs)
        ]
        if not eligible:
            return self._abstain(question, query, candidates, conversation_id)
        best = eligible[0]
        chosen = [best] + [c for c in eligible[1:] if c.score >= 0.9 * best.score][
            : self.settings.max_sentences - 1
        ]
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
        )

    def _verified(self, answer: Answer, query: Query, candidates: list[Candidate]) -> Answer:
        """The number gate: a sentence stating a number no quote or calculation states goes;
        if nothing is left, the engine abstains instead."""
        quotes = [c.quote for c in answer.citations]
        result = strip_unsupported(answer.answer, quotes, [c.text for c in answer.calculations])
        if not result.removed:
            return answer
        if not result.text.strip():
            return self._abstain(answer.question, query, candidates, answer.conversation_id)
        return renumber(answer.model_copy(update={"answer": result.text}))

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

    def _weights(self, groups: tuple[TermGroup, ...], ignore: set[str]) -> list[float]:
        lexical = self.retriever.lexical
        weights = []
        for g in groups:
            if g.term in ignore:
                weights.append(0.0)
                continue
            forms = [lexical.idf(g.term)]
            forms += [
                float(np.mean([lexical.idf(t) for t in alt])) for alt in g.alternatives if alt
            ]
            weights.append(min(forms))
        return weights

    def _score(
        self, query: Query, passages: list[Passage], ignore: set[str] = frozenset()
    ) -> list[Candidate]:
        candidates: list[Candidate] = []
        seen: set[tuple[str, int]] = set()
        stored = self.retriever.store.sentence_vectors([p.chunk.chunk_id for p in passages])
        for p in passages:
            chunk = p.chunk
            surroundings = _passage_context(p)
            kept = stored.get(chunk.chunk_id)
            if kept is not None and kept.fits(chunk):
                spans, vectors = kept.spans, kept.vectors
            else:  # ingested before statements were kept: found and embedded now
                spans, vectors = [(s.start, s.end) for s in statements(chunk)], None
            for i, (a, b) in enumerate(spans):
                text = chunk.text[a:b]
                start = chunk.start + a
                if (chunk.doc_id, start) in seen:
                    continue  # the same sentence in an overlapping passage
                seen.add((chunk.doc_id, start))
                tokens = set(tokenize(text))
                vector = None if vectors is None else vectors[i]
                candidates.append(
                    Candidate(
                        p, start, start + len(text), text, tokens, tokens | surroundings, vector
                    )
                )
        if not candidates:
            return []
        missing = [c for c in candidates if c.vector is None]
        for c, vec in zip(missing, self._vectors([c.text for c in missing]), strict=True):
            c.vector = vec
        q_vec = np.asarray(self.retriever.query_vector(query.dense_text or query.text))
        weights = self._weights(query.groups, ignore)
        total = sum(weights)
        quantitative = bool(_QUANTITY.search(query.text))

        def share(tokens: set[str]) -> float:
            found = sum(
                w for g, w in zip(query.groups, weights, strict=True) if g.satisfied_by(tokens)
            )
            return found / total if total > 0 else 0.0

        for c in candidates:
            c.similarity = float(np.dot(q_vec, c.vector))
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
