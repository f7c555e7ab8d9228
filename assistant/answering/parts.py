"""The questions a clinician asks in one breath.

"How many were randomised, and how many completed follow-up?" asks two things. Read as one
question, the best sentence answers one half and the other half's words count against it, so
the engine either quotes half an answer or declines. ``parts`` cuts such a question where a
second question visibly begins: after a question mark, a semicolon or ", and" / ", but" before
a question word or an auxiliary ("…, and were they blinded?"), or after a bare "and" before a
question word ("What was the dose and how often was it given?"). A part keeps the question's
own words; it is asked within the scope the whole question was (``ExtractiveEngine``).

What is not cut: a list of measures ("What were the rates of nausea and vomiting?"), "between
X and Y", and a clause that continues the same question ("How many were randomised and
treated?"), since no question word opens it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.abstention import reason_of
from assistant.answering.citations import MARKER, renumber, split_sentences
from assistant.models import Answer, Citation

# Words that open a question of their own.
_WH = r"how|what|which|who|whom|whose|when|where|why"
_AUX = r"did|do|does|was|were|is|are|had|has|have|can|could|will|would|should"
# A second question opening after a semicolon, after ", and" / ", but" / ", plus" ("…, and
# how many …", "…; what …", "…, and were they …"), or after a bare "and" when a question word
# opens it ("… and how often …"). A comma alone does not cut: "In this trial, how many …?".
_CUT = re.compile(
    rf"(?:\s*;\s*(?:and\s+)?|\s*,\s*(?:and|but|plus)\s+)(?:also\s+)?(?=(?:{_WH}|{_AUX})\b)"
    rf"|\s+and\s+(?:also\s+)?(?=(?:{_WH})\b)",
    re.I,
)
# What does not open a second question at a cut:
# - a question word set off by commas, an aside within one question ("What dose, and how
#   often, was infused?");
# - a question word followed by its clause's subject, a clause inside the question ("the
#   benefit of learning about X and how they drive Y", "between when X and when their impact
#   shows").
_ASIDE = re.compile(
    rf"\S+(?:\s+\S+)?\s*,|(?:{_WH})\s+(?:they|it|its|he|she|we|you|i|this|these|those|the|a|an|"
    rf"their|his|her|our)\b",
    re.I,
)
# "between X and Y" is one question however Y begins.
_BETWEEN = re.compile(r"\bbetween\b(?!.*\band\b)", re.I | re.S)
# A part asks something: it holds a question word, or an auxiliary or a request opens it or
# follows a comma ("If …, do they …"); "Steroid injection for tennis elbow; does it relieve
# pain?" asks one thing.
_ASKS = re.compile(
    rf"\b(?:{_WH})\b|(?:^|,\s*)(?:{_AUX}|list|describe|give|name|tell|summari[sz]e|explain)\b",
    re.I,
)
# A question mark ending one question before the next begins.
_MARK = re.compile(r"\?\s+(?=\S)")
# The fewest words a part needs to be a question of its own ("and why?" is not).
MIN_WORDS = 3


def parts(question: str) -> list[str]:
    """The questions ``question`` asks, each ending in a question mark; one element (the
    question itself) when it asks a single thing."""
    pieces: list[str] = []
    for sentence in _MARK.split(question.strip()):
        start = 0
        for cut in _CUT.finditer(sentence):
            opening = sentence[cut.end() :].split(maxsplit=1)[0]
            if (
                _ASIDE.match(sentence, cut.end())
                or _BETWEEN.search(sentence, start, cut.start())
                or (opening.isupper() and len(opening) > 1)  # "the ECDC and WHO"
            ):
                continue
            pieces.append(sentence[start : cut.start()])
            start = cut.end()
        pieces.append(sentence[start:])
    asked = [_as_question(p) for p in pieces if p.strip()]
    if len(asked) < 2 or any(len(p.split()) < MIN_WORDS or not _ASKS.search(p) for p in asked):
        return [question]
    return asked


def _as_question(piece: str) -> str:
    """A piece as a question of its own: capitalised, ending in one question mark."""
    piece = piece.strip().rstrip("?.;, ").strip()
    return piece[:1].upper() + piece[1:] + "?"


def joined(question: str, answers: Sequence[Answer], conversation_id: str) -> Answer:
    """One answer to a question from the answers to its parts, in the parts' order: each
    answered part's sentences, a quote two parts cite numbered once and a sentence two parts
    give stated once; a part the documents do not answer is named in a warning with why."""
    numbered: dict[tuple[str, int, int], int] = {}  # a quote's span -> its number
    citations: list[Citation] = []
    sentences: list[str] = []
    calculations, warnings = [], []
    for answer in answers:
        if answer.abstained:
            warnings.append(f"“{answer.question}” is not answered: {reason_of(answer.answer)}")
            continue
        new: dict[int, int] = {}
        for c in answer.citations:
            span = (c.doc_id, c.start, c.end)
            if span not in numbered:
                numbered[span] = len(numbered) + 1
                citations.append(c.model_copy(update={"n": numbered[span]}))
            new[c.n] = numbered[span]
        text = _renumbered(answer.answer, new)
        sentences += [s.strip() for s in split_sentences(text) if s.strip()]
        calculations += [
            calc.model_copy(update={"cited": sorted(new[n] for n in calc.cited if n in new)})
            for calc in answer.calculations
        ]
        warnings += answer.warnings
    text = " ".join(dict.fromkeys(sentences))
    return renumber(
        Answer(
            question=question,
            answer=text,
            abstained=False,
            citations=citations,
            calculations=calculations,
            conversation_id=conversation_id,
            warnings=list(dict.fromkeys(warnings)),
        )
    )


def _renumbered(text: str, new: dict[int, int]) -> str:
    """``text`` with each marker ``[n]`` numbered ``new[n]``."""
    return MARKER.sub(lambda m: f"[{new.get(int(m.group(1)), m.group(1))}]", text)
