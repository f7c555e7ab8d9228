"""Questions that ask several things in one breath (assistant.answering.parts): where they are
cut, how the parts' answers are joined, and, with the real engine over a store on disk, that each
part is answered within the document the whole question is about."""

import pytest

from assistant.answering.parts import joined, parts
from assistant.models import Answer, Citation
from tests.conftest import services_over


@pytest.mark.parametrize(
    ("question", "cut"),
    [
        (
            "How many were randomised, and how many finished treatment?",
            ["How many were randomised?", "How many finished treatment?"],
        ),
        (
            "What was the dose and how often was it given?",
            ["What was the dose?", "How often was it given?"],
        ),
        (
            "What were the inclusion criteria, and were patients over 70 allowed?",
            ["What were the inclusion criteria?", "Were patients over 70 allowed?"],
        ),
        (
            "What did the volunteers receive; how long were they followed up?",
            ["What did the volunteers receive?", "How long were they followed up?"],
        ),
        (
            "If a dose is missed, does the level fall, and is there a rebound?",
            ["If a dose is missed, does the level fall?", "Is there a rebound?"],
        ),
        (
            "How many were randomised? What was the dose?",
            ["How many were randomised?", "What was the dose?"],
        ),
        (
            "What was the median age, what proportion were women, and who ran it?",
            ["What was the median age, what proportion were women?", "Who ran it?"],
        ),
    ],
)
def test_a_question_is_cut_where_a_second_question_begins(question, cut):
    assert parts(question) == cut


@pytest.mark.parametrize(
    "question",
    [
        "What were the rates of nausea and vomiting?",  # a list of measures
        "How many were randomised and treated?",  # one question, two verbs
        "What was the difference between drug A and placebo?",
        "In this trial, how many were randomised?",  # a comma alone does not cut
        "What dose, and how often, was infused in this study?",  # an aside
        "Was drug A better than placebo, and by how much?",  # no question word opens it
        "What is the difference between arms and why?",  # too short to be a question
        # a clause inside the question, not a second one
        "What is the benefit of studying the trial's dropouts and how they differ from others?",
        "What is the delay between when a dose is missed and when the level falls?",
        "What did the FDA and WHO advisers recommend?",  # an acronym, not "who"
        # a title before the question asks nothing itself
        "Steroid injection for tennis elbow; does it relieve pain at 6 weeks?",
    ],
)
def test_a_question_asking_one_thing_is_not_cut(question):
    assert parts(question) == [question]


def _cite(n: int, start: int, quote: str) -> Citation:
    return Citation(
        n=n, doc_id="d", title="T", source="s", chunk_id="c", start=start, end=start + 9,
        quote=quote,
    )  # fmt: skip


def test_the_parts_answers_are_joined_with_a_shared_quote_numbered_once():
    first = Answer(
        question="How many were randomised?",
        answer="150 were randomised. [1] 75 to each group. [2]",
        abstained=False,
        citations=[_cite(1, 0, "150 were randomised."), _cite(2, 40, "75 to each group.")],
    )
    second = Answer(
        question="How many per group?",
        answer="75 to each group. [1]",
        abstained=False,
        citations=[_cite(1, 40, "75 to each group.")],
    )
    declined = Answer(
        question="Who paid for it?",
        answer="The indexed documents do not answer this: no passage found mentions “paid”. "
        "The closest passages are [1] and [2].",
        abstained=True,
        citations=[_cite(1, 80, "x"), _cite(2, 90, "y")],
    )
    answer = joined("Q?", [first, second, declined], "cid")
    assert not answer.abstained
    assert answer.answer == "150 were randomised. [1] 75 to each group. [2]"
    assert [(c.n, c.start) for c in answer.citations] == [(1, 0), (2, 40)]
    assert answer.warnings == [
        "“Who paid for it?” is not answered: no passage found mentions “paid”."
    ]


INSOMNIA = """# Group cognitive behavioural therapy for insomnia after breast cancer: a randomised trial

## Methods
Women who had finished chemotherapy for breast cancer and reported insomnia were eligible.
Participants were randomly assigned to group cognitive behavioural therapy or to sleep hygiene
leaflets.
Therapy was delivered in six weekly two-hour group sessions led by a psychologist.
The primary outcome was the Insomnia Severity Index at 12 weeks.

## Results
Of 212 women screened, 150 were randomly assigned, 75 to each group.
Baseline characteristics were similar in the two groups.
In the therapy group, 61 women attended at least five of the six sessions.
The Insomnia Severity Index fell by 8.1 points with therapy and by 3.2 points with leaflets
(p < 0.001).
"""

KNEE = """# Exercise before knee replacement: a randomised trial

## Methods
Adults awaiting total knee replacement were randomly assigned to six weeks of supervised
exercise or to usual care.
The primary outcome was the Oxford Knee Score six months after surgery.

## Results
Of 180 adults randomly assigned, 166 completed follow-up.
The Oxford Knee Score did not differ between the groups at six months (p = 0.41).
"""


@pytest.fixture(scope="module")
def services(tmp_path_factory, embedder):
    return services_over(
        tmp_path_factory.mktemp("parts"), {"insomnia.md": INSOMNIA, "knee.md": KNEE}, embedder
    )


TWO = "How were the group therapy sessions delivered, and what was the primary outcome?"
DELIVERED = "six weekly two-hour group sessions"
OUTCOME = "The primary outcome was the Insomnia Severity Index"


@pytest.mark.slow
def test_each_part_of_a_two_part_question_is_answered(services):
    answer = services.engine.answer(TWO)
    assert not answer.abstained, answer.answer
    quotes = " ".join(c.quote for c in answer.citations)
    assert DELIVERED in quotes and OUTCOME in quotes, answer.answer


@pytest.mark.slow
def test_a_part_naming_no_trial_is_asked_of_the_document_the_question_is_about(services):
    """ "What was the primary outcome?" alone is answered by both papers; as the second part of
    a question about the insomnia trial, by that trial's only."""
    alone = services.engine.answer("What was the primary outcome?")
    assert "Oxford Knee Score" in " ".join(c.quote for c in alone.citations), alone.answer
    answer = services.engine.answer(TWO)
    assert {c.doc_id for c in answer.citations} == {answer.citations[0].doc_id}
    assert "Oxford" not in answer.answer


@pytest.mark.slow
def test_a_part_the_paper_does_not_answer_is_named_in_a_warning(services):
    answer = services.engine.answer(
        "What was the primary outcome of the insomnia trial, and how many women had hot flushes?"
    )
    assert not answer.abstained, answer.answer
    assert OUTCOME in answer.citations[0].quote
    assert any(
        w.startswith("“How many women had hot flushes?” is not answered") for w in answer.warnings
    ), answer.warnings


@pytest.mark.slow
def test_with_split_questions_off_the_question_is_answered_as_one(services):
    """The seam's other side: answered as one question, the best sentence answers the first
    part and the second part's words count against the rest (so the tests above can fail)."""
    whole = services.engine.settings.model_copy(update={"split_questions": False})
    engine = type(services.engine)(services.retriever, services.embedder, whole)
    answer = engine.answer(TWO)
    quotes = " ".join(c.quote for c in answer.citations)
    assert not (DELIVERED in quotes and OUTCOME in quotes), answer.answer
