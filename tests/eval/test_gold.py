"""The gold set is well formed and every expected figure is in the documents it cites.

Facts and numbers are checked against the text TrialQA makes of each referenced document (the
loaded, normalised text), with the same matching the metrics use. A calculator case's computed
numbers are checked by recomputing them: its ``k/n`` fraction's rate and Clopper-Pearson 95%
interval (scipy), rounded as written.
"""

from collections import Counter
from functools import cache

import pytest
from scipy.stats import beta

from eval.cases import GOLD, load_cases
from eval.metrics import contains_fact, number_in_text, parse_number
from tests.conftest import CORPUS

CASES = load_cases(GOLD)


@cache
def corpus_texts() -> dict[str, str]:
    from ingest.loaders import load_file
    from ingest.pipeline import expand_paths

    return {load_file(path).doc_id: load_file(path).text for path, _ in expand_paths([CORPUS])}


def test_size_and_mix():
    assert len(CASES) >= 100
    assert sum(c.must_abstain for c in CASES) >= 20
    near_misses = [c for c in CASES if "near-miss" in c.tags]
    assert len(near_misses) >= 10 and all(
        c.must_abstain and c.reference_context_ids for c in near_misses
    )
    tags = Counter(t for c in CASES for t in c.tags)
    for tag in (
        "single-fact",
        "number",
        "calculator",
        "comparison",
        "follow-up",
        "unanswerable",
        "near-miss",
        "registry",
    ):
        assert tags[tag] >= 3, tag
    assert all(c.tags for c in CASES)
    assert all(c.turns for c in CASES if "follow-up" in c.tags)


def test_referenced_documents_exist():
    known = corpus_texts()
    missing = {(c.id, d) for c in CASES for d in c.reference_context_ids if d not in known}
    assert missing == set()


def clopper_pearson(k: int, n: int) -> tuple[float, float]:
    low = 0.0 if k == 0 else beta.ppf(0.025, k, n - k + 1)
    high = 1.0 if k == n else beta.ppf(0.975, k + 1, n - k)
    return 100 * low, 100 * high


def computed(case) -> set[str]:
    """The expected numbers of a calculator case that its k/n fraction yields."""
    fractions = [
        parse_number(n) for n in case.expected_numbers if parse_number(n).kind == "fraction"
    ]
    if not fractions:
        return set()
    k, n = (int(q.value) for q in fractions[0].parts)
    low, high = clopper_pearson(k, n)
    ok = set()
    for written in case.expected_numbers:
        mention = parse_number(written)
        if mention.kind == "fraction":
            ok.add(written)  # the input itself
        elif mention.kind == "range":
            a, b = (float(q.value) for q in mention.parts)
            places = max(-q.value.as_tuple().exponent for q in mention.parts)
            if (round(low, max(places, 1)), round(high, max(places, 1))) == (
                round(a, max(places, 1)),
                round(b, max(places, 1)),
            ):
                ok.add(written)
        elif mention.kind == "percent" and abs(float(mention.parts[0].value) - 100 * k / n) < 0.05:
            ok.add(written)
    return ok


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_expected_figures_are_in_the_referenced_documents(case):
    texts = [corpus_texts()[d] for d in case.reference_context_ids]
    for fact in case.expected_facts:
        assert any(contains_fact(t, fact) for t in texts), (
            f"fact {fact!r} not in {case.reference_context_ids}"
        )
    derived = computed(case) if "calculator" in case.tags else set()
    for number in case.expected_numbers:
        if number in derived:
            continue
        assert any(number_in_text(number, t) for t in texts), (
            f"number {number!r} not in {case.reference_context_ids}"
        )


def test_calculator_cases_recompute_their_intervals():
    calc = [c for c in CASES if "calculator" in c.tags]
    assert len(calc) >= 5
    ranges = [c for c in calc if any(parse_number(n).kind == "range" for n in c.expected_numbers)]
    assert ranges and all(
        {n for n in c.expected_numbers if parse_number(n).kind == "range"} <= computed(c)
        for c in ranges
    )
    # the brief's example: Clopper-Pearson 19/19 = 82.4–100%
    low, high = clopper_pearson(19, 19)
    assert (round(low, 1), high) == (82.4, 100.0)
