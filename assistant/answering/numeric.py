"""Numeric questions: what a question asks for, and the calculator inputs a sentence states.

``read_question`` tells whether a question wants an interval, a rate or count, a comparison of
arms or a consistency check, and picks up inputs the question states itself ("if 10 of 24
patients responded"). ``figures_in`` reads the counts a sentence reports: ``n/N``, ``n of N``,
a table cell ``Arm (n=N): k`` and percents with what they are a percent of. Nothing here knows
any document or question; the engine decides which calculator to run with what it finds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_INT = r"\d{1,3}(?:,\d{3})+|\d+"
# "19/19", "14 of 19", "3 out of 24" (not a date such as 10/24/2025, not "of 19%", not a
# threshold on a scale such as "a pain score ≥4 of 10")
_PAIR = re.compile(
    rf"(?<![\w.,/\-])(?<![≥≤<>=])(?<![≥≤<>=]\s)"
    rf"(?P<k>{_INT})\s*(?:/|\bof\b|\bout of\b)\s*(?P<n>{_INT})(?![\w/%]|\.\d|\s*%)",
    re.I,
)
# a table cell written by ingest.tables: "Arm A (n=19): 14 (74%)"
_CELL = re.compile(rf"\(\s*n\s*=\s*(?P<n>{_INT})\s*\)\s*:\s*(?P<k>{_INT})(?![\d/.,%])", re.I)
_PERCENT = re.compile(r"(?<![\w.])(?P<p>\d{1,3}(?:\.\d+)?)\s?%")
# "19 response-evaluable patients", "24 participants", "n = 92"
_DENOMINATOR = re.compile(
    rf"(?<![\w.])(?P<n>{_INT})\s+(?:[a-z][\w-]*\s+){{0,3}}?(?:patients|participants|subjects|"
    rf"people|adults|children|women|men|evaluable)\b|\bn\s*=\s*(?P<n2>{_INT})\b",
    re.I,
)
_CONFIDENCE = re.compile(r"(?<![\d.])(\d{2}(?:\.\d+)?)\s?%\s*(?:CI|confidence)", re.I)

_INTERVAL = re.compile(r"\b(?:CI|confidence|interval|credible|margin of error|precision)\b", re.I)
_COMPARE = re.compile(
    r"\b(?:compare[ds]?|comparison|versus|vs\.?|between (?:the )?(?:two )?(?:arms|groups)|"
    r"difference|relative risk|risk ratio|odds ratio|NNT|NNH|number needed|fisher|p[- ]value|"
    r"significant(?:ly)?)\b",
    re.I,
)
_RATE = re.compile(
    r"\b(?:rates?|proportion|percentage|percent|share|fraction|incidence|how many|"
    r"number of|frequency|how often|how common)\b",
    re.I,
)
_COUNT = re.compile(r"\b(?:how many|number of|count of|counts?)\b", re.I)
_CONSISTENT = re.compile(r"\b(?:consistent|rounding|rounded|add up|match(?:es)?)\b", re.I)
HARM = re.compile(
    r"\b(?:adverse|toxicit\w*|infections?|deaths?|died|grade|neutropenia|CRS|cytokine|ICANS|"
    r"progress\w*|relapse\w*|discontinu\w*|serious|events?|side effects?|harms?)\b",
    re.I,
)


def _int(text: str) -> int:
    return int(text.replace(",", ""))


@dataclass(frozen=True)
class Pair:
    """``count`` of ``total`` as a text states it, at ``[start, end)`` of that text."""

    count: int
    total: int
    start: int
    end: int


@dataclass(frozen=True)
class Percent:
    value: float
    decimals: int
    start: int
    end: int


@dataclass
class Figures:
    pairs: list[Pair] = field(default_factory=list)
    percents: list[Percent] = field(default_factory=list)
    denominators: list[int] = field(default_factory=list)


def figures_in(text: str) -> Figures:
    found = Figures()
    spans: list[tuple[int, int]] = []
    for pattern in (_CELL, _PAIR):
        for m in pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in spans):
                continue
            k, n = _int(m.group("k")), _int(m.group("n"))
            if 0 <= k <= n and n > 0:
                found.pairs.append(Pair(k, n, m.start(), m.end()))
                spans.append((m.start(), m.end()))
    found.pairs.sort(key=lambda p: p.start)
    for m in _PERCENT.finditer(text):
        if any(a <= m.start() < b for a, b in spans):
            continue
        value = m.group("p")
        decimals = len(value.split(".")[1]) if "." in value else 0
        if float(value) <= 100:
            found.percents.append(Percent(float(value), decimals, m.start(), m.end()))
    for m in _DENOMINATOR.finditer(text):
        n = _int(m.group("n") or m.group("n2"))
        if n > 0 and n not in found.denominators:
            found.denominators.append(n)
    return found


@dataclass(frozen=True)
class NumericAsk:
    interval: bool = False
    confidence: float = 0.95
    compare: bool = False
    rate: bool = False
    count: bool = False
    consistency: bool = False
    harm: bool = False
    stated: tuple[Pair, ...] = ()
    stated_percent: tuple[float, int, int] | None = None  # percent, decimals, denominator

    @property
    def numeric(self) -> bool:
        return self.interval or self.compare or self.rate or self.consistency

    @property
    def wants_calculation(self) -> bool:
        return self.interval or self.compare or self.consistency


_PERCENT_OF = re.compile(rf"(?P<p>\d{{1,3}}(?:\.\d+)?)\s?%\s*of\s*(?P<n>{_INT})\b", re.I)


def read_question(question: str) -> NumericAsk:
    confidence = 0.95
    if m := _CONFIDENCE.search(question):
        value = float(m.group(1)) / 100
        if 0 < value < 1:
            confidence = value
    # The confidence level is not an input: "95% CI for 10 of 24" states one pair.
    plain = _CONFIDENCE.sub(" ", question)
    stated = tuple(figures_in(plain).pairs)
    stated_percent = None
    if m := _PERCENT_OF.search(plain):
        written = m.group("p")
        decimals = len(written.split(".")[1]) if "." in written else 0
        stated_percent = (float(written), decimals, _int(m.group("n")))
        stated = tuple(p for p in stated if not (p.start >= m.start() and p.end <= m.end()))
    return NumericAsk(
        interval=bool(_INTERVAL.search(question)),
        confidence=confidence,
        compare=bool(_COMPARE.search(question)),
        rate=bool(_RATE.search(question)),
        count=bool(_COUNT.search(question)),
        consistency=bool(_CONSISTENT.search(question)),
        harm=bool(HARM.search(question)),
        stated=stated,
        stated_percent=stated_percent,
    )
