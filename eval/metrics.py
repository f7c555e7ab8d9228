"""Evaluation metrics: pure functions of an answer, its citations and a gold case.

Nothing here calls the engine, a model or a judge; every score is a deterministic function of
text, so a run is reproducible and a regression is a diff, not a mood.

- ``answer_correctness``: share of expected facts found in the answer text (case, whitespace
  and dash style ignored).
- ``numeric_recall``: share of expected numbers the answer states, within rounding of the
  expected figure (``74%`` is found in "73.7%" and in "0.74"; ``19/19`` needs a fraction; a
  whole number may be written in words, ``108`` in "One hundred and eight patients").
- ``untraceable_numbers`` / ``numeric_precision``: numbers the answer states that no citation
  quote or calculation text states (``assistant.answering.verify`` decides what a number is).
- ``quote_exactness``: share of citations whose quote is its document's ``text[start:end]``.
- ``citation_support``: share of expected facts and numbers some cited quote (or calculation
  text) contains.
- ``recall_at_k`` / ``reciprocal_rank``: expected documents among the ranked passages.
- ``abstention_scores``: LitQA2-style precision (correct / answered), accuracy, and abstention
  precision/recall with correctly abstained ``must_abstain`` cases as the positives.
- ``percentile``: latency p50/p95.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from assistant.answering import NumberMention, Quantity, numbers_in, verify

# Every dash and hyphen-like character reads as "-"; curly quotes read as straight ones.
_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normalise(text: str) -> str:
    """Text as facts are compared: NFKC, case-folded, single spaces, and a dash of any style,
    with or without spaces around it, read as one space ("82.4 – 100" and "82.4-100" read the
    same, and so do "1000 infant-years" and "1000-infant years")."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = _DASHES.sub("-", text).casefold()
    return re.sub(r"\s*-\s*|\s+", " ", text).strip()


def contains_fact(text: str, fact: str) -> bool:
    return normalise(fact) in normalise(text)


def same_question(expected: str, got: str | None) -> bool:
    """Whether a rewritten question is the expected one: case, spaces and end mark ignored."""
    if got is None:
        return False

    def plain(text: str) -> str:
        return " ".join(text.split()).rstrip("?.! ").casefold()

    return plain(expected) == plain(got)


def answer_correctness(answer: str, expected_facts: Sequence[str]) -> float | None:
    """Share of ``expected_facts`` present in ``answer``; None when there are none to find."""
    if not expected_facts:
        return None
    return sum(contains_fact(answer, f) for f in expected_facts) / len(expected_facts)


# --- numbers ---------------------------------------------------------------------------------


def _percent_form(q: Quantity) -> Decimal | None:
    """The quantity on the percent scale when it can be read as a share: 74% -> 74,
    0.74 -> 74; a plain integer has no percent reading."""
    if q.percent:
        return q.value
    if q.decimal_point and 0 <= q.value <= 1:
        return q.value * 100
    return None


def _half_unit(q: Quantity) -> Decimal:
    """Half a unit of the last digit written: "82.4" -> 0.05, "74" -> 0.5."""
    places = max(0, -int(q.value.as_tuple().exponent))  # Decimal("74.0") keeps its 0
    return Decimal(5) / Decimal(10) ** (places + 1)


def quantities_match(expected: Quantity, found: Quantity, tolerance: float = 0.0) -> bool:
    """Whether ``found`` states ``expected``: equal once ``found`` is rounded to the digits
    ``expected`` was written with (plus ``tolerance``, in the expected number's units).

    A percent and a proportion are the same figure (74% == 0.74, 82.4% == 0.824); a percent
    may drop its sign (95% CI "39–61" states 61%); a plain count never equals a proportion
    (19 is not 0.19).
    """
    slack = _half_unit(expected) + Decimal(str(tolerance))
    if abs(expected.value - found.value) <= slack:  # same scale, or a percent without its sign
        return True
    e, f = _percent_form(expected), _percent_form(found)
    if e is None or f is None or expected.percent == found.percent:
        return False
    return abs(e - f) <= (slack if expected.percent else slack * 100)


def _date_key(text: str) -> str:
    return re.sub(r"\D+", "-", text)


def mention_matches(expected: NumberMention, found: NumberMention, tolerance: float = 0.0) -> bool:
    """One written number in another: a range needs a range, a fraction a fraction, a date
    the same date; a single number may be either end of a range or fraction ("61%" is in
    "95% CI 39–61%", "19" in "19/19")."""
    if expected.kind == "date" or found.kind == "date":
        return expected.kind == found.kind and _date_key(expected.text) == _date_key(found.text)
    if len(expected.parts) == 1:
        return any(quantities_match(expected.parts[0], f, tolerance) for f in found.parts)
    if len(expected.parts) != len(found.parts):
        return False
    if len(expected.parts) == 2 and expected.kind != found.kind:
        return False
    return all(
        quantities_match(e, f, tolerance) for e, f in zip(expected.parts, found.parts, strict=True)
    )


def parse_number(written: str) -> NumberMention:
    """An expected number as written in a gold case ("74%", "19/19", "82.4–100%")."""
    found = numbers_in(written)
    if len(found) != 1:
        raise ValueError(f"not one number: {written!r}")
    return found[0]


def number_in_text(expected: str, text: str, tolerance: float = 0.0) -> bool:
    """Whether ``text`` states ``expected``, in figures or, for a whole number, in words (a
    paper opens a sentence with "One hundred and eight patients", not "108 patients")."""
    want = parse_number(expected)
    if any(mention_matches(want, m, tolerance) for m in numbers_in(text)):
        return True
    return want.kind == "integer" and int(want.parts[0].value) in numbers_in_words(text)


_UNITS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen".split()
    )
}
_TENS = {
    w: 10 * i
    for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)
}


def numbers_in_words(text: str) -> list[int]:
    """The whole numbers ``text`` writes in English words: "Fifty-six" 56, "one hundred and
    eight" 108, "two thousand" 2000."""
    found: list[int] = []
    total = current = 0
    started = False
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in _UNITS or word in _TENS:
            current += _UNITS.get(word, 0) + _TENS.get(word, 0)
        elif word == "hundred" and started:
            current = max(current, 1) * 100
        elif word == "thousand" and started:
            total, current = total + max(current, 1) * 1000, 0
        elif word == "and" and started:
            continue
        else:
            if started:
                found.append(total + current)
            total = current = 0
            started = False
            continue
        started = True
    if started:
        found.append(total + current)
    return found


def numeric_recall(
    answer: str, expected_numbers: Sequence[str], tolerance: float = 0.0
) -> float | None:
    """Share of ``expected_numbers`` the answer states; None when there are none."""
    if not expected_numbers:
        return None
    return sum(number_in_text(n, answer, tolerance) for n in expected_numbers) / len(
        expected_numbers
    )


def untraceable_numbers(
    answer: str, quotes: Sequence[str], calculation_texts: Sequence[str] = ()
) -> list[str]:
    """The numbers ``answer`` states that no quote and no calculation text states."""
    result = verify(answer, list(quotes), list(calculation_texts))
    return [m.text for m in result.unsupported]


def numeric_precision(
    answer: str, quotes: Sequence[str], calculation_texts: Sequence[str] = ()
) -> float | None:
    """Share of the answer's numbers traceable to a quote or calculation; None if it has
    none."""
    result = verify(answer, list(quotes), list(calculation_texts))
    if not result.mentions:
        return None
    return 1 - len(result.unsupported) / len(result.mentions)


# --- citations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CitedSpan:
    doc_id: str
    start: int
    end: int
    quote: str


def quote_exactness(
    citations: Iterable[CitedSpan], document_text: Callable[[str], str | None]
) -> float | None:
    """Share of citations whose quote is exactly ``document_text(doc_id)[start:end]``.

    ``document_text`` returns None for a document it cannot find (the citation then fails).
    None when there are no citations.
    """
    citations = list(citations)
    if not citations:
        return None
    exact = 0
    for c in citations:
        text = document_text(c.doc_id)
        exact += text is not None and 0 <= c.start <= c.end and text[c.start : c.end] == c.quote
    return exact / len(citations)


def citation_support(
    quotes: Sequence[str],
    expected_facts: Sequence[str] = (),
    expected_numbers: Sequence[str] = (),
    calculation_texts: Sequence[str] = (),
    tolerance: float = 0.0,
) -> float | None:
    """Share of expected facts and numbers that some cited quote contains.

    A calculation's text counts as a source too: a computed interval is backed by the
    calculation that states its inputs, not by a quote. None when nothing is expected.
    """
    items = len(expected_facts) + len(expected_numbers)
    if not items:
        return None
    sources = [*quotes, *calculation_texts]
    hits = sum(any(contains_fact(s, f) for s in sources) for f in expected_facts)
    hits += sum(any(number_in_text(n, s, tolerance) for s in sources) for n in expected_numbers)
    return hits / items


# --- retrieval -------------------------------------------------------------------------------


def _unique(ranked_doc_ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(ranked_doc_ids))


def recall_at_k(ranked_doc_ids: Sequence[str], expected: Sequence[str], k: int) -> float | None:
    """Share of the expected documents among the first ``k`` passages (several passages of
    one document count once). None when no document is expected."""
    if not expected:
        return None
    top = set(ranked_doc_ids[:k])
    return len(set(expected) & top) / len(set(expected))


def reciprocal_rank(ranked_doc_ids: Sequence[str], expected: Sequence[str]) -> float | None:
    """1 / rank of the first passage from an expected document (0 if none); None when no
    document is expected."""
    if not expected:
        return None
    wanted = set(expected)
    for rank, doc_id in enumerate(ranked_doc_ids, start=1):
        if doc_id in wanted:
            return 1.0 / rank
    return 0.0


# --- abstention ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One case as abstention scoring sees it."""

    must_abstain: bool
    abstained: bool
    correct: bool  # for an answerable case: the answer holds what was expected


def abstention_scores(outcomes: Iterable[Outcome]) -> dict[str, float | None]:
    """LitQA2-style scores over all cases.

    - ``precision``: correct answers / answers given (an answer to a must-abstain case is
      wrong); ``accuracy``: correct outcomes / cases, a right abstention counting as correct;
      ``coverage``: answers given / cases.
    - ``abstention_precision``: right abstentions / abstentions; ``abstention_recall``: right
      abstentions / must-abstain cases.
    A score whose denominator is zero is None.
    """
    outcomes = list(outcomes)

    def ratio(num: int, den: int) -> float | None:
        return num / den if den else None

    answered = [o for o in outcomes if not o.abstained]
    right_answers = sum(1 for o in answered if o.correct and not o.must_abstain)
    abstained = [o for o in outcomes if o.abstained]
    right_abstentions = sum(1 for o in abstained if o.must_abstain)
    must = sum(1 for o in outcomes if o.must_abstain)
    return {
        "precision": ratio(right_answers, len(answered)),
        "accuracy": ratio(right_answers + right_abstentions, len(outcomes)),
        "coverage": ratio(len(answered), len(outcomes)),
        "abstention_precision": ratio(right_abstentions, len(abstained)),
        "abstention_recall": ratio(right_abstentions, must),
    }


# --- latency and means -----------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) with linear interpolation between ranks (numpy's
    default); None for no values."""
    if not values:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0-100, got {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def p50(values: Sequence[float]) -> float | None:
    return percentile(values, 50)


def p95(values: Sequence[float]) -> float | None:
    return percentile(values, 95)


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not None; None when there are none."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def macro_f1(gold: Sequence[str], predicted: Sequence[str | None], labels: Sequence[str]) -> float:
    """Mean over ``labels`` of each label's F1; a prediction outside ``labels`` (no verdict,
    'not_reported') is a miss for its gold label and a false alarm for none."""
    scores = []
    for label in labels:
        pairs = list(zip(gold, predicted, strict=True))
        tp = sum(1 for g, p in pairs if g == p == label)
        fp = sum(1 for g, p in pairs if p == label and g != label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores) if scores else 0.0
