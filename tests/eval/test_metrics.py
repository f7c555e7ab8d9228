"""The evaluation metrics on small, readable inputs: each is a pure function."""

import pytest

from eval.metrics import (
    CitedSpan,
    Outcome,
    abstention_scores,
    answer_correctness,
    citation_support,
    contains_fact,
    mean,
    number_in_text,
    numbers_in_words,
    numeric_precision,
    numeric_recall,
    p50,
    p95,
    percentile,
    quote_exactness,
    recall_at_k,
    reciprocal_rank,
    untraceable_numbers,
)

ANSWER = "The overall response rate was 100% (19/19) [1]. CRS occurred in 42%, all grade 1–2. [2]"


def test_correctness_ignores_case_whitespace_and_dash_style():
    assert contains_fact(ANSWER, "grade 1-2")
    assert contains_fact(ANSWER, "OVERALL   response\nrate")
    assert contains_fact("HR‑SMM (high risk)", "hr-smm")
    assert answer_correctness(ANSWER, ["overall response rate", "grade 1 - 2", "ICANS"]) == 2 / 3
    assert answer_correctness(ANSWER, []) is None


def test_where_a_hyphen_falls_changes_no_fact():
    """A paper writing "1000-infant years" states the fact "1000 infant-years"; a hyphen
    is no word of its own."""
    assert contains_fact("13.3 cases per 1000-infant years", "13.3 cases per 1000 infant-years")
    assert contains_fact("a non-significant trend", "non significant")
    assert not contains_fact("13.3 cases per 1000 infants", "1000 infant-years")


def test_a_whole_number_may_be_written_in_words():
    """Papers open sentences with the number in words; the answer quoting one states it."""
    assert number_in_text("108", "One hundred and eight patients were randomized.")
    assert number_in_text("56", "Fifty-six trichotillomania patients were randomly assigned")
    assert number_in_text("2000", "two thousand women")
    assert not number_in_text("108", "one hundred patients and eight nurses")
    assert not number_in_text("56%", "Fifty-six patients")  # a percent needs its figure
    assert numbers_in_words("one of the two arms; twenty-one days") == [1, 2, 21]


def test_expected_numbers_match_within_their_rounding():
    assert number_in_text("74%", "a response rate of 73.7%")
    assert not number_in_text("74%", "a response rate of 73.4%")
    assert number_in_text("74%", "a proportion of 0.74")
    assert number_in_text("0.74", "74% responded")
    assert number_in_text("82.4%", "lower bound 0.824")
    assert number_in_text("42%", "95% CI 39–42")  # a percent may drop its sign
    assert not number_in_text("19", "0.19 of patients")
    assert not number_in_text("12", "125 patients")
    assert number_in_text("74%", "74.4 percent") and not number_in_text("74.0%", "74.4%")


def test_fractions_ranges_and_dates_need_their_own_kind():
    assert number_in_text("19/19", "responses in 19/19 patients")
    assert not number_in_text("19/19", "19 patients")
    assert number_in_text("82.4–100%", "19/19 = 100% (95% CI 82.4–100%)")
    assert number_in_text("82.4-100%", "(95% CI 82.4 – 100%)")
    assert not number_in_text("82.4–100%", "82.4% and 100%")
    assert number_in_text("2025-09-23", "posted 2025-09-23")


def test_numeric_recall_is_the_share_of_expected_numbers_found():
    assert numeric_recall(ANSWER, ["100%", "19/19", "42%", "8%"]) == 3 / 4
    assert numeric_recall(ANSWER, []) is None
    assert numeric_recall("rate 75%", ["74%"], tolerance=1) == 1.0


def test_untraceable_numbers_are_those_no_quote_or_calculation_states():
    quotes = ["an overall response rate of 100%"]
    assert untraceable_numbers("ORR 100% and CRS 42% [1]", quotes) == ["42%"]
    assert (
        untraceable_numbers(
            "ORR 100%, CI 82.4–100% [1]", quotes, ["19/19 = 100% (95% CI 82.4–100%)"]
        )
        == []
    )
    assert numeric_precision("ORR 100% and CRS 42% [1]", quotes) == 0.5
    assert numeric_precision("No numbers here [1]", quotes) is None


def test_quote_exactness_checks_each_span_against_its_document():
    docs = {"a": "Hello exact world."}
    good = CitedSpan("a", 6, 11, "exact")
    shifted = CitedSpan("a", 5, 10, "exact")
    missing = CitedSpan("b", 0, 5, "Hello")
    assert quote_exactness([good], docs.get) == 1.0
    assert quote_exactness([good, shifted, missing], docs.get) == 1 / 3
    assert quote_exactness([], docs.get) is None


def test_citation_support_looks_in_quotes_and_calculations():
    quotes = ["we see an overall response rate of 100%.", "CRS, 42% in this setting"]
    assert citation_support(quotes, ["overall response rate"], ["100%", "42%"]) == 1.0
    assert citation_support(quotes, ["ICANS"], ["82.4–100%"]) == 0.0
    assert citation_support(quotes, [], ["82.4–100%"], ["19/19 = 100% (95% CI 82.4–100%)"]) == 1.0
    assert citation_support(quotes) is None


def test_recall_at_k_and_reciprocal_rank():
    ranked = ["x", "a", "a", "y", "b"]
    assert recall_at_k(ranked, ["a", "b"], 1) == 0.0
    assert recall_at_k(ranked, ["a", "b"], 3) == 0.5
    assert recall_at_k(ranked, ["a", "b"], 5) == 1.0
    assert reciprocal_rank(ranked, ["b", "a"]) == 0.5
    assert reciprocal_rank(ranked, ["z"]) == 0.0
    assert recall_at_k(ranked, [], 3) is None and reciprocal_rank(ranked, []) is None


def test_abstention_scores_follow_litqa2():
    outcomes = [
        Outcome(must_abstain=False, abstained=False, correct=True),
        Outcome(must_abstain=False, abstained=False, correct=False),
        Outcome(must_abstain=False, abstained=True, correct=False),
        Outcome(must_abstain=True, abstained=True, correct=True),
        Outcome(must_abstain=True, abstained=False, correct=False),
    ]
    s = abstention_scores(outcomes)
    assert s["precision"] == 1 / 3  # one right answer of three given
    assert s["accuracy"] == 2 / 5  # plus one right abstention
    assert s["coverage"] == 3 / 5
    assert s["abstention_precision"] == 1 / 2
    assert s["abstention_recall"] == 1 / 2
    assert abstention_scores([])["precision"] is None


def test_percentiles_interpolate_like_numpy():
    values = [10.0, 20.0, 30.0, 40.0]
    assert p50(values) == 25.0
    assert p95(values) == pytest.approx(38.5)
    assert percentile([7.0], 95) == 7.0
    assert p50([]) is None
    with pytest.raises(ValueError):
        percentile(values, 101)


def test_mean_skips_missing_values():
    assert mean([1.0, None, 0.0]) == 0.5
    assert mean([None]) is None
