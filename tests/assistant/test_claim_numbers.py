"""Number matching of the claim checker: pure functions, no model."""

import pytest

from assistant.answering.verify import numbers_in
from assistant.checking.claim_numbers import check_numbers, rounds_to

LINKER = [
    "Of the total 19 patients that were available for response, we see an overall response "
    "rate of 100%.",
    "In LINKER-SMM1, cytokine release syndrome occurred in 42% of the 24 treated patients "
    "(10/24 = 41.7%, computed from the reported figures).",
]


def q(text):
    (mention,) = numbers_in(text)
    return mention.parts[0]


@pytest.mark.parametrize(
    ("claimed", "source", "same"),
    [
        ("74%", "74.0%", True),
        ("74%", "73.7%", True),  # the source is more precise and rounds to the claim
        ("73.7%", "74%", False),  # a claim may not be more precise than its source
        ("74%", "0.74", True),
        ("74%", "75.2%", False),
        ("12.5", "12.45", True),  # half-up
        ("12.5", "12.44", False),
        ("19", "0.19", False),
        ("74%", "74", True),  # a percent may drop its sign in the source ("95% CI 39-61")
    ],
)
def test_rounds_to(claimed, source, same):
    assert rounds_to(q(claimed), q(source)) is same


def statuses(claim, quotes=LINKER):
    return [(n.text, n.status) for n in check_numbers(claim, quotes)]


def test_the_same_figures_match():
    assert statuses("The overall response rate was 100.0% among 19 evaluable patients.") == [
        ("100.0%", "matches"),
        ("19", "matches"),
    ]


def test_a_figure_for_the_same_thing_with_another_value_differs_and_says_the_source():
    (number,) = check_numbers("CRS occurred in 55% of patients.", LINKER)
    assert number.status == "differs" and number.cited == [1]
    # what the source says is the quote's clause, verbatim, holding its figure
    assert "42%" in number.source_says and number.source_says in LINKER[1]
    assert "(10/24 = 41.7%, computed from the reported figures)" in number.source_says


def test_a_count_of_the_stated_group_matches_its_fraction():
    assert statuses("10 of 24 patients had CRS.") == [("10", "matches"), ("24", "matches")]
    assert statuses("CRS occurred in 12 of 24 patients.")[0] == ("12", "differs")


def test_derived_by_the_counts_from_percent_rounding_check():
    quotes = ["Fourteen responses were seen: 14/19 patients."]
    (number,) = check_numbers("The response rate was 74%.", quotes)
    assert (number.status, number.cited) == ("derived", [0])
    assert number.source_says == "74% of 19 is 14/19 = 73.7%"
    # 68% of 19 is no whole count of 19 near 14: not derived, and no percent to differ from
    assert statuses("The response rate was 68%.", quotes) == [("68%", "not_found")]
    # a claimed count from a quoted percent of the claimed group
    derived = check_numbers("14 of 19 patients responded.", ["The response rate was 74%."])
    assert derived[0].status == "derived" and "14/19" in derived[0].source_says


def test_a_figure_about_something_else_is_not_found_not_different():
    # 74% is about response, the quotes' percents about response rate 100% (no 'respond'
    # word near it) and CRS: nothing of the same thing states another value
    assert statuses("Grade 3 infections occurred in 8% of patients.") == [("8%", "not_found")]


def test_a_number_that_names_a_group_grade_or_phase_is_not_a_figure():
    found = statuses("Cohort 2 of a phase 2/3 trial had grade 3 CRS in 10 of 24 patients.")
    assert found == [("10", "matches"), ("24", "matches")]


def test_a_small_count_needs_its_unit():
    # "2" in "grade 1 or 2" is no count of patients
    quotes = ["CRS occurred in 42% of patients, all grade 1 or 2."]
    assert statuses("Two events: 2 patients had grade 3 CRS.", quotes)[0] == ("2", "not_found")


def test_interval_levels_and_years_are_no_claims_to_contradict():
    quotes = ["In 2024, the hazard ratio was 0.49 (95% CI 0.36-0.67)."]
    found = statuses("In 2023, the hazard ratio was 0.49 (90% CI 0.36-0.67).", quotes)
    assert ("90%", "not_found") not in found and all(t != "90%" for t, _ in found)
    assert ("2023", "not_found") in found and ("0.49", "matches") in found


def test_a_ratio_or_duration_with_another_value_differs():
    hr = ["In AQUILA, the hazard ratio for progression or death with daratumumab relative to "
          "active monitoring was 0.49 (95% CI 0.36-0.67)."]  # fmt: skip
    claim = "The hazard ratio for progression or death with daratumumab was 0.59."
    (number,) = check_numbers(claim, hr)
    assert number.status == "differs" and "0.49 (95% CI 0.36-0.67)" in number.source_says
    # a unit written on one side only ("months" after the claim's figure) may be implied
    months = statuses("The median follow-up was 60 months.", ["Median follow-up was 65.2."])
    assert months == [("60", "differs")]
