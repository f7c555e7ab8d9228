"""Time points a question asks about, and whether a sentence states them.

A question that names a time point ("mortality one year after surgery", "the 5-year overall
survival", "at 12 weeks") is not answered by a sentence about another time ("mortality at day
30"): that is the near miss a reader is most easily misled by. A sentence answers such a question
only when it states one of the question's time points, however written: "1 year", "one-year",
"12 months", "52 weeks" and "year 1" are the same point; "48 weeks" is not "12 weeks".
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator

DAYS = {"hour": 1 / 24, "day": 1.0, "week": 7.0, "month": 365.25 / 12, "year": 365.25}
_UNIT = {
    "h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour",
    "d": "day", "day": "day", "days": "day",
    "wk": "week", "wks": "week", "week": "week", "weeks": "week",
    "mo": "month", "mos": "month", "month": "month", "months": "month",
    "yr": "year", "yrs": "year", "year": "year", "years": "year",
}  # fmt: skip
_WORD = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twelve": 12, "eighteen": 18, "twenty-four": 24, "thirty": 30,
}  # fmt: skip
_LONG = r"hours?|days?|weeks?|months?|years?"
_SHORT = r"hrs?|h|d|wks?|mos?|yrs?"
_WORDS = "|".join(sorted(_WORD, key=len, reverse=True))
# "12 weeks", "12-week", "12wk", "one year", "one-year"; then "week 12", "year 1".
_AMOUNT_UNIT = re.compile(
    rf"(?<![\w.])(?:(\d+(?:\.\d+)?)\s*-?\s*(?:({_LONG})|({_SHORT}))|({_WORDS})[\s-]+({_LONG}))\b",
    re.I,
)
_UNIT_AMOUNT = re.compile(r"\b(day|week|month|year)\s+(\d+(?:\.\d+)?)\b", re.I)


# A treatment's length or rhythm is not a time point: "hydrotherapy for 6 weeks", "12 weeks of
# telephone follow-up", "68 Gy during 7 weeks", "pethidine every 6 hours".
_SPAN_BEFORE = re.compile(r"\b(?:for|during|every|each|per|q)\s*$", re.I)
_SPAN_AFTER = re.compile(r"^\s*(?:of|-?hourly)\b", re.I)
_POINT_BEFORE = re.compile(r"\b(?:after|at|by|within|following)\s*$", re.I)  # "after 2 weeks of"
# An age is not one either: "aged 18 years or older", "5-8 years old", "over 65 years of age".
_AGE_BEFORE = re.compile(
    r"\b(?:aged?|ages|older than|younger than|over|under)\s*[≥≤<>=]*\s*$", re.I
)
_AGE_AFTER = re.compile(r"^\s*(?:old|of age)\b", re.I)


def _stated(text: str) -> Iterator[tuple[float, str]]:
    """Each time point ``text`` states: its length in days and how it is written."""
    for m in _AMOUNT_UNIT.finditer(text):
        before, after = text[max(0, m.start() - 20) : m.start()], text[m.end() : m.end() + 10]
        span = _SPAN_BEFORE.search(before) or (
            _SPAN_AFTER.match(after) and not _POINT_BEFORE.search(before)
        )
        if span or _AGE_BEFORE.search(before) or _AGE_AFTER.match(after):
            continue
        number, long_unit, short_unit, word, word_unit = m.groups()
        if number:
            value, unit = float(number), (long_unit or short_unit).lower()
        else:
            value, unit = float(_WORD[word.lower()]), word_unit.lower()
        yield value * DAYS[_UNIT[unit]], m.group(0)
    for m in _UNIT_AMOUNT.finditer(text):
        yield float(m.group(2)) * DAYS[m.group(1).lower()], m.group(0)


def time_points(text: str) -> set[float]:
    """Every time point ``text`` states, in days (ages and treatment lengths left out)."""
    return {days for days, _ in _stated(text)}


def written(text: str) -> list[str]:
    """The time points of ``text`` as it writes them, in order, once each."""
    return list(dict.fromkeys(surface for _, surface in _stated(text)))


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 0.05 * max(a, b)  # 52 weeks = 12 months = 1 year


def states(asked: Collection[float], text: str) -> bool:
    """Whether ``text`` states one of the ``asked`` time points (true when none is asked)."""
    if not asked:
        return True
    found = time_points(text)
    return any(_same(a, b) for a in asked for b in found)
