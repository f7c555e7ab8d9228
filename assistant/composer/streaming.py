"""An answer as the sentences it was composed of, each with what it cites, for streaming.

The extractive engine composes an answer sentence by sentence, each sentence ending in its
``[n]`` markers, and joins them with single spaces. ``pieces`` cuts the finished (verified and
renumbered) answer back at those joins, so what a client appends piece by piece is exactly the
final ``answer`` text and every piece brings the citation objects its markers refer to: a
streamed citation can never differ from the one in the final answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import BaseModel, Field

from assistant.models import Answer, Calculation, Citation

_MARKER = re.compile(r"\[(\d+)\]")
# A sentence ends after its run of markers (and a full stop written after them, as a language
# model may), where the next sentence starts: not inside "are [1] and [2]".
_JOIN = re.compile(r"(?:\[\d+\])+[.!?;:]?(?=\s+[^\sa-z])")


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


def split_sentences(text: str) -> list[str]:
    """``text`` cut after each sentence's closing markers; ``"".join(result) == text``."""
    cuts = [m.end() for m in _JOIN.finditer(text)]
    out, start = [], 0
    for cut in cuts:
        end = cut + (len(text[cut:]) - len(text[cut:].lstrip()))
        out.append(text[start:end])
        start = end
    if start < len(text) or not out:
        out.append(text[start:])
    return out


def pieces(answer: Answer) -> Iterator[Piece]:
    by_n = {c.n: c for c in answer.citations}
    for index, sentence in enumerate(split_sentences(answer.answer)):
        numbers = dict.fromkeys(int(n) for n in _MARKER.findall(sentence))
        yield Piece(
            index=index,
            text=sentence,
            citations=[by_n[n] for n in numbers if n in by_n],
            calculations=[c for c in answer.calculations if c.text and c.text in sentence],
        )
