"""An answer as the sentences it was composed of, each with what it cites, for streaming.

The extractive engine composes an answer sentence by sentence, each sentence ending in its
``[n]`` markers, and joins them with single spaces. ``pieces`` cuts the finished (verified and
renumbered) answer back at those joins (``assistant.answering.citations.split_sentences``), so
what a client appends piece by piece is exactly the final ``answer`` text and every piece
brings the citation objects its markers refer to: a streamed citation can never differ from the
one in the final answer.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, Field

from assistant.answering.citations import numbers, split_sentences
from assistant.models import Answer, Calculation, Citation


class Piece(BaseModel):
    index: int = Field(ge=0, description="Position of the sentence in the answer, from 0.")
    text: str = Field(
        description="The sentence with its [n] markers and the space that follows it; the "
        "pieces joined in order are exactly the answer text."
    )
    citations: list[Citation] = Field(
        default_factory=list, description="The citations the sentence's markers refer to."
    )
    calculations: list[Calculation] = Field(
        default_factory=list, description="Calculations the sentence states."
    )


def pieces(answer: Answer) -> Iterator[Piece]:
    by_n = {c.n: c for c in answer.citations}
    for index, sentence in enumerate(split_sentences(answer.answer)):
        cited = dict.fromkeys(numbers(sentence))
        yield Piece(
            index=index,
            text=sentence,
            citations=[by_n[n] for n in cited if n in by_n],
            calculations=[c for c in answer.calculations if c.text and c.text in sentence],
        )
