"""Abbreviations a document defines for itself, read so a question in long form finds them.

Trial reports name an outcome once in full and then by its short form: "complete remission
(CR)" in the methods, "CR 52% versus 44%" in the results. A clinician asks about "complete
remission"; the sentence that answers says "CR". ``defined`` finds the definitions a text
writes as *long form (SHORT)*, where the short form's letters appear in order in the words
before the bracket and its first letter begins one of them, the rule of Schwartz and Hearst
(Pacific Symposium on Biocomputing, 2003). ``with_defined`` lets a question's terms be
satisfied by the short forms the passages define for them, and the other way round.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import replace

from assistant.language.query import Query, TermGroup, content_terms
from assistant.language.text import tokenize

# "(SHORT)" or "(SHORT;" / "(SHORT," : 2-10 characters, a letter among them, one word.
_SHORT = re.compile(r"\(\s*([A-Za-z0-9][A-Za-z0-9\-/\.&+']{0,8}[A-Za-z0-9+])\s*[);,]")
_WORD = re.compile(r"[A-Za-z0-9]+(?:[-'][A-Za-z0-9]+)*")
_STOP_AT = re.compile(r"[.;:!?\(\)\[\]]")
_HYPHEN = re.compile(r"[-\u2010\u2011]")
QUESTION_SHARE = 2 / 3  # of a long form's content words the question must name


def _letters(short: str) -> str:
    return "".join(ch for ch in short.lower() if ch.isalnum())


def _long_form(short: str, before: str) -> str | None:
    """The end of ``before`` that ``short`` abbreviates, or None: each of the short form's
    letters found right to left in order, its first at the start of a word."""
    letters = _letters(short)
    if len(letters) < 2 or not any(ch.isalpha() for ch in letters) or letters.isdigit():
        return None
    words = list(_WORD.finditer(before))
    limit = min(len(letters) + 5, 2 * len(letters))
    words = words[-limit:]
    if not words:
        return None
    text = before[words[0].start() :].lower()
    offset = words[0].start()
    starts = {m.start() - offset for m in words}
    i = len(text) - 1
    for n in range(len(letters) - 1, -1, -1):
        ch = letters[n]
        while i >= 0 and (
            text[i] != ch or (n == 0 and i not in starts and (i == 0 or text[i - 1].isalnum()))
        ):
            i -= 1
        if i < 0:
            return None
        i -= 1
    first = i + 1
    begin = max(s for s in starts if s <= first)
    long_form = before[offset + begin :].strip()
    if len(long_form) <= len(short) or long_form.lower() == short.lower():
        return None
    return long_form


def defined(text: str) -> list[tuple[str, str]]:
    """(short form, long form) for each "long form (SHORT)" that ``text`` writes."""
    found: list[tuple[str, str]] = []
    for m in _SHORT.finditer(text):
        short = m.group(1)
        if not any(ch.isupper() for ch in short) and len(short) < 4:
            continue  # "(a)", "(iv)": list marks, not abbreviations
        before = text[max(0, m.start() - 200) : m.start()]
        stops = [s.end() for s in _STOP_AT.finditer(before)]
        before = before[stops[-1] :] if stops else before  # the long form's own clause
        long_form = _long_form(short, before)
        if long_form:
            found.append((short, long_form))
    return found


def with_defined(query: Query, texts: Iterable[str]) -> Query:
    """``query`` whose terms are also satisfied by the short forms ``texts`` define for them
    (a question naming at least two thirds of a long form's words) and whose short forms
    are satisfied by their long forms."""
    definitions = tuple(dict.fromkeys(d for text in texts for d in defined(text)))
    if not definitions:
        return query
    question = {g.term for g in query.groups}
    extra: dict[str, set[frozenset[str]]] = {}
    for short, long_form in definitions:
        short_terms = frozenset(tokenize(short)[:1])
        # "pain-on-movement (POM)" is named by a question saying "pain on movement" too.
        long_terms = content_terms(_HYPHEN.sub(" ", long_form))
        if not short_terms or not long_terms or short_terms <= long_terms:
            continue
        whole = content_terms(long_form)  # "pain-on-movement", kept as one term
        asked = whole <= question  # the question writes the long form as the text does
        named = whole if asked else long_terms & question
        if asked or len(named) >= max(1, math.ceil(QUESTION_SHARE * len(long_terms))):
            for term in named:
                extra.setdefault(term, set()).add(short_terms)
        for term in short_terms & question:
            extra.setdefault(term, set()).add(long_terms)
    groups = []
    for g in query.groups:
        added = tuple(a for a in sorted(extra.get(g.term, ()), key=sorted)
                      if a not in g.alternatives)  # fmt: skip
        groups.append(TermGroup(g.surface, g.term, g.alternatives + added) if added else g)
    return replace(query, groups=tuple(groups), defined=definitions)


def spelled_out(text: str, definitions: Iterable[tuple[str, str]]) -> str:
    """``text`` with each short form it uses and does not explain followed by its long form
    in brackets, once ("SVR rates were ..." -> "SVR (sustained virological response) rates
    were ..."): what a reader who has read the methods sees."""
    for short, long_form in definitions:
        if long_form.lower() in text.lower():
            continue
        m = re.search(rf"(?<![\w-]){re.escape(short)}(?![\w-])", text)
        if m and not text[m.end() :].lstrip().startswith("("):
            text = f"{text[: m.end()]} ({long_form}){text[m.end() :]}"
    return text
