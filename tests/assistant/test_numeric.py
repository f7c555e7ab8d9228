"""Numeric questions: recognised, computed from cited counts, and every number traced."""

import pytest

from assistant.answering.citations import renumber
from assistant.answering.numeric import figures_in, read_question
from assistant.answering.verify import verify
from assistant.models import Answer, Calculation, Citation
from tests.conftest import assert_answer_contract


def test_question_kinds_are_recognised():
    ask = read_question("What is the 90% CI for the ORR?")
    assert ask.interval and ask.confidence == 0.90 and not ask.stated
    assert read_question("How many patients had CRS?").rate
    ask = read_question("Compare grade 3 infections between arms")
    assert ask.compare and ask.harm
    assert not read_question("Who led the study?").numeric


def test_inputs_stated_in_the_question_are_read():
    ask = read_question("If 10 of 24 patients responded, what is the response rate with a 95% CI?")
    assert [(p.count, p.total) for p in ask.stated] == [(10, 24)] and ask.confidence == 0.95
    ask = read_question("Compare 12/24 versus 9/24")
    assert [(p.count, p.total) for p in ask.stated] == [(12, 24), (9, 24)]
    assert read_question("Is 74% of 19 consistent?").stated_percent == (74.0, 0, 19)
    assert read_question("What happened on 10/24/2025?").stated == ()


def test_figures_in_sentences():
    f = figures_in("ORR — Arm A (n=19): 14 (74%); Arm B (n=20): 2 (10%).")
    assert [(p.count, p.total) for p in f.pairs] == [(14, 19), (2, 20)]
    f = figures_in(
        "Serious adverse events — Placebo: 0 of 97 participants; Drug: 3 of 97 participants."
    )
    assert [(p.count, p.total) for p in f.pairs] == [(0, 97), (3, 97)]
    f = figures_in("CRS occurred in 42% of the 24 treated patients.")
    assert [p.value for p in f.percents] == [42.0] and f.denominators == [24]
    assert figures_in("20 of 19 is impossible").pairs == []
    # A threshold on a scale is no count of people: "pain of VAS ≥4 of 10" is not 40%.
    assert figures_in("Pain with an average VAS score ≥4 of 10 was required.").pairs == []
    assert figures_in("a score > 7 out of 10").pairs == []
    assert [(p.count, p.total) for p in figures_in("7 out of 10 responded").pairs] == [(7, 10)]


def _answer(text, quotes, calcs=()):
    citations = [
        Citation(
            n=i, doc_id="d", title="t", source="s", chunk_id="d#0", start=0, end=len(q), quote=q
        )
        for i, q in enumerate(quotes, start=1)
    ]
    calculations = [
        Calculation(name="response_rate", inputs={}, result={}, text=t, cited=c) for t, c in calcs
    ]
    return Answer(
        question="q", answer=text, abstained=False, citations=citations, calculations=calculations
    )


def test_renumber_after_a_sentence_is_removed():
    a = _answer(
        "Kept [2]. Also kept [3].", ["gone 45%", "ORR 100%", "CRS 42%"], [("10/24 = 41.7%", [3])]
    )
    fixed = renumber(a)
    assert fixed.answer == "Kept [1]. Also kept [2]."
    assert [(c.n, c.quote) for c in fixed.citations] == [(1, "ORR 100%"), (2, "CRS 42%")]
    assert fixed.calculations[0].cited == [2]


pytestmark_slow = pytest.mark.slow


@pytestmark_slow
def test_planted_wrong_numbers_are_removed_by_the_gate(corpus_services):
    engine = corpus_services.engine
    planted = _answer(
        "The ORR was 100% [1]. The CRS rate was 45% [2].",
        ["ORR 100% (19/19)", "CRS in 42% of patients"],
    )
    gated = engine._verified(planted, None, [])
    assert gated.answer == "The ORR was 100% [1]." and len(gated.citations) == 1
    wholly_wrong = _answer("The ORR was 64% [1].", ["ORR 100% (19/19)"])
    query = __import__("assistant.language.query", fromlist=["analyse"]).analyse(
        "What was the ORR?"
    )
    assert engine._verified(wholly_wrong, query, []).abstained


@pytestmark_slow
@pytest.mark.parametrize(
    ("question", "calc", "inputs", "text"),
    [
        ("What is the 95% CI for the ORR in LINKER-SMM1?", "response_rate",
         {"responders": 19, "evaluable": 19}, "19/19 = 100% (95% CI 82.4–100%)"),
        ("What was the CRS rate in LINKER-SMM1?", "response_rate",
         {"responders": 10, "evaluable": 24}, "10/24 = 41.7%"),
        ("Compare serious adverse events between arms in NCT02210780", "compare_arms",
         {"events_a": 0, "n_a": 97, "events_b": 3, "n_b": 97}, "0/97 = 0% vs 3/97 = 3.1%"),
        ("If 10 of 24 patients responded, what is the response rate with a 95% CI?", "response_rate",
         {"responders": 10, "evaluable": 24}, "10/24 = 41.7% (95% CI 22.1–63.4%)"),
    ],
)  # fmt: skip
def test_numeric_answers_trace_every_number(corpus_services, question, calc, inputs, text):
    answer = corpus_services.engine.answer(question)
    assert_answer_contract(corpus_services.store, answer)
    assert not answer.abstained
    found = [c for c in answer.calculations if c.name == calc]
    assert found, answer.answer
    assert inputs.items() <= found[0].inputs.items() and text in found[0].text
    for n in found[0].cited:  # the cited passage states the inputs
        quote = answer.citations[n - 1].quote
        assert str(inputs.get("responders", inputs.get("events_b"))) in quote
    check = verify(
        answer.answer, [c.quote for c in answer.citations], [c.text for c in answer.calculations]
    )
    assert check.ok, check.unsupported


@pytestmark_slow
def test_a_reported_percent_that_disagrees_with_its_counts_is_flagged(fresh_services):
    from ingest.loaders import document_from_bytes
    from ingest.pipeline import Ingestor

    text = b"---\ntrial: ELM-5\n---\nIn ELM-5, the objective response rate was 64% (14/19).\n"
    doc = document_from_bytes(text, name="elm.txt", source="elm.txt")
    Ingestor(
        fresh_services.store, fresh_services.embedder, fresh_services.settings
    ).ingest_document(doc)
    answer = fresh_services.engine.answer("What was the objective response rate in ELM-5?")
    checks = [c for c in answer.calculations if c.name == "counts_from_percent"]
    assert checks and checks[0].result["consistent"] is False
    assert "not consistent" in answer.answer and "64%" in answer.answer
