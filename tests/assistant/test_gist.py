"""A question asking what a paper found, naming no outcome, is answered within one paper by
its conclusion, else by the first findings of its results (assistant.answering.gist)."""

from types import SimpleNamespace

import pytest

from assistant.answering.candidates import Candidate
from assistant.answering.gist import asks_gist, gist
from tests.conftest import services_over


@pytest.mark.parametrize(
    "question",
    [
        "What did this trial find?",
        "What was the main result?",
        "What were the key findings?",
        "What were the results of the study?",
        "Summarise the findings",
        "What is the bottom line?",
    ],
)
def test_gist_questions(question):
    assert asks_gist(question)


@pytest.mark.parametrize(
    "question",
    [
        "What were the results for cough frequency?",
        "What did this trial find about taste disturbance?",
        "What was the main adverse event?",
        "How many patients were randomised?",
    ],
)
def test_questions_naming_what_they_ask_about_are_not_gist_questions(question):
    assert not asks_gist(question)


def sentences(text: str) -> list:
    """The sentences of a one-chunk plain text as candidates: one per line not a label."""
    chunk = SimpleNamespace(doc_id="d", section="", text=text, start=0)
    out, at = [], 0
    for line in text.splitlines(keepends=True):
        body = line.strip()
        if body and not body.endswith(":") and not body.isupper():
            passage = SimpleNamespace(chunk=chunk)
            out.append(Candidate(passage, at, at + len(body), body))  # type: ignore[arg-type]
        at += len(line)
    return out[::-1]  # in any order


ABSTRACT = """ABSTRACT.METHODS:
Adults were randomly assigned to drug D or placebo.
ABSTRACT.RESULTS::
Cough frequency was measured by a monitor.
Cough frequency fell by 41% with drug D and 17% with placebo.
ABSTRACT.CONCLUSION::
Drug D reduced cough more than placebo.
Taste disturbance was common.
BODY.I:NTRODUCTION
Chronic cough is common.
"""


def test_the_first_conclusion_in_document_order():
    found = gist(sentences(ABSTRACT), 3)
    assert [c.text for c in found] == [
        "Drug D reduced cough more than placebo.",
        "Taste disturbance was common.",
    ]
    assert found[0].section == "ABSTRACT.CONCLUSION::"


def test_without_a_conclusion_the_first_findings_of_the_results():
    text = ABSTRACT.split("ABSTRACT.CONCLUSION")[0]
    assert [c.text for c in gist(sentences(text), 3)] == [
        "Cough frequency fell by 41% with drug D and 17% with placebo."
    ]
    assert gist(sentences("Methods:\nAdults were randomised.\n"), 3) == []


PAPER = """# DAHLIA-3: drug D for chronic cough

## Methods
Adults with chronic cough were randomly assigned to drug D or placebo for 12 weeks.
Cough frequency was measured with an ambulatory monitor.

## Results
Cough frequency fell by 41% with drug D and by 17% with placebo (p < 0.001).
Taste disturbance occurred in 12% with drug D and 2% with placebo.

## Conclusions
Drug D reduced cough frequency more than placebo over 12 weeks.
Taste disturbance was its commonest adverse event.
"""


@pytest.fixture(scope="module")
def services(tmp_path_factory, embedder):
    return services_over(tmp_path_factory.mktemp("gist"), {"dahlia.md": PAPER}, embedder)


@pytest.mark.slow
def test_what_did_this_trial_find_is_answered_by_its_conclusion(services):
    answer = services.engine.answer("What did this trial find?")
    assert not answer.abstained, answer.answer
    assert answer.citations[0].quote.startswith("Drug D reduced cough frequency")
    assert len(answer.citations) == 2
