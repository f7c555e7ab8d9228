"""The number verifier: every number an answer states must be a number its sources state.

``numbers_in`` finds the numbers of a text with their spans: integers, decimals, numbers with
thousands separators, percents, ranges (``39–61%``), ``n/N`` fractions and ISO dates. It skips
the digits of citation markers (``[1]``, ``[2, 3]``), of identifiers (``NCT05955508``,
``LINKER-SMM1``, ``IL-6``) and of footnote marks glued to a word (``Meeting.2``). Years are
numbers like any other.

Numbers match as numbers, never as substrings: ``12`` is not in ``125``, ``1,000`` is ``1000``.
A percent equals the same number without its sign (``42`` for ``42%``, as in "95% CI 39–61")
and a proportion written as a decimal (``0.74`` for ``74%``); two plain numbers match only when
equal (``19`` is not ``0.19``).

``verify`` lists the answer's numbers that no quote or calculation text contains;
``strip_unsupported`` drops the sentences holding them. Both are pure and know nothing about
any particular question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from assistant.answering.citations import MARKER_LIST, answer_spans

Kind = Literal["integer", "decimal", "percent", "range", "fraction", "date"]

_NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_PCT = r"(?:\s?%|\s?(?:percent|per\s?cent)\b)"
_MINUS = "-\u2212"
# A mention may not start inside a word or an identifier: after a letter, digit, "_", a
# hyphen or minus, a dot (footnote "Meeting.2", version "1.2.3") or a slash.
_START = r"(?<![\w.\-\u2212/])"
_MENTION = re.compile(
    rf"""
    {_START}(?P<date>\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{4}})(?![\w/])
    |
    {_START}(?P<a>[{_MINUS}]?{_NUM})(?P<apct>{_PCT})?
    (?:
        (?P<sep>\s?[\u2013\u2014]\s?|-(?=\d)|\s?/\s?(?=\d))
        (?P<b>[{_MINUS}]?{_NUM})(?P<bpct>{_PCT})?
    )?
    (?!\d)(?!\.\d)
    """,
    re.VERBOSE | re.IGNORECASE,
)


@dataclass(frozen=True)
class Quantity:
    """One number as written: its value, whether it carried a percent sign, whether it was
    written with a decimal point (a proportion such as 0.74 may stand for 74%)."""

    value: Decimal
    percent: bool = False
    decimal_point: bool = False


@dataclass(frozen=True)
class NumberMention:
    text: str
    start: int
    end: int
    kind: Kind
    parts: tuple[Quantity, ...] = ()
    """One quantity; two for a range or an n/N fraction; none for a date (matched as text)."""


@dataclass(frozen=True)
class VerifyResult:
    mentions: tuple[NumberMention, ...]
    unsupported: tuple[NumberMention, ...]

    @property
    def ok(self) -> bool:
        return not self.unsupported


@dataclass(frozen=True)
class StripResult:
    text: str
    removed: tuple[str, ...]
    unsupported: tuple[NumberMention, ...]


def _quantity(written: str, percent: bool) -> Quantity:
    digits = written.replace(",", "").replace("\u2212", "-")
    return Quantity(Decimal(digits), percent, "." in digits)


def _date_key(text: str) -> str:
    return re.sub(r"\D+", "-", text)


def numbers_in(text: str) -> list[NumberMention]:
    """Every number mention in ``text``, in order, with its span ``text[start:end]``."""
    markers = [(m.start(), m.end()) for m in MARKER_LIST.finditer(text)]
    mentions = []
    for m in _MENTION.finditer(text):
        if any(a <= m.start() < b for a, b in markers):
            continue
        if m.group("date"):
            mentions.append(NumberMention(m.group(0), m.start(), m.end(), "date"))
            continue
        a_pct, b_pct = bool(m.group("apct")), bool(m.group("bpct"))
        first = m.group("a")
        kind: Kind
        if m.group("b") is None:
            quantity = _quantity(first, a_pct)
            kind = "percent" if a_pct else "decimal" if quantity.decimal_point else "integer"
            parts: tuple[Quantity, ...] = (quantity,)
        elif "/" in m.group("sep"):
            kind = "fraction"
            parts = (_quantity(first, a_pct), _quantity(m.group("b"), b_pct))
        else:  # a range: "39–61%" is a percent at both ends
            kind = "range"
            parts = (_quantity(first, a_pct or b_pct), _quantity(m.group("b"), b_pct))
        mentions.append(NumberMention(m.group(0), m.start(), m.end(), kind, parts))
    return mentions


def _equal(a: Quantity, b: Quantity) -> bool:
    if a.value == b.value:  # equal numbers; a percent may drop its sign ("95% CI 39–61")
        return True
    if a.percent == b.percent:
        return False
    plain, percent = (b, a) if a.percent else (a, b)
    return plain.decimal_point and 0 <= plain.value <= 1 and plain.value * 100 == percent.value


def _one(number: str | Quantity) -> Quantity:
    if isinstance(number, Quantity):
        return number
    found = numbers_in(number)
    if len(found) != 1 or len(found[0].parts) != 1:
        raise ValueError(f"not a single number: {number!r}")
    return found[0].parts[0]


def same_number(a: str | Quantity, b: str | Quantity) -> bool:
    """Whether two written numbers state the same value: "0.74" and "74%", "1,000" and "1000",
    "100%" and "1.0"; never "19" and "0.19", never "12" and "125"."""
    return _equal(_one(a), _one(b))


def _supported(mention: NumberMention, sources: list[NumberMention]) -> bool:
    if mention.kind == "date":
        return any(s.kind == "date" and _date_key(s.text) == _date_key(mention.text)
                   for s in sources)  # fmt: skip
    known = [q for s in sources for q in s.parts]
    return all(any(_equal(part, q) for q in known) for part in mention.parts)


def verify(answer_text: str, quotes: list[str], calculation_texts: list[str]) -> VerifyResult:
    """The answer's number mentions, and those no quote or calculation text states."""
    sources = [m for text in [*quotes, *calculation_texts] for m in numbers_in(text)]
    mentions = tuple(numbers_in(answer_text))
    return VerifyResult(
        mentions=mentions,
        unsupported=tuple(m for m in mentions if not _supported(m, sources)),
    )


def strip_unsupported(
    answer_text: str, quotes: list[str], calculation_texts: list[str]
) -> StripResult:
    """``answer_text`` without the sentences that state a number no source states.

    A sentence leaves with its citation markers; renumbering the citations left is the
    caller's job.
    """
    result = verify(answer_text, quotes, calculation_texts)
    spans = answer_spans(answer_text)
    bad = {i for i, (a, b) in enumerate(spans) for m in result.unsupported if a <= m.start < b}
    kept = [i for i in range(len(spans)) if i not in bad]
    pieces = []
    for pos, i in enumerate(kept):
        a, b = spans[i]
        pieces.append(answer_text[a:b])
        if pos + 1 < len(kept):
            gap = answer_text[b : spans[i + 1][0]] if i + 1 < len(spans) else ""
            pieces.append(gap or " ")
    return StripResult(
        text="".join(pieces).strip(),
        removed=tuple(answer_text[spans[i][0] : spans[i][1]] for i in sorted(bad)),
        unsupported=result.unsupported,
    )
