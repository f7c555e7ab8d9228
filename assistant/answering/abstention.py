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
            message = (
                f"The indexed documents do not answer this{searched}: the passages found say "
                "what the study set out to measure or how, but report no result for it."
            )
        elif others:
            message = (
                f"The indexed documents do not answer this{searched}: the passages that state "
                "it report other studies' findings, cited outside the paper's results, not "
                "this trial's."
            )
        elif outcome:
            message = (
                f"The indexed documents do not answer this{searched}: the results found are "
                f"about other outcomes; none names {outcome}."
            )
        elif amountless:
            message = (
                f"The indexed documents do not answer this{searched}: the passages found "
                "mention what it asks about but state no amount for it."
            )
        elif statistic:
            message = (
                f"The indexed documents do not answer this{searched}: no passage found gives "
                f"the {statistic} asked for."
            )
        elif when:
            message = (
                f"The indexed documents do not answer this{searched}: no passage found states "
                f"the time point asked about ({when})."
            )
        elif not query.groups:
            message = f"The question names nothing specific to look for in the documents{searched}."
        else:
            missing = [g.surface for g in unmentioned(query, candidates)]
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
            citations=cited_as(nearest),
            conversation_id=conversation_id,
        )
