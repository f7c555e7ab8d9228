"""The claim checker: which sentences of a pasted text the indexed sources support.

A text (a slide, an abstract draft, another model's answer) is cut into sentences; each that
makes a checkable claim (it names at least three things, or a figure and one thing) is read
like a question by the extractive engine: the same retrieval, scope (filters, or the trials it
names), answer scorer and reranker, and the same bar for a sentence that may answer
(``ExtractiveEngine._may_answer``). Its best sentences are cited, verbatim with offsets.

Each number of the claim is checked against those quotes (``assistant/checking/claim_numbers.py``):
matches, derived (a calculator reproduces it), differs (``source_says`` what the quote says,
verbatim) or not found. The verdict is conservative:

- **contradicted**: a quote that covers the claim states another value for one of its figures,
  or the opposite significance ("significantly" against "no significant difference", a p-value
  or an interval read against its null; ``assistant/verdicts/effects.py``);
- **supported**: a quote covers the claim, every figure of the claim matches or is derived, and
  the claim and its best quote agree in negation ("did not" on one side only is not support);
- **not_found** otherwise. A claim nothing covers cites the two closest sentences, as a declined
  answer does, so the reader sees where the checker looked.

The number gate holds: every ``source_says`` is checked by ``assistant.answering.verify``
against the claim's quotes and calculations, and dropped if it states a figure they do not.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Literal

from pydantic import BaseModel, Field

from assistant.answering.candidates import Candidate, cited_as, closest, without
from assistant.answering.engine import ExtractiveEngine
from assistant.answering.verify import verify
from assistant.checking.claim_numbers import check_numbers
from assistant.errors import InputError
from assistant.language.query import Query, TermGroup, analyse
from assistant.language.text import sentence_spans, tokenize
from assistant.models import Citation, Filters
from assistant.verdicts.effects import cues

MAX_TEXT_CHARS = 20_000
MAX_CLAIMS = 100
MIN_TERMS = 3  # things a claim without a figure must name to be checkable
NO_CLAIM = (
    "The text makes no checkable claim: no sentence states a figure or names enough to look up."
)
_NEGATION = re.compile(r"\b(?:not|no|never|none|neither|nor|without|cannot|\w+n't)\b", re.I)

Verdict = Literal["supported", "contradicted", "not_found"]
Status = Literal["matches", "differs", "not_found", "derived"]


class ClaimNumber(BaseModel):
    text: str = Field(description="The figure as the claim writes it.")
    status: Status = Field(
        description="matches: a cited quote states it; derived: a calculator reproduces it from "
        "cited figures; differs: a cited quote states another value for the same thing; "
        "not_found: none of these."
    )
    source_says: str | None = Field(
        default=None,
        description="What the source states instead or in support: a figure of a quote, the "
        "quote's clause holding a different value (verbatim), or the calculation's text.",
    )
    cited: list[int] = Field(default_factory=list, description="Citation numbers it rests on.")


class Claim(BaseModel):
    text: str
    start: int = Field(ge=0, description="Offset of the claim in the posted text.")
    end: int = Field(ge=0)
    verdict: Verdict
    citations: list[Citation] = Field(default_factory=list)
    numbers: list[ClaimNumber] = Field(default_factory=list)


class CheckResult(BaseModel):
    claims: list[Claim] = Field(default_factory=list)
    message: str | None = Field(
        default=None, description="Why no claim (or not every claim) was checked, if so."
    )


def _figureless(query: Query) -> Query:
    """The claim's terms without its figures: a differing figure must not hide its evidence."""
    kept = tuple(g for g in query.groups if not any(ch.isdigit() for ch in g.term))
    return replace(query, groups=kept)


def checkable(claim: str, query: Query | None = None) -> bool:
    """Whether a sentence makes a claim worth looking up: not a question, and it names at
    least ``MIN_TERMS`` things, or states a figure and names one."""
    if claim.rstrip().endswith("?"):
        return False
    groups: tuple[TermGroup, ...] = _figureless(query or analyse(claim)).groups
    has_figure = any(ch.isdigit() for ch in claim)
    return len(groups) >= MIN_TERMS or (has_figure and len(groups) >= 1)


def _opposite_significance(claim: str, quote: str) -> bool:
    """The claim says significant and the quote only not significant, or the other way."""
    said = {c.significant for c in cues(claim)}
    found = {c.significant for c in cues(quote)}
    return len(said) == 1 and len(found) == 1 and said != found


def _negated(text: str) -> bool:
    return bool(_NEGATION.search(text))


def check_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """``text`` when it can be checked; an ``InputError`` when it is empty or too long."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("the text is empty: give the sentences to check")
    if len(text) > limit:
        raise InputError(f"the text is {len(text):,} characters long; the limit is {limit:,}")
    return text


class ClaimChecker:
    """Checks the claims of a text against what ``engine`` can retrieve and cite."""

    def __init__(self, engine: ExtractiveEngine, max_chars: int = MAX_TEXT_CHARS):
        self.engine = engine
        self.max_chars = max_chars

    def check(self, text: str, filters: Filters | None = None) -> CheckResult:
        check_text(text, self.max_chars)
        claims: list[Claim] = []
        skipped = 0
        for span in sentence_spans(text):
            sentence = text[span.start : span.end]
            query = analyse(" ".join(sentence.split()))
            if not checkable(sentence, query):
                continue
            if len(claims) == MAX_CLAIMS:
                skipped += 1
                continue
            claims.append(self.check_claim(sentence, span.start, query, filters))
        message = None if claims else NO_CLAIM
        if skipped:
            message = f"Only the first {MAX_CLAIMS} claims were checked; {skipped} more were not."
        return CheckResult(claims=claims, message=message)

    def evidence(
        self, claim: str, query: Query, filters: Filters | None
    ) -> tuple[list[Candidate], bool]:
        """The claim's best sentences and whether they cover it: those that may answer it (best
        first, companions as for an answer), else the two closest, not covering."""
        engine, retriever = self.engine, self.engine.retriever
        named, written = retriever.trial_names.found(claim)
        scope, _ = engine._scope(filters, named, written)
        wanted = max(retriever.settings.k, engine.settings.pool_passages)
        passages = retriever.search(query, wanted, filters)
        if not passages:
            return [], False
        pool = engine._pool(passages, scope)
        terms = _figureless(query)
        if named and {p.chunk.doc_id for p in pool} <= named:
            terms = without(terms, set(tokenize(" ".join(written))))
        candidates = engine._score(terms, pool)
        eligible = [c for i, c in enumerate(candidates) if engine._may_answer(c, best=i == 0)]
        if named:  # a claim about a trial is supported or contradicted by its documents only
            eligible = [c for c in eligible if c.passage.chunk.doc_id in named]
        if not eligible:
            return closest(candidates), False
        return engine.companions(eligible), True

    def check_claim(
        self, claim: str, offset: int, query: Query | None = None, filters: Filters | None = None
    ) -> Claim:
        query = query or analyse(" ".join(claim.split()))
        cited, covered = self.evidence(claim, query, filters)
        citations = cited_as(cited)
        quotes = [c.quote for c in citations]
        numbers = []
        for found in check_numbers(claim, quotes):
            says = found.source_says
            calculations = [says] if says and found.status == "derived" else []
            if says is not None and not verify(says, quotes, calculations).ok:
                says = None  # the gate: no figure that neither a quote nor a calculation holds
            numbers.append(
                ClaimNumber(
                    text=found.text,
                    status=found.status,
                    source_says=says,
                    cited=[i + 1 for i in found.cited],
                )
            )
        verdict: Verdict = "not_found"
        if covered:
            differs = any(n.status == "differs" for n in numbers)
            opposite = any(_opposite_significance(claim, q) for q in quotes)
            agreeing = all(n.status in ("matches", "derived") for n in numbers)
            if differs or opposite:
                verdict = "contradicted"
            elif agreeing and _negated(claim) == _negated(quotes[0]):
                verdict = "supported"
        return Claim(
            text=claim,
            start=offset,
            end=offset + len(claim),
            verdict=verdict,
            citations=citations,
            numbers=numbers,
        )


def checker_for(engine) -> ClaimChecker:
    """The checker over an engine: the extractive engine itself, or the one a language-model
    composer wraps (claims are checked against quotes, never against a model's words)."""
    extractive = getattr(engine, "extractive", engine)
    if not isinstance(extractive, ExtractiveEngine):
        raise InputError("checking claims needs the extractive engine")
    return ClaimChecker(extractive)
