"""Evidence tables (issue 21 item 1): the comparison a question asks, the figure, arm, n and
design read from cited quotes, a 'not stated' row for a trial without the measure, and the
three-trial comparison over the shipped corpus with the real engine."""

from __future__ import annotations

import re

import pytest

from assistant.answering.tables import (
    NO_FIGURE,
    NOT_STATED,
    arm_in,
    build,
    design_of,
    found_in,
    n_in,
    parse,
    table_markdown,
    value_in,
)
from assistant.models import Answer, Citation, Filters
from tests.conftest import assert_answer_contract


def named(question: str, *names: str) -> list[tuple[str, set[str], int]]:
    """What TrialNames.each returns for ``names`` written in ``question``."""
    return [(n, {n.lower() + "-doc"}, question.index(n)) for n in names]


@pytest.mark.parametrize(
    ("question", "names", "measure"),
    [
        ("Compare the overall response rates of ALPHA-1, BETA and GAMMA2",
         ("ALPHA-1", "BETA", "GAMMA2"), "overall response rates"),
        ("How does the overall response rate in ALPHA-1 compare with BETA?",
         ("ALPHA-1", "BETA"), "overall response rate"),
        ("Grade 3 or higher adverse events in BETA versus GAMMA2",
         ("BETA", "GAMMA2"), "Grade 3 or higher adverse events"),
        ("What was the median progression-free survival in BETA compared with ALPHA-1?",
         ("BETA", "ALPHA-1"), "median progression-free survival"),
    ],
)  # fmt: skip
def test_the_measure_and_trials_are_read_from_the_question(question, names, measure):
    found = parse(question, named(question, *names))
    assert found is not None
    assert found.measure == measure
    assert [name for name, _ in found.trials] == list(names)


def test_each_trial_keeps_its_own_arm_when_the_question_gives_one():
    question = "Compare the response rates with drug Y in ALPHA-1 and with drug Z in BETA."
    found = parse(question, named(question, "ALPHA-1", "BETA"))
    assert found.measure == "response rates"
    assert found.arms == {"ALPHA-1": "with drug Y", "BETA": "with drug Z"}
    one = "How does the response rate with drug Y in ALPHA-1 compare with BETA?"
    found = parse(one, named(one, "ALPHA-1", "BETA"))  # one arm given: it is the measure's
    assert (found.measure, found.arms) == ("response rate with drug Y", {})


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("What was the overall response rate in ALPHA-1?", ("ALPHA-1",)),  # one trial
        ("Compare the response rates of the arms in ALPHA-1", ("ALPHA-1",)),
        ("What were the response rates in ALPHA-1 and BETA?", ("ALPHA-1", "BETA")),  # no compare
    ],
)
def test_other_questions_get_no_table(question, names):
    assert parse(question, named(question, *names)) is None


@pytest.mark.parametrize(
    ("text", "design"),
    [
        ("BETA was a randomized, open-label phase 3 trial.", "randomised"),
        ("Patients were randomly assigned 1:1 to drug or placebo.", "randomised"),
        ("Enrolment: 92 patients randomised to lenalidomide.", "randomised"),
        ("ALPHA-1 is a single-arm phase 2 study of drug X.", "single-arm"),
        ("An open-label, single group, non-randomized study.", "single-arm"),
        ("ALPHA-1 is an open-label phase 2 study of single-agent drug X.", None),
        ("The next step after ALPHA-1 is a randomized phase 3 trial.", None),  # a planned trial
        ("Unlike single-arm studies, BETA was randomised.", None),  # both: says nothing sure
    ],
)
def test_design_is_what_the_sentence_states(text, design):
    assert design_of(text) == design


def test_value_arm_and_n_are_verbatim_in_the_quote():
    quote = "In BETA, the overall response rate was 63.4% with drug Y versus 2.0% with placebo."
    value, start, end = value_in(quote)
    assert value == "63.4%" and quote[start:end] == value
    assert arm_in(quote, start, end) == "drug Y"
    assert n_in(quote, start, end) is None
    table_line = "Overall response rate — Drug Y (n=194): 63.4%; Placebo (n=196): 2.0%."
    value, start, end = value_in(table_line)
    assert (value, arm_in(table_line, start, end), n_in(table_line, start, end)) == (
        "63.4%", "Drug Y", "194",
    )  # fmt: skip
    before = "In BETA, the response rate with drug Y was 50% (95% CI 39-61%)."
    value, start, end = value_in(before)
    assert (value, arm_in(before, start, end)) == ("50%", "drug Y")
    pair = "The overall response rate was 100% (19/19) among evaluable patients."
    value, start, end = value_in(pair)
    assert (value, n_in(pair, start, end)) == ("100%", "19")
    assert value_in("Median PFS was 22.1 months with drug Y.")[0] == "22.1 months"
    assert value_in("The response rate was high with drug Y.") is None


def citation(quote: str, doc: str, n: int = 1, start: int = 0) -> Citation:
    return Citation(n=n, doc_id=doc, title=doc, source=doc, chunk_id=f"{doc}:0", start=start,
                    end=start + len(quote), quote=quote)  # fmt: skip


class NoStore:
    def chunks_matching(self, filters, limit):
        return []


def test_a_trial_without_the_measure_is_a_not_stated_row():
    quotes = {
        "alpha-1-doc": "ALPHA-1, a single-arm study, reported an overall response rate of "
        "88% (22/25).",
        "beta-doc": None,  # the engine abstains: BETA's documents do not state it
        "gamma2-doc": "GAMMA2 described responses as durable.",  # cited, but no figure
    }
    asked: list[tuple[str, Filters]] = []

    def ask(question: str, filters: Filters) -> Answer:
        asked.append((question, filters))
        (doc,) = filters.doc_id
        quote = quotes[doc]
        if quote is None:
            return Answer(question=question, answer="Nothing found.", abstained=True)
        return Answer(question=question, answer=f"{quote} [1]", abstained=False,
                      citations=[citation(quote, doc)])  # fmt: skip

    question = "Compare the overall response rate of ALPHA-1, BETA and GAMMA2"
    comparison = parse(question, named(question, "ALPHA-1", "BETA", "GAMMA2"))
    answer = build(question, comparison, ask, NoStore(), None, "c1")
    assert [q for q, _ in asked] == [
        f"What was the overall response rate in {t}?" for t in ("ALPHA-1", "BETA", "GAMMA2")
    ]
    table = answer.table
    assert table.columns == ["Trial", "overall response rate", "Design", "Arm", "n"]
    assert [row[0].text for row in table.rows] == ["ALPHA-1", "BETA", "GAMMA2"]
    alpha, beta, gamma = table.rows
    assert [c.text for c in alpha] == ["ALPHA-1", "88%", "single-arm", NOT_STATED, "25"]
    assert alpha[1].cited == [1] and alpha[2].cited == [1]
    assert [c.text for c in beta] == ["BETA"] + [NOT_STATED] * 4
    assert all(not c.cited for c in beta)
    assert "The documents of BETA do not state the overall response rate." in answer.answer
    # GAMMA2's documents answer in words: cited, but no figure goes in the cell.
    assert (gamma[1].text, gamma[1].cited) == (NO_FIGURE, [2])
    assert "GAMMA2 described responses as durable. [2]" in answer.answer
    assert "not head-to-head" in table.note
    assert not answer.abstained and [c.n for c in answer.citations] == [1, 2]
    assert set(map(int, re.findall(r"\[(\d+)\]", answer.answer))) == {1, 2}
    md = table_markdown(table)
    assert "| ALPHA-1 [1] | 88% [1] | single-arm [1] | not stated | 25 [1] |" in md
    assert "| BETA | not stated | not stated | not stated | not stated |" in md


def test_only_the_request_filters_within_each_trial_are_searched():
    seen = []

    def ask(question, filters):
        seen.append(filters)
        return Answer(question=question, answer="None.", abstained=True)

    question = "Compare the response rates of ALPHA-1 and BETA"
    comparison = parse(question, named(question, "ALPHA-1", "BETA"))
    answer = build(question, comparison, ask, NoStore(), Filters(source_type="paper"), "c")
    assert [f.doc_id for f in seen] == [["alpha-1-doc"], ["beta-doc"]]
    assert all(f.source_type == ["paper"] for f in seen)
    assert answer.abstained and len(answer.table.rows) == 2  # no trial dropped


def test_found_in_takes_the_first_cited_quote_holding_a_figure():
    answer = Answer(question="q", answer="a [1] b [2]", abstained=False, citations=[
        citation("Response rate was a secondary end point.", "d", 1),
        citation("The response rate was 50% (95% CI 39-61%).", "d", 2, start=100),
    ])  # fmt: skip
    found = found_in(answer)
    assert found.value == "50%" and found.value_quote.n == 2


@pytest.mark.slow
def test_three_named_trials_make_three_cited_rows_over_the_corpus(corpus_services):
    question = "Compare the overall response rates of LINKER-SMM1, AQUILA and E3A06"
    answer = corpus_services.engine.answer(question)
    assert_answer_contract(corpus_services.store, answer)
    table = answer.table
    assert table is not None and not answer.abstained
    assert [row[0].text for row in table.rows] == ["LINKER-SMM1", "AQUILA", "E3A06"]
    by_n = {c.n: c for c in answer.citations}
    trial_of = {d.doc_id: d.metadata.get("trial") for d in corpus_services.store.list_documents()}
    for row in table.rows:
        value = row[1]
        assert value.text != NOT_STATED and value.cited, row
        quote = by_n[value.cited[0]]
        assert value.text in quote.quote and "%" in value.text  # the number gate
        assert row[0].text in str(trial_of[quote.doc_id])  # cited from that trial's documents
        for cell in row[1:]:
            assert cell.text == NOT_STATED or cell.cited, cell
    designs = {row[0].text: row[2].text for row in table.rows}
    assert designs["AQUILA"] == "randomised" and designs["E3A06"] == "randomised"
    assert "not head-to-head" in table.note
    # Two trials, worded as a follow-up would be: two rows, and no other question is tabled.
    two = corpus_services.engine.answer(
        "How does the overall response rate in LINKER-SMM1 compare with AQUILA?"
    )
    assert [row[0].text for row in two.table.rows] == ["LINKER-SMM1", "AQUILA"]
    assert (
        corpus_services.engine.answer("What was the overall response rate in AQUILA?").table is None
    )


def test_the_conversation_export_carries_the_table_and_every_marker_resolves():
    from assistant.conversation.export import turn_markdown
    from assistant.conversation.history import Turn

    quote = "ALPHA-1 | reported an overall response rate of 88% (22/25)."
    question = "Compare the overall response rate of ALPHA-1 and BETA"
    comparison = parse(question, named(question, "ALPHA-1", "BETA"))

    def ask(q, filters):
        if filters.doc_id == ["beta-doc"]:
            return Answer(question=q, answer="None.", abstained=True)
        return Answer(question=q, answer=f"{quote} [1]", abstained=False,
                      citations=[citation(quote, "alpha-1-doc")])  # fmt: skip

    answer = build(question, comparison, ask, NoStore(), None, "c")
    md = turn_markdown(Turn(n=1, question=question, standalone_question=question,
                            answer=answer, asked_at=0.0))  # fmt: skip
    assert "| ALPHA-1 [1] | 88% [1] | not stated | not stated | 25 [1] |" in md
    assert "| BETA | not stated | not stated | not stated | not stated |" in md
    assert "not head-to-head" in md
    references = {int(n) for n in re.findall(r"^\[(\d+)\]", md, re.M)}
    assert set(map(int, re.findall(r"(?<!\\)\[(\d+)\]", md))) <= references == {1}
