"""What a paper found, for a question that asks for its gist.

"What did this trial find?", "What was the main result?" and "Summarise the findings" name no
outcome, so no sentence matches them by its words: the ranker picks an aim or a method. A
paper states its gist in one place, its conclusion (a structured abstract's "Conclusions:",
a Lancet paper's "Interpretation"). Asked within one document, such a question is answered
by the first sentences of the first conclusion (in document order, so the abstract's before
the discussion's); failing one, by the first sentences of the first results section that
report a finding (``assistant.answering.aims``).
"""

from __future__ import annotations

import re

from assistant.answering.aims import describes_only

_GIST_QUESTION = re.compile(
    r"\b(?:what (?:was|were|are|is) the (?:main|key|principal|major|overall|headline|primary)"
    r" (?:results?|findings?|conclusions?|message|take-?aways?)"
    r"|what (?:was|were|are|is) the (?:results?|findings?|conclusions?|bottom line)"
    r"(?: of (?:the|this) (?:trial|study|paper|article|review|analysis))?\s*\??\s*$"
    r"|what did (?:the|this|that) (?:trial|study|paper|article|review|analysis|rct)"
    r" (?:find|show|conclude|demonstrate|report)\s*\??\s*$"
    r"|(?:summari[sz]e|sum up) (?:the|this|its) (?:trial|study|paper|article|results?|findings?)"
    r"|what (?:was|is) the bottom line)",
    re.I,
)

# A heading (or an abstract's label, with its colon) opening a conclusion: "Conclusions",
# "ABSTRACT.CONCLUSIONS:", "Interpretation", "Main findings"; and one opening results.
_CONCLUSION = (
    r"^\W*(?:[a-z]+\.)?(?:conclusions?(?: and relevance)?|interpretation|main findings|"
    r"summary|implications?)\b"
)
_RESULTS = r"^\W*(?:[a-z]+\.)?(?:results?|findings)\b"


def asks_gist(question: str) -> bool:
    """Whether ``question`` asks what a paper found as a whole, naming no outcome."""
    return bool(_GIST_QUESTION.search(question.strip()))


def gist(candidates: list, most: int) -> list:
    """The first ``most`` sentences under the first conclusion heading among ``candidates``
    (each with ``.text``, ``.start``, ``.passage``), else the first ones reporting a finding
    under the first results heading; none when the paper has neither."""
    ordered = sorted(candidates, key=lambda c: (c.passage.chunk.doc_id, c.start))
    headings = [c.section for c in ordered]
    for pattern, keep in ((_CONCLUSION, lambda c: True),
                          (_RESULTS, lambda c: not describes_only(c.text))):  # fmt: skip
        for i, h in enumerate(headings):
            if re.match(pattern, h, re.I):
                block = [c for c, g in zip(ordered[i:], headings[i:], strict=True) if g == h]
                found = [c for c in block if keep(c)]
                if found:
                    return found[:most]
    return []
