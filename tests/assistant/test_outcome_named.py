"""An effect question is answered by a result about its own outcome: "Did the reminders
improve blood pressure?" is not answered by the HbA1c result of the same arms, though that
sentence shares the intervention, the patients and the trial with the question
(assistant/answering/selection.py)."""

import pytest

from tests.conftest import services_over

PAPER = """# Text-message reminders in type 2 diabetes (REMIND)

## Methods
Adults with type 2 diabetes were randomised to customised text-message reminders or to usual
care for 6 months. Blood pressure and HbA1c were measured at baseline and at 6 months.

## Results
Customised text-message reminders sent to adults with type 2 diabetes lowered HbA1c by 0.4%
more than usual care (p = 0.02).
"""


@pytest.fixture(scope="module")
def services(tmp_path_factory, embedder):
    return services_over(tmp_path_factory.mktemp("outcome"), {"remind.md": PAPER}, embedder)


@pytest.mark.slow
def test_the_result_about_the_asked_outcome_answers(services):
    answer = services.engine.answer(
        "Did customised text-message reminders lower HbA1c in adults with type 2 diabetes?"
    )
    assert not answer.abstained, answer.answer
    assert "lowered HbA1c by 0.4%" in answer.citations[0].quote


@pytest.mark.slow
def test_a_result_about_another_outcome_does_not(services):
    """The sentence the question shares most words with is about HbA1c: it is not cited as a
    "yes" about blood pressure, and the decline says which outcome no result names."""
    answer = services.engine.answer(
        "Did customised text-message reminders lower blood pressure in adults with type 2 diabetes?"
    )
    assert answer.abstained, answer.answer
    assert "none names “blood pressure”" in answer.answer
