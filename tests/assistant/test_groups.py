"""Answers about each group (assistant.answering.groups): which questions ask of each group,
which sentences are written alike, and, with the real engine over a store on disk, that the
sentence after a quoted one giving the next arm is quoted too."""

import re

import pytest

from assistant.answering.candidates import Candidate
from assistant.answering.groups import asks_each_group, parallel, with_parallel
from assistant.models import Chunk, Passage
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
        ("Forty two patients were allocated to A.", "Forty five patients had B.", True),
        ("Group A received drug X daily.", "Group B (control) received placebo.", True),
        ("Pain fell by 3 points with A.", "Pain fell by 1 point with B.", True),
        ("In total, 120 patients were enrolled.", "In total, 3 withdrew.", False),
        ("The mean age was 54 years.", "The primary outcome was pain.", False),
        ("Group A received drug X daily.", "Group A received drug X daily.", False),
    ],
)
def test_sentences_written_alike(first, second, alike):
    assert parallel(first, second) is alike


PAPER = """# A back-care leaflet and a nurse's call for low back pain: a randomised trial

## Methods
We conducted a randomised controlled study of 150 adults with low back pain seen in
primary care. Patients were randomly assigned to one of three groups.
Group A (usual care) was the control group and received standard advice from their doctor.
Group B (leaflet) patients were given a printed leaflet on back care to read at home.
Group C (leaflet and call) patients received the leaflet and a telephone call from a nurse
one week later.
Participants in each group attended three clinic visits on days 1, 21 and 42.

## Results
Pain scores were similar in the three groups at day 42.
"""


@pytest.fixture(scope="module")
def services(tmp_path_factory, embedder):
    return services_over(tmp_path_factory.mktemp("groups"), {"back.md": PAPER}, embedder)


QUESTION = "What did each group receive?"
GROUPS = ("Group A (usual care)", "Group B (leaflet)", "Group C (leaflet and call)")


@pytest.mark.slow
def test_each_groups_sentence_is_quoted_for_a_question_about_each_group(services):
    answer = services.engine.answer(QUESTION)
    assert not answer.abstained, answer.answer
    quotes = " ".join(c.quote for c in answer.citations)
    assert all(group in quotes for group in GROUPS), answer.answer


def _sentences(text: str) -> list[Candidate]:
    """Each sentence of one paragraph as a candidate at its offsets."""
    chunk = Chunk(chunk_id="c", doc_id="d", text=text, start=0, end=len(text))
    passage = Passage(chunk=chunk, title="T", source="s", score=0.0)
    spans = [(m.start(), m.end()) for m in re.finditer(r"[^.]+\.", text)]
    return [Candidate(passage=passage, start=a + (text[a] == " "), end=b, text=text[a:b].strip())
            for a, b in spans]  # fmt: skip


def test_the_arms_sentences_follow_the_quoted_one_stepping_over_one_between():
    """ "Forty two ... surgery. Data ... for 40. Forty five ... splinting.": the second arm's
    sentence follows the first, the one between is not quoted; a sentence written otherwise
    ends the run; and they do not count against the most sentences quoted."""
    ranked = _sentences(
        "Forty two patients were allocated to surgery. Data were available for 40 of them. "
        "Forty five patients were allocated to splinting. Symptoms improved with surgery."
    )
    first, between, second, after = ranked
    out = with_parallel([first, after], ranked, most=1)
    assert [c.text for c in out] == [first.text, second.text]
    out = with_parallel([first, after], ranked, most=2)
    assert [c.text for c in out] == [first.text, second.text, after.text]
    assert between.text not in [c.text for c in with_parallel([first], ranked, most=3)]
