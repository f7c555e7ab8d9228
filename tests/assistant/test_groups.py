"""Answers about each group (assistant.answering.groups): which questions ask of each group,
which sentences are written alike, and, with the real engine over a store on disk, that the
sentence after a quoted one giving the next arm is quoted too."""

import pytest

from assistant.answering.groups import asks_each_group, parallel
from tests.conftest import services_over


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("How many patients went to each arm?", True),
        ("What did the three groups receive?", True),
        ("Did pain fall in both groups?", True),
        ("How many were randomised per arm?", True),
        ("How many patients were randomised?", False),
        ("What was the primary outcome?", False),
        ("Which group had more nausea?", False),
    ],
)
def test_questions_about_each_group(question, asks):
    assert asks_each_group(question) is asks


@pytest.mark.parametrize(
    ("first", "second", "alike"),
    [
        ("Fifty seven patients were allocated to A.", "Fifty eight patients had B.", True),
        ("Group A received drug X daily.", "Group B (control) received placebo.", True),
        ("Pain fell by 3 points with A.", "Pain fell by 1 point with B.", True),
        ("In total, 120 patients were enrolled.", "In total, 3 withdrew.", False),
        ("The mean age was 54 years.", "The primary outcome was pain.", False),
        ("Group A received drug X daily.", "Group A received drug X daily.", False),
    ],
)
def test_sentences_written_alike(first, second, alike):
    assert parallel(first, second) is alike


PAPER = """# A symptom-reporting app during chemotherapy for breast cancer: a randomised trial

## Methods
We conducted a randomised controlled study of 139 breast cancer patients undergoing
chemotherapy. Patients were randomly assigned to one of three groups.
Group A (control) was the control group and received regular physician support.
Group B (app) patients were instructed to use the mobile app without physician review.
Group C (app and physician) patients used the mobile app and reviewed the reported data with
the treating physician.
Participants in each group attended three oncology visits on days 1, 21 and 42.

## Results
Quality of life was similar in the three groups at day 42.
"""


HYDRO = """# Hydrotherapy against land exercise in rheumatoid arthritis: a randomised trial

## Results
Of 123 patients assessed, 8 were excluded and 115 were randomised. Fifty seven patients were
allocated hydrotherapy. Data on the primary outcome were available for 46 of them. Fifty eight
patients were allocated land exercises. Data on the primary outcome were available for 40.
Health improved more with hydrotherapy than with land exercise (p = 0.04).
"""


@pytest.fixture(scope="module")
def services(tmp_path_factory, embedder):
    files = {"app.md": PAPER, "hydro.md": HYDRO}
    return services_over(tmp_path_factory.mktemp("groups"), files, embedder)


QUESTION = "What did each group receive?"
GROUPS = ("Group A (control)", "Group B (app)", "Group C (app and physician)")


@pytest.mark.slow
def test_each_groups_sentence_is_quoted_for_a_question_about_each_group(services):
    answer = services.engine.answer(QUESTION)
    assert not answer.abstained, answer.answer
    quotes = " ".join(c.quote for c in answer.citations)
    assert all(group in quotes for group in GROUPS), answer.answer


@pytest.mark.slow
def test_a_sentence_between_two_arms_sentences_is_stepped_over(services):
    """ "Fifty seven ... hydrotherapy. Data ... for 46 of them. Fifty eight ... land exercises.":
    the second arm's sentence is quoted, the one between is not."""
    answer = services.engine.answer("How many patients in the hydrotherapy trial went to each arm?")
    assert not answer.abstained, answer.answer
    quotes = " ".join(c.quote for c in answer.citations)
    assert "Fifty eight" in quotes and "Fifty seven" in quotes, answer.answer
