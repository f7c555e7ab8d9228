"""The figures of a claim, each checked against the quotes cited for it.

A claim's numbers (``assistant.answering.verify.numbers_in``: percents, decimals, integers, ranges,
``n/N``) are read one by one against the cited quotes:

- **matches**: a quote states the same value (``74%`` and ``74.0%``, ``0.74`` and ``74%``), or a
  more precise value that rounds to it at the claim's precision (``73.7%`` for ``74%``);
- **derived**: a calculator reproduces it from the quotes' figures: a claimed percent that a
  quoted count of a stated group rounds to ("74% of 19 patients" against "14/19", by the
  ``counts_from_percent`` rounding check), or a claimed count of a claimed group that a quoted
  percent of that group holds;
- **differs**: a quote states a figure of the same kind (percent, count with the same unit,
  fraction, ratio or decimal) among the same words (the content words read around the number
  overlap by half) with another value; ``source_says`` is the quote's clause holding it,
  verbatim, so it states no figure the quote does not;
- **not_found**: none of these.

Not checked: the level of an interval ("95% CI") and a number that names something ("cohort
2", "grade 3", "phase 2/3").

Pure functions over text; nothing here knows any document, claim or benchmark.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from assistant.answering.numeric import figures_in
from assistant.answering.verify import NumberMention, Quantity, numbers_in, same_number
from assistant.calculators import calculate
from assistant.errors import CalculatorInputError
from assistant.language.query import TermGroup, analyse
from assistant.language.text import is_content, surface_words

BEFORE, AFTER = 5, 3  # content words read before and after a number as what it is about
# "cohort 2", "grade 3", "phase 2/3", "Intervention 1": a number naming a group, a grade or a
# stage is part of a name, not a figure the sources could state otherwise.
_NAMING = re.compile(
    r"\b(?:cohorts?|arms?|groups?|interventions?|grades?|stages?|phases?|types?|parts?|levels?|"
    r"class|results)\s*$",
    re.I,
)
# The unit of a plain number: the one or two words right after it ("19 evaluable patients").
_UNIT = re.compile(r"[ \t]+([A-Za-z][\w-]*)(?:[ \t]+([A-Za-z][\w-]*))?")
# "95% CI", "95% confidence": the level of an interval, not a figure of the trial.
_LEVEL = re.compile(r"\s*(?:CI|CrI|confidence|credible)\b", re.I)
# Words too common in trial reports to say which figure a number is.
_GENERIC = frozenset(
    "patient particip subject peopl person studi trial group arm cohort total number case "
    "primari secondari were was".split()
)
_CLAUSE_END = re.compile(r"[;,](?=\s)|\.(?=\s|$)|\s[\u2013\u2014-]\s")


@dataclass
class NumberCheck:
    text: str
    start: int
    end: int
    status: str = "not_found"  # matches | differs | derived | not_found
    source_says: str | None = None
    cited: list[int] = field(default_factory=list)  # indices of the quotes it rests on


@dataclass(frozen=True)
class _Figure:
    """One number mention of a text with the words it is read among."""

    mention: NumberMention
    context: frozenset[str]  # content words around it and in its clause (stems, expanded)
    groups: tuple[TermGroup, ...]  # the same as a question's term groups (for a claim)
    unit: frozenset[str]  # the two words after a plain number ("patients", "months")


def _words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, term) of each content word of ``text`` that is not a number."""
    out, at = [], 0
    for surface, term in surface_words(text):
        found = text.find(surface, at)
        if found < 0:
            continue
        at = found + len(surface)
        if is_content(term) and term not in _GENERIC and not any(c.isdigit() for c in term):
            out.append((found, at, term))
    return out


def figures(text: str) -> list[_Figure]:
    """The checkable numbers of ``text``: every mention but the level of an interval."""
    words = _words(text)
    out = []
    for m in numbers_in(text):
        if m.kind == "percent" and _LEVEL.match(text, m.end):
            continue
        if m.kind in ("integer", "range", "fraction") and _NAMING.search(text, 0, m.start):
            continue
        before = [w for w in words if w[1] <= m.start][-BEFORE:]
        after = [w for w in words if w[0] >= m.end][:AFTER]
        near = before + after
        terms = {w[2] for w in near}
        groups = tuple(g for g in analyse(" ".join(text[a:b] for a, b, _ in near)).groups
                       if g.term in terms)  # fmt: skip
        tail = _UNIT.match(text, m.end)
        following = tail.groups() if tail and m.kind != "percent" else ()
        unit = frozenset(w.lower() for w in following if w)
        # What a source's figure is about: the words around it and those of its clause.
        clause = _clause(text, m)
        at = text.find(clause)
        terms |= {w[2] for w in words if at <= w[0] and w[1] <= at + len(clause)}
        expanded = terms.union(*(a for g in groups for a in g.alternatives))
        out.append(_Figure(m, frozenset(expanded), groups, unit))
    return out


def _decimals(q: Quantity) -> int:
    exponent = q.value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def rounds_to(claimed: Quantity, source: Quantity) -> bool:
    """Whether ``source`` states ``claimed``: the same number (``74%``, ``74.0%``, ``0.74``),
    or a more precise one that rounds half-up to it at the claim's decimals (``73.7%`` for
    ``74%``; not ``74%`` for ``73.7%``: the claim may not be more precise than its source)."""
    if same_number(claimed, source):
        return True
    if claimed.percent != source.percent or _decimals(source) <= _decimals(claimed):
        return False
    step = Decimal(1).scaleb(-_decimals(claimed))
    return source.value.quantize(step, rounding=ROUND_HALF_UP) == claimed.value


def _comparable(claimed: _Figure, source: _Figure) -> bool:
    """Whether two figures may be the same one: a plain number's units agree when both are
    written ("19 patients", "19/19" or "19."), and a small count with a unit ("2 patients")
    needs the same unit (a "2" of a grade or a dose is no count of patients)."""
    if claimed.mention.kind != "integer" or source.mention.kind != "integer":
        return True
    if claimed.unit and source.unit:
        return bool(claimed.unit & source.unit)
    return not (claimed.unit and claimed.mention.parts[0].value < 10)


def _same_value(claimed: NumberMention, source: NumberMention) -> bool:
    if claimed.kind == "date" or source.kind == "date":
        return claimed.kind == source.kind and re.sub(r"\D", "", claimed.text) == re.sub(
            r"\D", "", source.text
        )
    if len(claimed.parts) != len(source.parts):
        return False
    return all(rounds_to(a, b) for a, b in zip(claimed.parts, source.parts, strict=True))


def _same_kind(claimed: _Figure, source: _Figure) -> bool:
    """Whether two figures are the same kind of figure: both percents (or both not), both
    fractions, both ranges, or plain numbers with a unit in common (or not both with one)."""
    a, b = claimed.mention, source.mention
    plain = ("integer", "decimal")
    if a.kind in plain and b.kind in plain:  # a unit written on one side only may be implied
        return bool(claimed.unit & source.unit) or not (claimed.unit and source.unit)
    percent = any(q.percent for q in a.parts) == any(q.percent for q in b.parts)
    return a.kind == b.kind and percent


def _is_year(m: NumberMention) -> bool:
    return m.kind == "integer" and 1900 <= m.parts[0].value <= 2100


def _clause(text: str, m: NumberMention) -> str:
    """The clause of ``text`` that holds mention ``m``, verbatim (between , ; . or a dash)."""
    starts = [e.end() for e in _CLAUSE_END.finditer(text, 0, m.start)]
    start = starts[-1] if starts else 0
    stop = _CLAUSE_END.search(text, m.end)
    end = stop.start() if stop else len(text)
    if text.count("(", start, end) > text.count(")", start, end):  # "... (10/24 = 41.7%, ...)"
        close = text.find(")", end)
        end = close + 1 if close >= 0 else end
    return text[start:end].strip()


def _overlap(claimed: _Figure, source: _Figure) -> int:
    """How many of the things named around a claimed figure are named around a source's."""
    return sum(1 for g in claimed.groups if g.satisfied_by(set(source.context)))


def _derived(claim: str, f: _Figure, quotes: list[str]) -> tuple[str, list[int]] | None:
    """A calculation over the quotes' figures that reproduces the claimed figure: the text of
    the calculation and the quotes it rests on."""
    m = f.mention
    if m.kind == "percent":
        p = m.parts[0]
        totals = set(figures_in(claim).denominators)
        for i, quote in enumerate(quotes):
            found = figures_in(quote)
            pairs = [(pair.count, pair.total) for pair in found.pairs]
            stated = {int(q.value) for x in numbers_in(quote) for q in x.parts
                      if x.kind == "integer"}  # fmt: skip
            pairs += [(k, n) for n in totals if n in stated for k in stated if k < n]
            for k, n in pairs:
                check = _counts(float(p.value), n, _decimals(p))
                if check is not None and k in check.result["counts"]:
                    return check.text, [i]
        return None
    if m.kind == "integer":  # a claimed count of a claimed group, from a quoted percent of it
        k = int(m.parts[0].value)
        groups = [pair.total for pair in figures_in(claim).pairs if pair.count == k]
        for i, quote in enumerate(quotes):
            for percent in figures_in(quote).percents:
                for n in groups:
                    check = _counts(percent.value, n, percent.decimals)
                    if check is not None and k in check.result["counts"]:
                        return check.text, [i]
    return None


def _in_pair(claim: str, m: NumberMention, quotes: list[str]) -> tuple[str, int] | None:
    """A claimed "k of N" (either number) that a quote states as the same count of the same
    group ("k/N", "k of N", a table cell): the quote's pair and its index."""
    pairs = [p for p in figures_in(claim).pairs if p.start <= m.start < p.end]
    for pair in pairs:
        for i, quote in enumerate(quotes):
            for found in figures_in(quote).pairs:
                if (found.count, found.total) == (pair.count, pair.total):
                    return quote[found.start : found.end], i
    return None


def _pair_rivals(claim: str, m: NumberMention, quotes: list[str], sources: list) -> list:
    """For the count of a claimed "k of N": the quotes' counts of the same group N ("10/24"
    against "12 of 24"), as (quote index, figure)."""
    counts = [p for p in figures_in(claim).pairs if p.start <= m.start < p.end]
    out = []
    for pair in counts:
        if m.start != pair.start:
            continue  # m is the group size N, not the count
        for i, quote in enumerate(quotes):
            for found in figures_in(quote).pairs:
                if found.total == pair.total and found.count != pair.count:
                    out += [(i, f) for f in sources[i] if f.mention.start == found.start]
    return out


def _counts(percent: float, total: int, decimals: int):
    try:
        inputs = {"percent": percent, "denominator": total, "decimals": decimals}
        return calculate("counts_from_percent", inputs)
    except CalculatorInputError:
        return None


def check_numbers(claim: str, quotes: list[str]) -> list[NumberCheck]:
    """Each checkable number of ``claim`` against ``quotes`` (the cited quotes, best first);
    ``cited`` holds indices into ``quotes``."""
    sources = [figures(q) for q in quotes]
    out = []
    for f in figures(claim):
        m = f.mention
        check = NumberCheck(m.text, m.start, m.end)
        out.append(check)
        same = [(i, s) for i, found in enumerate(sources) for s in found
                if _same_value(m, s.mention) and _comparable(f, s)]  # fmt: skip
        if same:
            i, s = max(same, key=lambda x: (_overlap(f, x[1]), -x[0]))
            check.status, check.source_says, check.cited = "matches", s.mention.text, [i]
            continue
        paired = _in_pair(claim, m, quotes)
        if paired is not None:
            check.status, check.source_says, check.cited = "matches", paired[0], [paired[1]]
            continue
        derived = _derived(claim, f, quotes)
        if derived is not None:
            check.status, check.source_says, check.cited = "derived", derived[0], derived[1]
            continue
        if _is_year(m) or not f.groups:
            continue
        need = max(1, math.ceil(len(f.groups) / 2))
        rivals = [(i, s) for i, found in enumerate(sources) for s in found
                  if _same_kind(f, s) and _comparable(f, s) and not _is_year(s.mention)
                  and _overlap(f, s) >= need]  # fmt: skip
        rivals += [(i, s) for i, s in _pair_rivals(claim, m, quotes, sources)
                   if _overlap(f, s) >= need]  # fmt: skip
        if rivals:
            i, s = max(rivals, key=lambda x: (_overlap(f, x[1]), -x[0]))
            check.status, check.cited = "differs", [i]
            check.source_says = _clause(quotes[i], s.mention)
    return out
