"""Citation markers: the ``[n]`` an answer cites its quotes with, read the one way everywhere.

One grammar, in three widths, each the set its readers have always accepted:

- ``MARKER``, one number in square brackets: ``[1]``, ``[2][3]``. The engines write this form,
  and what reads their answers back (renumbering, cutting an answer at its sentences,
  re-citing a calculation) reads only this form, so a document's own ``[1, 2]`` quoted in an
  answer is never taken for a citation.
- ``MARKER_LIST``, numbers in square brackets joined by commas, semicolons or range dashes,
  spaces allowed: ``[1, 2]``, ``[2–3]``, ``[ 4 ]``. The number verifier
  (``assistant.answering.verify``) skips their digits, in answers and in the quotes they cite.
- ``REPLY_MARKER``, what a language model writes: ``[Passage 1]``, ``[passages 1 and 3]``,
  ``[1; 2]``, ``【1】``, in any case, but no ranges. The grounding gate
  (``assistant.composer.gate``) reads its numbers as the passages the sentence cites.

``answer_spans`` and ``reply_spans`` cut a text into sentences that keep the markers written
after their full stop ("... 42%. [1] Most were ..."); ``split_sentences`` cuts a composed answer
after each sentence's markers, losing nothing; ``renumber`` numbers an answer's citations again
after sentences left it.
"""

from __future__ import annotations

import re

from assistant.language.text import sentence_spans
from assistant.models import Answer

MARKER = re.compile(r"\[(\d+)\]")
MARKER_LIST = re.compile(r"\[\s*\d+(?:\s*[,;\u2013-]\s*\d+)*\s*\]")
# "[1]", "[1, 2]", "[1][2]", "[Passage 1]", "[passages 1 and 3]", "【1】"
REPLY_MARKER = re.compile(
    r"[\[\u3010]\s*(?:passages?\s*)?(\d+(?:\s*(?:,|;|and|&)\s*(?:passage\s*)?\d+)*)\s*[\]\u3011]",
    re.I,
)

# The markers that open a sentence span: they close the sentence before.
_LIST_LEAD = re.compile(rf"(?:{MARKER_LIST.pattern}\s*)+")
_REPLY_LEAD = re.compile(rf"(?:{REPLY_MARKER.pattern}[\s.,;]*)+", re.I)
# A sentence ends after its run of markers (and a full stop written after them, as a language
# model may), where the next sentence starts: not inside "are [1] and [2]".
_JOIN = re.compile(rf"(?:{MARKER.pattern})+[.!?;:]?(?=\s+[^\sa-z])")


def numbers(text: str) -> list[int]:
    """The numbers of the ``[n]`` markers in ``text``, in order, repeats included."""
    return [int(n) for n in MARKER.findall(text)]


def reply_numbers(text: str) -> tuple[int, ...]:
    """The passages a model's markers in ``text`` cite, each once, in order."""
    found: list[int] = []
    for m in REPLY_MARKER.finditer(text):
        found.extend(int(n) for n in re.findall(r"\d+", m.group(1)))
    return tuple(dict.fromkeys(found))


def _spans(text: str, lead: re.Pattern[str]) -> list[tuple[int, int]]:
    """Sentence spans of ``text``; markers (``lead``) that open a sentence belong to the one
    before."""
    spans: list[list[int]] = []
    for span in sentence_spans(text):
        start, end = span.start, span.end
        opening = lead.match(text, start, end)
        if opening and spans:
            spans[-1][1] = start + len(opening.group(0).rstrip())
            start = opening.end()
        if start < end:
            spans.append([start, end])
        elif spans:
            spans[-1][1] = end
    return [(a, b) for a, b in spans]


def answer_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans, each keeping the citation markers that follow it ("... 42%. [1]")."""
    return _spans(text, _LIST_LEAD)


def reply_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a model's reply; markers that open a sentence belong to the one before
    ("... 42%. [1] Most were ...")."""
    return _spans(text, _REPLY_LEAD)


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


def renumber(answer: Answer) -> Answer:
    """Drop citations no marker refers to any more and number the rest 1, 2, ... in order."""
    used = numbers(answer.answer)
    order = list(dict.fromkeys(n for n in used if any(c.n == n for c in answer.citations)))
    new = {old: i for i, old in enumerate(order, start=1)}
    text = MARKER.sub(lambda m: f"[{new.get(int(m.group(1)), m.group(1))}]", answer.answer)
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
