"""Answers over the shipped corpus, with the real model and a real store."""

import pytest

from assistant.errors import InputError
from tests.conftest import assert_answer_contract

pytestmark = pytest.mark.slow


def ask(services, question):
    answer = services.engine.answer(question)
    assert_answer_contract(services.store, answer)
    return answer


@pytest.mark.parametrize(
    ("question", "figure", "trial"),
    [
        ("What was the overall response rate in LINKER-SMM1?", "100%", "LINKER-SMM1"),
        ("What was the CRS rate in LINKER-SMM1?", "42%", "LINKER-SMM1"),
        ("How many ICANS events were there in LINKER-SMM1?", "ICANS", "LINKER-SMM1"),
        ("What is the NCT number of LINKER-SMM1?", "NCT05955508", "LINKER-SMM1"),
        ("What share of LINKER-SMM1 patients had grade 3 or 4 infections?", "12%", "LINKER-SMM1"),
        ("How many patients were enrolled in the LINKER-SMM1 safety run-in phase?", "6 patients", "LINKER-SMM1"),
        ("What was the 60-month PFS in AQUILA?", "63.1%", "AQUILA"),
        ("What was the 3-year PFS in E3A06?", "91%", "E3A06"),
    ],
)  # fmt: skip
def test_answers_state_the_figure_and_cite_the_trial_document_stating_it(
    corpus_services, question, figure, trial
):
    answer = ask(corpus_services, question)
    assert not answer.abstained
    first = answer.citations[0]
    assert figure in first.quote and figure in answer.answer
    assert corpus_services.store.get_document(first.doc_id).metadata["trial"] == trial


@pytest.mark.parametrize(
    "question",
    [
        "What was the progression-free survival in LINKER-SMM1?",
        "What was the rate of neutropenia in LINKER-SMM1?",
        "What was the median duration of response in LINKER-SMM1?",
    ],
)
def test_abstains_when_the_corpus_does_not_say(corpus_services, question):
    answer = ask(corpus_services, question)
    assert answer.abstained
    assert "do not answer" in answer.answer


def test_abstention_names_what_is_missing(corpus_services):
    answer = ask(corpus_services, "What was the progression-free survival in LINKER-SMM1?")
    assert "progression-free" in answer.answer
    assert all(c.quote for c in answer.citations)


def test_a_question_naming_a_trial_is_never_answered_from_another_trials_documents(
    corpus_services,
):
    """CRS is reported for LINKER-SMM1, not for AQUILA: asked of AQUILA, the engine declines,
    says which trial it searched, and points only to AQUILA's documents."""
    answer = ask(corpus_services, "What was the rate of cytokine release syndrome in AQUILA?")
    assert answer.abstained
    assert "searched only the documents of AQUILA" in answer.answer
    trials = {corpus_services.store.get_document(c.doc_id).metadata.get("trial")
              for c in answer.citations}  # fmt: skip
    assert trials <= {"AQUILA"}


def test_a_question_scoped_to_one_document_reads_all_of_it(corpus_services):
    """Filtered to one document, every one of its sentences is a candidate, so the answer can
    come from a chunk retrieval would not rank among the first few."""
    from assistant.models import Filters

    engine = corpus_services.engine
    scope = Filters(doc_id="linker-smm1-interview")
    pool = engine._pool(corpus_services.retriever.search("response rate", 2, scope), scope)
    chunks = corpus_services.store.chunks_matching(scope, 1000)
    assert len(pool) == len(chunks) > 2


@pytest.mark.parametrize("question", ["", "   \n\t", "x" * 2001])
def test_bad_questions_are_refused(corpus_services, question):
    with pytest.raises(InputError):
        corpus_services.engine.answer(question)


def test_filter_to_an_unknown_document_abstains(corpus_services):
    from assistant.models import Filters

    answer = corpus_services.engine.answer(
        "What was the response rate?", filters=Filters(doc_id="nope")
    )
    assert answer.abstained and answer.citations == []


def test_search_finds_ids_and_numbers_lexically(corpus_services):
    hits = corpus_services.retriever.search("NCT05955508", k=3)
    assert "NCT05955508" in hits[0].chunk.text and hits[0].lexical_rank == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [("Lynozyfic", "Lynozyfic"), ("NCT00480363", "NCT00480363"), ("OA-68", "OA-68")],
)
def test_drug_names_and_numbers_are_found_lexically(corpus_services, query, expected):
    hits = corpus_services.retriever.search(query, k=3)
    assert any(h.lexical_rank == 1 and expected in h.chunk.text for h in hits)


@pytest.mark.parametrize("decline_by", ["coverage", "probability"])
@pytest.mark.parametrize("rank_by", ["scorer", "cascade"])
def test_the_learned_scorer_answers_through_the_engine(corpus_services, rank_by, decline_by):
    """rank_by 'scorer': the scorer ranks every sentence of the named trial's documents
    ('cascade': its best reread by the reranker); the answer keeps the contract and quotes the
    figure from a LINKER-SMM1 document."""
    from assistant.answering.engine import ExtractiveEngine

    settings = corpus_services.settings.answer.model_copy(
        update={"rank_by": rank_by, "decline_by": decline_by}
    )
    engine = ExtractiveEngine(corpus_services.retriever, corpus_services.embedder, settings)
    answer = engine.answer("What was the overall response rate in LINKER-SMM1?")
    assert_answer_contract(corpus_services.store, answer)
    assert not answer.abstained and "100%" in answer.answer
    trials = {corpus_services.store.get_document(c.doc_id).metadata.get("trial")
              for c in answer.citations}  # fmt: skip
    assert trials == {"LINKER-SMM1"}
