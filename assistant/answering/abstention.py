"""Abstention: the answer the extractive engine gives when nothing answers, saying why.

A declined answer says what was searched (the documents of the trials the question names) and
why nothing answers: which of the question's terms no passage holds, that no passage states
the time point asked about, that the passages only describe what the study set out to
measure, or how far the best sentence (or the answer gate) fell below its bar. It cites the two
closest passages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.answer_settings import AnswerSettings
from assistant.answering.candidates import Candidate, cited_as, closest, unmentioned
from assistant.language.query import Query
from assistant.models import Answer

# How a declined answer opens, then the scope it searched, a colon and why; and how it ends
# when it cites the passages closest to an answer.
DECLINED = "The indexed documents do not answer this"
_CLOSEST = " The closest passages are "


def reason_of(declined: str) -> str:
    """Why a declined answer's text says nothing answers: the reason after ``DECLINED`` and the
    scope, without the closing sentence citing its closest passages (whose numbers are its
    own); the whole text when it gives no such reason."""
    said = declined.split(_CLOSEST, 1)[0].strip()
    return said.split(": ", 1)[1] if said.startswith(DECLINED) and ": " in said else said


class Abstention:
    """The extractive engine's declined answers (a part of ``ExtractiveEngine``)."""

    settings: AnswerSettings

    if TYPE_CHECKING:  # the engine's property, read-only

        @property
        def threshold(self) -> float: ...

    def _abstain(
        self,
        question: str,
        query: Query,
        candidates: list[Candidate],
        conversation_id: str | None,
        searched: str = "",
        when: str = "",
        described: bool = False,
        amountless: bool = False,
        statistic: str = "",
        others: bool = False,
        outcome: str = "",
        gate: tuple[float, float] | None = None,
    ) -> Answer:
        """A declined answer saying why (``when``: the question's time points, none stated;
        ``described``: the sentences that may answer only describe the study; ``amountless``:
        none states the amount asked for; ``statistic``: none gives the statistic asked for;
        ``others``: those that state it report other studies' findings; ``outcome``: those
        that may answer are about other outcomes than this one), citing the two closest
        passages."""
        if described:
            reason = (
                "the passages found say what the study set out to measure or how, but report "
                "no result for it."
            )
        elif others:
            reason = (
                "the passages that state it report other studies' findings, cited outside the "
                "paper's results, not this trial's."
            )
        elif outcome:
            reason = f"the results found are about other outcomes; none names {outcome}."
        elif amountless:
            reason = "the passages found mention what it asks about but state no amount for it."
        elif statistic:
            reason = f"no passage found gives the {statistic} asked for."
        elif when:
            reason = f"no passage found states the time point asked about ({when})."
        elif not query.groups:
            reason = ""
        else:
            missing = [g.surface for g in unmentioned(query, candidates)]
            if missing:
                reason = "no passage found mentions " + ", ".join(f"“{m}”" for m in missing) + "."
            elif gate is not None:
                reason = (
                    f"no sentence found reads as an answer to it (the documents answer it with "
                    f"probability {gate[0]:.2f} by the answer gate, below its bar of "
                    f"{gate[1]:.2f})."
                )
            elif self.settings.decline_by == "coverage":
                named = ", ".join(f"“{g.surface}”" for g in query.groups)
                reason = f"no passage found states {named} together."
            else:
                best = candidates[0].score if candidates else 0.0
                reason = (
                    f"no sentence found reads as an answer (the closest scored {best:.2f}, "
                    f"below the bar of {self.threshold:.2f})."
                )
        message = (
            f"{DECLINED}{searched}: {reason}"
            if reason
            else f"The question names nothing specific to look for in the documents{searched}."
        )
        nearest = closest(candidates)
        if nearest:
            markers = " and ".join(f"[{n}]" for n in range(1, len(nearest) + 1))
            message += f"{_CLOSEST}{markers}."
        return Answer(
            question=question,
            answer=message,
            abstained=True,
            citations=cited_as(nearest),
            conversation_id=conversation_id,
        )
