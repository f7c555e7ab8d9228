import pytest

from assistant.language.defined_terms import defined, with_defined
from assistant.language.query import analyse
from tests.conftest import assert_answer_contract, services_over

METHODS = (
    "Response was assessed as complete remission (CR), partial remission (PR) or no "
    "response (NR). Postoperative nausea and vomiting (PONV) was recorded for 24 hours, "
    "as was the estimated glomerular filtration rate (eGFR, ml/min)."
)


def test_long_forms_are_read_before_their_short_forms():
    assert defined(METHODS) == [
        ("CR", "complete remission"),
        ("PR", "partial remission"),
        ("NR", "no response"),
        ("PONV", "Postoperative nausea and vomiting"),
        ("eGFR", "estimated glomerular filtration rate"),
    ]


def test_a_bracket_that_abbreviates_nothing_defines_nothing():
    text = "Patients (n = 30) received 5 mg (IV) twice (a) daily with placebo (PBO) or drug X (DX)."
    # IV: no word before it starts with i; "placebo (PBO)": p-b-o in order, so it counts.
    assert defined(text) == [("PBO", "placebo"), ("DX", "drug X")]


def test_the_first_letter_starts_a_word():
    # "trial (RT)": r and t occur in "trial", but no word of it starts with r.
    assert defined("This was a trial (RT) of aspirin.") == []


def test_a_question_in_long_form_is_satisfied_by_the_short_form():
    query = with_defined(analyse("What were the complete remission rates?"), [METHODS])
    complete, remission = query.groups[0], query.groups[1]
    assert complete.satisfied_by({"cr"}) and remission.satisfied_by({"cr"})
    assert not analyse("What were the complete remission rates?").groups[0].satisfied_by({"cr"})


def test_a_question_naming_too_little_of_a_long_form_is_not_expanded():
    # "estimated glomerular filtration rate": "rate" alone is one word of four.
    query = with_defined(analyse("What was the response rate?"), [METHODS])
    assert not any(g.satisfied_by({"egfr"}) for g in query.groups)


def test_a_question_in_short_form_is_satisfied_by_the_long_form():
    query = with_defined(analyse("Was PONV less frequent?"), [METHODS])
    ponv = query.groups[0]
    assert ponv.satisfied_by({"postop", "nausea", "vomit"})
    assert not ponv.satisfied_by({"nausea"})


def test_a_hyphenated_long_form_is_named_by_its_words():
    """ "pain-on-movement (POM)": a question saying "pain on movement" names it, and one
    saying "POM" is satisfied by a sentence with the words."""
    methods = ["The primary outcome was pain-on-movement (POM) at 72 hours."]
    query = with_defined(analyse("How much did pain on movement fall with the gel?"), methods)
    assert all(g.satisfied_by({"pom"}) for g in query.groups if g.term in ("pain", "movement"))
    assert not next(g for g in query.groups if g.term == "gel").satisfied_by({"pom"})
    query = with_defined(analyse("How much did POM fall?"), methods)
    assert next(g for g in query.groups if g.term == "pom").satisfied_by({"pain", "movement"})


def test_nothing_defined_leaves_the_query_as_it_was():
    query = analyse("What was the response rate?")
    assert with_defined(query, ["No brackets here."]) is query


# Results reported by abbreviation only, the long form written once in the methods.
PAPER = """ASPEN-3: vesotrelvir versus udenavir in chronic hepatitis C

Methods. Adults with chronic hepatitis C were randomly assigned to vesotrelvir or udenavir
for 12 weeks. The primary endpoint was sustained virological response (SVR) 12 weeks after
the end of treatment. Safety was assessed at every visit.

Results. Of 182 patients randomised, 176 completed treatment. SVR rates were 95.7% (88 of 92)
with vesotrelvir and 78.9% (71 of 90) with udenavir. Headache was the most common adverse
event.
"""


@pytest.fixture(scope="module")
def services(tmp_path_factory, embedder):
    return services_over(tmp_path_factory.mktemp("defined"), {"aspen.txt": PAPER}, embedder)


@pytest.mark.slow
def test_a_long_form_question_is_answered_by_the_short_form_result(services):
    """The paper defines "sustained virological response (SVR)" in its methods and reports
    "SVR was achieved by ...": a question in long form is answered by the result, not by the
    methods sentence that shares its words."""
    answer = services.engine.answer(
        "What was the sustained virological response rate with vesotrelvir?"
    )
    assert not answer.abstained, answer.answer
    assert "88 of 92" in answer.citations[0].quote, answer.answer
    assert_answer_contract(services.store, answer)
