"""Selection: which ranked sentences answer the question, or why none does.

With ``decline_by`` 'coverage' (the default) a sentence may answer when it covers enough of the
question and, under a learned ranking, is the best or reaches half the bar; with 'probability'
when it reaches the bar; with 'gate' the answer gate (``assistant/scoring/answerable.py``) first
judges whether the scope answers the question at all. A question about a time point is answered
only by a sentence stating it, an effect question only by a result about its outcome, a question
wanting a finding by a sentence reporting one. The best sentence that may answer leads, with
the next that come close, a primary report before a summary stating the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.answer_settings import AnswerSettings
from assistant.answering.aims import (
    amounts_first,
    counted_event,
    findings_first,
    own_findings_first,
    same_survival,
)
from assistant.answering.candidates import Candidate, unmentioned
from assistant.answering.groups import asks_each_group, with_parallel
from assistant.answering.kinds import PEOPLE_WORDS, kind_of
from assistant.language import timepoints
from assistant.language.defined_terms import spelled_out
from assistant.language.query import Query, TermGroup, is_name
from assistant.language.text import tokenize
from assistant.provenance import primary_first
from assistant.retrieval.hybrid import Retriever
from assistant.scoring import answerable
from assistant.scoring.answerable import AnswerGate
from assistant.verdicts.decision import results_for_decision
from assistant.verdicts.effects import outcome_terms
from assistant.verdicts.verdict import VerdictModel, results_first, stating_result

MEDIAN = "median"  # the term "median" folds to

# A sentence this share of the best's probability or more is as good a reading as the best
# (the model is torn between them).
TORN_SHARE = 0.5


# Words of an outcome that do not say which it is ("the risk of", "the number of patients").
_UNSPECIFIC = frozenset(tokenize("risk rate number proportion share score level control incidence "
                                 "episodes time total mean change new"))  # fmt: skip


def names_outcome(outcome: list[TermGroup], c: Candidate, query: Query) -> bool:
    """Whether a sentence, with its heading and the short forms it uses spelled out as its
    paper defines them ("HRQOL"), names the outcome a question asks about: one of its words that
    say which it is (not "risk", "rate", "patients")."""
    specific = [g for g in outcome
                if g.term not in _UNSPECIFIC and g.surface.lower() not in PEOPLE_WORDS]  # fmt: skip
    if not specific:
        return True
    read = f"{c.passage.chunk.section} {spelled_out(c.text, query.defined)}"
    said = c.tokens | set(tokenize(read))
    return any(g.satisfied_by(said) for g in specific)


class Selection:
    """The extractive engine's choice of answering sentences (a part of ``ExtractiveEngine``)."""

    retriever: Retriever
    settings: AnswerSettings

    if TYPE_CHECKING:  # the engine's properties, read-only

        @property
        def gate(self) -> AnswerGate | None: ...

        @property
        def threshold(self) -> float: ...

    _verdict_model: Callable[[], VerdictModel]

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
            answers = gate.probability(answerable.gate_features(query, candidates, idf))
            bar = self.settings.gate_bar if self.settings.gate_bar is not None else gate.bar
            if answers < bar:
                return [], {"gate": (answers, bar)}
            sure = answers >= max(bar, gate.answers_at)
        # A name the question writes (a trial, a scale, a drug code) that no passage in scope
        # mentions: the passages are about something else (the decline names it).
        field_first = bool(candidates) and candidates[0].field
        if not field_first and any(is_name(g.surface) for g in unmentioned(query, candidates)):
            return [], {}
        kind = kind_of(question)  # a kind every trial report answers of itself, if any
        # A question about a time point is answered only by a sentence stating it.
        times = timepoints.time_points(question)
        read = [f"{c.passage.chunk.section} {c.text}" for c in candidates]  # section, sentence
        timely = [timepoints.states(times, r) for r in read]
        # Nor is a question about one kind of survival by a sentence about another.
        timely = [t and same_survival(question, r) for t, r in zip(timely, read, strict=True)]
        # A count of people is of those the question says it happened to: "How many relapsed?"
        # is not answered by how many were allocated (the sentence or its section says it).
        event = counted_event(question)
        said = [g for g in query.groups if event and g.surface.lower() == event.lower()]
        if said:
            timely = [t and said[0].satisfied_by(c.tokens | set(tokenize(c.passage.chunk.section)))
                      for t, c in zip(timely, candidates, strict=True)]  # fmt: skip
        # A question asking for a median is answered only by a sentence (or section) giving
        # one: a rate at a time point or a hazard ratio is another statistic.
        if MEDIAN in tokenize(question):
            gives = [MEDIAN in c.context for c in candidates]
            if not any(gives):
                return [], {"statistic": MEDIAN}
            timely = [t and g for t, g in zip(timely, gives, strict=True)]
        # When the best answers, a sentence the model ranks nearly as high (TORN_SHARE of its
        # probability) may answer beside it though it is below half the bar: the model is torn.
        first = bool(candidates) and timely[0] and self._may_answer(candidates[0], best=True)
        lead = candidates[0].score if first and learned else 0.0
        eligible = candidates[:1] if first else []
        eligible += [
            c
            for i, c in enumerate(candidates[1:], start=1)
            if timely[i] and self._may_answer(c, lead=lead)
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
        # Nor by a sentence that does not itself name the outcome (with its heading): the
        # title and the trial name every outcome of the paper.
        if eligible and outcome:
            eligible = [c for c in eligible if names_outcome(outcome, c, query)]
            if not eligible:
                return [], {"outcome": "“" + " ".join(g.surface for g in outcome) + "”"}
        # A question wanting a finding is answered by a sentence reporting one, not by the
        # aim or the method that shares its words (assistant/answering/aims.py).
        findings = findings_first(question, eligible)
        if findings is None:
            return [], {"described": True}
        # Nor by another study's finding that the paper's background or discussion cites.
        sections = {c.section for c in candidates}  # where the paper's sentences stand
        own = own_findings_first(question, findings, sections, kind is not None)
        if own is None:
            return [], {"others": True}
        eligible = own
        # A question asking how many or how much is answered by a sentence stating an amount.
        amounts = amounts_first(question, eligible)
        if amounts is None:
            return [], {"amountless": True}
        eligible = amounts
        if not eligible:
            unstated = [] if any(timely) else timepoints.written(question)
            return [], {"when": " and ".join(f"“{w}”" for w in unstated)}
        chosen = self.companions(eligible)
        # A primary report before a summary stating the same fact (assistant/provenance.py).
        chosen = primary_first(chosen, lambda c: c.text, lambda c: c.passage.metadata)
        if asks_each_group(question):  # each arm's sentence, written alike (groups.py)
            chosen = with_parallel(chosen, candidates, self.settings.max_sentences)
        if learned and self.settings.verdict:
            chosen = results_first(
                question,
                eligible,
                chosen,
                self._verdict_model,
                self.settings.effect_reads,
                self.settings.max_sentences,
            )
        if learned and self.settings.decision and not (kind is not None and kind.conduct):
            # a yes/no question about a finding: its result is cited
            # (this trial's: not another study's that the background or discussion cites)
            own = own_findings_first(question, candidates, sections)
            chosen = results_for_decision(question, own or [], chosen, self._verdict_model)
        return chosen, {}

    def _may_answer(self, c: Candidate, best: bool = False, lead: float = 0.0) -> bool:
        """Whether a sentence may answer (``AnswerSettings.decline_by``): it covers enough of
        the question, or means nearly the same and covers half as much, and, when a learned
        model ranks, is its ``best`` or reaches half its bar or ``TORN_SHARE`` of the best's
        probability ``lead`` (a sentence the model ranks low that only shares the question's
        words is not an answer; the best needs no coverage at ``waive_coverage_at`` times the
        bar); or, by probability, it reaches the bar. A field
        line the question asks for may answer."""
        if c.field:
            return True
        if self.settings.decline_by == "probability":
            return c.score >= self.threshold
        if self.settings.rank_by != "coverage":
            floor = self.threshold / 2 if not lead else min(self.threshold / 2, TORN_SHARE * lead)
            if not best and c.score < floor:
                return False
            if best and c.score >= self.settings.waive_coverage_at * self.threshold:
                return True
        bar = self.settings.min_coverage
        return c.context_coverage >= bar or (
            c.similarity >= self.settings.min_similarity and c.context_coverage >= bar / 2
        )

    def companions(self, eligible: list[Candidate]) -> list[Candidate]:
        """The best sentence that may answer, then the next that may and come close (learned:
        reach the bar or companion_share of the best's probability; coverage: within a tenth
        of it), at most ``max_sentences``; a sentence the documents repeat, once."""
        learned = self.settings.rank_by in ("scorer", "cascade")
        best = eligible[0].rank
        bar = min(self.threshold, self.settings.companion_share * best) if learned else 0.9 * best
        chosen = [eligible[0]] + [c for c in eligible[1:] if c.rank >= bar]
        # A sentence a paper repeats (its abstract, then its results) is quoted once.
        once = [c for i, c in enumerate(chosen) if all(c.text != d.text for d in chosen[:i])]
        return once[: self.settings.max_sentences]
