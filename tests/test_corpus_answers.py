"""Ten questions across the shipped documents: the right figure, cited from a document of the
right trial stating it (the one named, or another of the same trial stating the same figure)."""

import pytest

from tests.conftest import assert_answer_contract

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("question", "figure", "doc_id"),
    [
        ("What was the hazard ratio for time to first-line myeloma therapy in AQUILA?", "0.46", "aquila-results-table"),
        ("What was the 60-month PFS in AQUILA?", "63.1%", "aquila-abstract"),
        ("What was the 3-year PFS in E3A06?", "91%", "e3a06-results-table"),
        ("What was the median time to progression in the final QuiRedex update?", "9.5 years", "quiredex-trial-profile"),
        ("What was the weighted hazard ratio for PFS against the external control in LINKER-MM1?", "0.33", "linker-mm1-approval-news"),
        ("How many Immuno-PRISM teclistamab patients were MRD-negative?", "12", "immuno-prism-news"),
        ("What was the median time to progression for high-risk patients under Mayo 20/2/20?", "29 months", "mayo-20-2-20-review"),
        ("What is the 2-year progression risk for an IMWG 2020 score above 12?", "73%", "imwg-2020-risk-score"),
        ("What was the objective response rate with nivolumab in NCT01642004?", "20.0%", "nct01642004"),
        ("How many participants in the dupilumab arm had serious adverse events in NCT02210780?", "3 of 97", "nct02210780"),
        ("How many patients were treated in CAR-PRISM?", "6 treated patients", "car-prism-qa"),
    ],
)  # fmt: skip
def test_answer_states_the_figure_and_cites_its_document(corpus_services, question, figure, doc_id):
    answer = corpus_services.engine.answer(question)
    assert_answer_contract(corpus_services.store, answer)
    assert not answer.abstained, answer.answer
    first = answer.citations[0]
    trial = corpus_services.store.get_document(doc_id).metadata.get("trial")
    cited_trial = corpus_services.store.get_document(first.doc_id).metadata.get("trial")
    assert figure in first.quote, (first.doc_id, first.quote)
    assert first.doc_id == doc_id or (trial and cited_trial == trial), first.doc_id
    assert figure in answer.answer
