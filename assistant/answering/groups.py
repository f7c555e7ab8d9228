"""Answers about each group: a paper often gives each arm its own sentence, written alike.

"How many went to each arm?" is answered by "Forty two patients were allocated to surgery."
and the sentence after it, "Forty five patients were allocated to splinting."; "What did the
three groups get?" by "Group A (usual care) ...", "Group B (leaflet) ...", "Group C (leaflet
and call) ...". The ranking finds one of them, and the others, which name another arm than the
question's words, rank below the bar. For a question about each group (``asks_each_group``),
the sentences that follow a quoted one and are written like it (``parallel``: the same opening
words, with a count or a group's letter where they differ) are quoted after it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.aims import NUMBER_WORDS
from assistant.answering.candidates import Candidate

_EACH_GROUP = re.compile(
    r"\b(?:each|both|every|all(?: the)?(?: two| three| four)?|the (?:two|three|four))\s+"
    r"(?:\w+\s+)?(?:groups?|arms?|cohorts?)\b|\bper (?:group|arm)\b",
    re.I,
)
# A figure written in words ("forty", "nineteen"), as the ranking's kinds read one.
_NUMBER_WORD = re.compile(NUMBER_WORDS, re.I)
_WORD = re.compile(r"[A-Za-z]+|\d+(?:[.,]\d+)*")
# Whitespace at most between a sentence and the next one of its paragraph.
_GAP = 3
# The most sentences written alike that follow one quote (a trial of four arms).
MOST_FOLLOWING = 3


def asks_each_group(question: str) -> bool:
    """Whether ``question`` asks something of each group or arm ("in each arm", "the three
    groups", "both groups", "per arm")."""
    return bool(_EACH_GROUP.search(question))


def _shape(text: str) -> list[str]:
    """The sentence's words, a figure (digits or words) as "#" and a group's letter as "L"."""
    shape: list[str] = []
    for word in _WORD.findall(text):
        low = word.lower()
        if word[0].isdigit() or _NUMBER_WORD.fullmatch(low):
            token = "#"
        elif len(word) == 1 and word.isupper() or word in ("II", "III", "IV"):
            token = "L"
        else:
            token = low
        if not (token == "#" and shape and shape[-1] == "#"):
            shape.append(token)
    return shape


def parallel(a: str, b: str) -> bool:
    """Whether ``b`` is written like ``a``: the same first two words where one is a figure or a
    group's letter ("Forty two patients ..." / "Forty five patients ...", "Group A ..." /
    "Group B ..."), or the same first four words."""
    sa, sb = _shape(a), _shape(b)
    if a.strip() == b.strip() or len(sa) < 3 or len(sb) < 3:
        return False
    if sa[:2] == sb[:2] and ("#" in sa[:2] or "L" in sa[:2]):
        return True
    return len(sa) >= 4 and sa[:4] == sb[:4]


def with_parallel(
    chosen: Sequence[Candidate], candidates: Sequence[Candidate], most: int
) -> list[Candidate]:
    """``chosen`` (at most ``most`` of them) with, after each, the sentences that follow it in
    its paragraph written like it (one other sentence may stand between two: "Forty two
    patients were allocated A. Data were available for 40. Forty five patients were allocated
    B."). Those do not count against ``most``: an answer about each group names every group."""
    by_start = {_where(c): c for c in candidates}
    among = {_where(c) for c in chosen}
    out: list[Candidate] = []
    taken: set[tuple[str, int]] = set()
    leads = 0  # how many of ``chosen`` are quoted, as leads or as written alike
    for c in chosen:
        if _where(c) in taken:
            continue
        if leads >= most:
            break
        leads += 1
        out.append(c)
        taken.add(_where(c))
        last = c
        for _ in range(MOST_FOLLOWING):
            sibling = _alike_after(c, last, by_start)
            if sibling is None or _where(sibling) in taken:
                break
            out.append(sibling)
            taken.add(_where(sibling))
            leads += _where(sibling) in among
            last = sibling
    return out


def _alike_after(
    lead: Candidate, last: Candidate, by_start: dict[tuple[str, int], Candidate]
) -> Candidate | None:
    """The sentence after ``last``, or the one after that, when written like ``lead``."""
    step = _next(last, by_start)
    for _ in range(2):
        if step is None:
            return None
        if parallel(lead.text, step.text):
            return step
        step = _next(step, by_start)
    return None


def _where(c: Candidate) -> tuple[str, int]:
    return (c.passage.chunk.doc_id, c.start)


def _next(c: Candidate, by_start: dict[tuple[str, int], Candidate]) -> Candidate | None:
    """The sentence right after ``c`` in its document, if it follows within the paragraph."""
    doc = c.passage.chunk.doc_id
    for gap in range(_GAP + 1):
        found = by_start.get((doc, c.end + gap))
        if found is not None:
            return found
    return None
