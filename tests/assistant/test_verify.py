"""The number verifier: numbers match as numbers, and planted wrong numbers are caught."""

from decimal import Decimal

import pytest

from assistant.answering.verify import numbers_in, same_number, strip_unsupported, verify

QUOTES = [
    "Of the total 19 patients that were available for response, we see an overall response "
    "rate of 100%.",
    "We have a lower rate of cytokine release syndrome, 42% in this setting, with the majority "
    "of events being grade 1 and 2.",
    "E3A06 enrolled 182 patients; the ORR was 50% (95% CI 39–61) among 92 evaluable.",
]
CALCULATIONS = ["19/19 = 100% (95% CI 82.4–100%)", "14/19 = 73.7% (95% CI 48.8–90.9%)"]


def texts(text):
    return [m.text for m in numbers_in(text)]


def test_mentions_have_exact_spans_and_kinds():
    text = "ORR 73.7% (14/19; 95% CI 48.8–90.9%), 1,250 screened, 0.74, 42 percent, in 2025."
    found = numbers_in(text)
    for m in found:
        assert text[m.start : m.end] == m.text
    assert [(m.text, m.kind) for m in found] == [
        ("73.7%", "percent"), ("14/19", "fraction"), ("95%", "percent"),
        ("48.8–90.9%", "range"), ("1,250", "integer"), ("0.74", "decimal"),
        ("42 percent", "percent"), ("2025", "integer"),
    ]  # fmt: skip
    rng = found[3]
    assert [q.value for q in rng.parts] == [Decimal("48.8"), Decimal("90.9")]
    assert all(q.percent for q in rng.parts)  # the trailing % covers both ends
    assert found[4].parts[0].value == 1250


def test_markers_identifiers_and_footnotes_are_not_numbers():
    text = "LINKER-SMM1 (NCT05955508) used CD38 and IL-6 data [1], [2, 3] from the Meeting.2 E3A06"
    assert texts(text) == []
    assert texts("It was 42% [12].") == ["42%"]


def test_ranges_signs_and_dates():
    assert texts("grade 3-4 events, a difference of −12.5 points (−31 to 3.5)") == [
        "3-4",
        "−12.5",
        "−31",
        "3.5",
    ]
    assert numbers_in("−12.5")[0].parts[0].value == Decimal("-12.5")
    dates = numbers_in("on 2025-09-23 and 09/23/2025")
    assert [m.kind for m in dates] == ["date", "date"]
    assert texts("The 5-year data. Version 1.2.3 shipped.") == ["5"]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [("0.74", "74%", True), ("73.7%", "0.737", True), ("100%", "1.0", True), ("1,000", "1000", True),
     ("42", "42%", True), ("19%", "0.19", True), ("42.0", "42", True), ("1 percent", "1%", True),
     ("19", "0.19", False), ("12", "125", False), ("1", "100%", False), ("74", "0.74", False),
     ("73.7%", "74%", False), ("0.5", "50", False)],
)  # fmt: skip
def test_same_number(a, b, same):
    assert same_number(a, b) is same
    assert same_number(b, a) is same


def test_same_number_wants_one_number():
    with pytest.raises(ValueError):
        same_number("39–61", "39")


def test_supported_answer_passes():
    answer = (
        "Of the 19 evaluable patients, the overall response rate was 100% (95% CI 82.4–100%). [1] "
        "CRS occurred in 42% of patients, mostly grade 1 and 2. [2] E3A06 reported 50% "
        "(95% CI 39%–61%). [3]"
    )
    result = verify(answer, QUOTES, CALCULATIONS)
    assert result.ok and result.unsupported == ()
    assert [m.text for m in result.mentions][:3] == ["19", "100%", "95%"]


def test_proportions_match_percents():
    assert verify("The rate was 0.737 and the CRS rate 0.42.", QUOTES, CALCULATIONS).ok


def test_planted_wrong_numbers_are_caught():
    answer = (
        "The overall response rate was 100% in 19 patients. [1] CRS occurred in 45% of "
        "patients. [2] The ORR was 50% (95% CI 39–62). [3] Median follow-up was 0.19 years."
    )
    result = verify(answer, QUOTES, CALCULATIONS)
    assert [m.text for m in result.unsupported] == ["45%", "39–62", "0.19"]


def test_numbers_match_whole_not_as_substrings():
    assert [m.text for m in verify("12 patients", ["125 patients"], []).unsupported] == ["12"]
    assert [m.text for m in verify("25 patients", ["125 patients"], []).unsupported] == ["25"]
    assert verify("1000 patients", ["1,000 patients"], []).ok
    assert not verify("19 patients", ["a rate of 0.19"], []).ok


def test_identifiers_in_the_answer_need_no_support():
    assert verify("LINKER-SMM1 (NCT05955508) is a phase 2 trial [1].", ["a phase 2 trial"], []).ok


def test_strip_unsupported_drops_sentences_with_their_markers():
    answer = (
        "The overall response rate was 100%. [1] CRS occurred in 45% of patients. [2] "
        "Responses were seen in 19 patients. [1]"
    )
    result = strip_unsupported(answer, QUOTES, CALCULATIONS)
    assert (
        result.text
        == "The overall response rate was 100%. [1] Responses were seen in 19 patients. [1]"
    )
    assert result.removed == ("CRS occurred in 45% of patients. [2]",)
    assert [m.text for m in result.unsupported] == ["45%"]


def test_strip_keeps_paragraphs_and_an_all_supported_answer():
    answer = "First 19 patients. [1]\n\nThen 42% had CRS. [2]"
    assert strip_unsupported(answer, QUOTES, []).text == answer
    assert strip_unsupported("Only 7 here.", QUOTES, []).text == ""
    assert strip_unsupported("", QUOTES, []).removed == ()
