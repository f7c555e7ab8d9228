"""What a question asks about: its weighted term groups and its expanded forms.

A question like "What was the CRS rate?" becomes two term groups, ``crs`` (satisfied by the
abbreviation or by every word of "cytokine release syndrome") and ``rate``. Retrieval uses the
expanded text and tokens; answering measures how much of the question's weight a passage
covers, which is what decides between an answer and an abstention.
"""

from __future__ import annotations

import json
import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from assistant.language.text import closed_up, is_content, surface_words, tokenize


@lru_cache(maxsize=1)
def abbreviations() -> dict[str, list[str]]:
    raw = json.loads(resources.files("assistant").joinpath("data/abbreviations.json").read_text())
    return {k: v for k, v in raw.items() if not k.startswith("_")}


@lru_cache(maxsize=1)
def synonyms() -> dict[str, list[str]]:
    """Alternatives of question words, keyed by the word's folded term."""
    raw = json.loads(resources.files("assistant").joinpath("data/synonyms.json").read_text())
    out: dict[str, list[str]] = {}
    for word, alternatives in raw.items():
        if not word.startswith("_"):
            out.setdefault(tokenize(word)[0], []).extend(alternatives)
    return out


@dataclass(frozen=True)
class TermGroup:
    """One thing the question names; satisfied by ``term`` or by all words of an alternative."""

    surface: str
    term: str
    alternatives: tuple[frozenset[str], ...] = ()

    def satisfied_by(self, tokens: AbstractSet[str]) -> bool:
        if self.term in tokens:
            return True
        return any(alt <= tokens for alt in self.alternatives)


@dataclass(frozen=True)
class Query:
    text: str
    groups: tuple[TermGroup, ...]
    dense_text: str = ""
    lexical_tokens: tuple[str, ...] = field(default=())
    # (short form, long form) the documents in scope define (assistant.language.defined_terms)
    defined: tuple[tuple[str, str], ...] = field(default=())


@lru_cache(maxsize=1)
def _abbreviations_by_upper() -> dict[str, list[str]]:
    return {k.upper(): v for k, v in abbreviations().items()}


def _expansions(surface: str) -> list[str]:
    """Expansions of an abbreviation: exact case, or any case for words of 3+ letters."""
    exact = abbreviations().get(surface)
    if exact is not None:
        return exact
    return _abbreviations_by_upper().get(surface.upper(), []) if len(surface) >= 3 else []


def content_terms(phrase: str) -> frozenset[str]:
    """The content terms of a phrase (an expansion, a synonym, a long form)."""
    return frozenset(term for _, term in surface_words(phrase) if is_content(term))


# A word that names one thing (a trial, a scale, a drug code) rather than saying something
# general: letters joined to a figure ("MajesTEC-1", "EASI-90", "AZD3199") or a capital
# inside lowercase ("KarMMa", "eGFR", "CheckMate"). Figures first ("60-month") are no name.
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-\u2010\u2011]*")
_LETTER_FIGURE = re.compile(r"[A-Za-z][\-\u2010\u2011]?[0-9]")
_INNER_CAPITAL = re.compile(r"[a-z][A-Z]")
_JOINED_FIGURE = re.compile(r"[A-Za-z][0-9]")


def is_name(surface: str) -> bool:
    """Whether a question word names one thing ("MajesTEC-1", "eGFR", "h1n1"; not "COVID",
    "60-month" or "over-70s"): a passage that does not mention it is about something else."""
    if surface.islower() and not _JOINED_FIGURE.search(surface):
        return False  # "over-70s", "day-28": a plain word with a figure, no name
    return (
        len(surface) >= 3
        and _WORD.fullmatch(surface) is not None
        and (_LETTER_FIGURE.search(surface) or _INNER_CAPITAL.search(surface)) is not None
    )


# A word or two, then another name for them in brackets: "the soy-based drink (Vitasoy)",
# "oral iron (ferrous sulfate)", "the wrist splint (Futuro)". Not a figure or a statistic
# ("(n = 54)", "(95% CI)").
_ALIASED = re.compile(r"(?P<before>[^()]*?)\(\s*(?P<inside>[^()0-9=%]+?)\s*\)")
# The most words before the brackets the bracketed name stands for.
ALIASED_WORDS = 2


def aliases(question: str) -> dict[str, list[frozenset[str]]]:
    """The alternatives a question gives its own words in brackets: each of the (at most two)
    content words before the brackets is met by the bracketed name's terms, and each of the
    bracketed name's words by those words (either name says what the question is about)."""
    out: dict[str, list[frozenset[str]]] = {}
    for m in _ALIASED.finditer(question):
        named: list[str] = []
        for _, term in reversed(surface_words(m.group("before"))):
            if not is_content(term) or len(named) == ALIASED_WORDS:
                break
            named.insert(0, term)
        inside = content_terms(m.group("inside"))
        if not named or not inside or inside == frozenset(named):
            continue
        for term in named:
            out.setdefault(term, []).append(inside)
        for term in inside:
            out.setdefault(term, []).append(frozenset(named))
    return out


def analyse(question: str) -> Query:
    groups: list[TermGroup] = []
    aliased = aliases(question)
    seen: set[str] = set()
    expansions: list[str] = []
    previous = ""
    for surface, term in surface_words(question):
        after_how, previous = previous == "how", term
        if after_how or not is_content(term) or term in seen:  # "how long", "how often": framing
            continue
        seen.add(term)
        phrases = _expansions(surface)
        expansions.extend(phrases)
        alternatives = tuple(content_terms(p) for p in phrases + synonyms().get(term, []))
        closed = closed_up(surface)  # a hyphenated word also written closed up
        alternatives = tuple(alt for alt in alternatives if alt)
        alternatives += (frozenset({closed}),) if closed else ()
        alternatives += tuple(aliased.get(term, ()))
        groups.append(TermGroup(surface=surface, term=term, alternatives=alternatives))
    dense_text = question if not expansions else f"{question} ({'; '.join(expansions)})"
    lexical = tokenize(question) + [t for p in expansions for t in tokenize(p)]
    return Query(
        text=question,
        groups=tuple(groups),
        dense_text=dense_text,
        lexical_tokens=tuple(t for t in lexical if is_content(t)),
    )
