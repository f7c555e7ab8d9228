"""The composition: the verified sentences of a model's answer so far, and what they cite.

Each sentence the grounding gate keeps is appended with the markers of the quotes the gate
chose for it; a quote is numbered the first time a sentence cites it, so the citations are
numbered in the order the answer first cites them and a quote cited twice keeps its number.
"""

from __future__ import annotations

import re

from assistant.composer.gate import Quote
from assistant.models import Citation
from assistant.provenance import provenance


class Composition:
    """The verified sentences so far, and the citations they number in order."""

    def __init__(self) -> None:
        self.sentences: list[str] = []
        self.said: set[str] = set()  # the claims' texts, before markers
        self.citations: list[Citation] = []
        self._numbers: dict[tuple[str, int, int], int] = {}

    def cite(self, quote: Quote | Citation) -> int:
        key = (quote.doc_id, quote.start, quote.end) if isinstance(quote, Citation) else quote.key
        if key not in self._numbers:
            n = self._numbers[key] = len(self.citations) + 1
            if isinstance(quote, Citation):
                self.citations.append(quote.model_copy(update={"n": n}))
            else:
                p = quote.passage
                self.citations.append(
                    Citation(
                        n=n,
                        doc_id=p.chunk.doc_id,
                        title=p.title,
                        source=p.source,
                        chunk_id=p.chunk.chunk_id,
                        start=quote.start,
                        end=quote.end,
                        quote=quote.text,
                        **provenance(p.metadata),
                    )
                )
        return self._numbers[key]

    def add(self, text: str, numbers: list[int]) -> str:
        """Append a sentence; returns the token to stream (with its leading space)."""
        text = text.rstrip()
        self.said.add(text)
        if not re.search(r"[.!?:;)\]\"'\u201d]$", text):
            text += "."
        markers = "".join(f"[{n}]" for n in dict.fromkeys(numbers))
        sentence = f"{text} {markers}"
        token = (" " if self.sentences else "") + sentence
        self.sentences.append(sentence)
        return token

    @property
    def text(self) -> str:
        return " ".join(self.sentences)
