"""Metadata on every chunk, filters that narrow retrieval, and questions that name a trial."""

import pytest

from assistant.models import Filters, match_key
from ingest.loaders import document_from_bytes
from ingest.pipeline import Ingestor

pytestmark = pytest.mark.slow

DOCS = {
    "maple.md": """---
trial: MAPLE-1
nct_id: NCT09990001
source_type: abstract
date: "2024-05-01"
---
# MAPLE-1 abstract

## Results
In MAPLE-1 the overall response rate was 61% with drug M. Grade 3 neutropenia occurred in 9 patients.
""",
    "birch.md": """---
trial: BIRCH-2
nct_id: NCT09990002
source_type: summary
date: "2023-01-15"
---
# BIRCH-2 summary

## Results
The overall response rate in BIRCH-2 was 35% with drug B. Grade 3 neutropenia occurred in 4 patients.
""",
    "review.md": """---
trial: [MAPLE-1, BIRCH-2]
source_type: summary
date: "2025-02-01"
---
# Two trials side by side

Both studies enrolled adults with relapsed disease; the response rate differs between them.
""",
}


@pytest.fixture(scope="module")
def services(tmp_path_factory, embedder):
    from assistant.factory import build
    from tests.conftest import make_settings

    s = build(make_settings(tmp_path_factory.mktemp("filters")), embedder=embedder)
    ingestor = Ingestor(s.store, s.embedder, s.settings)
    for name, text in DOCS.items():
        ingestor.ingest_document(document_from_bytes(text.encode(), name=name, source=name))
    return s


def doc_ids(passages):
    return {p.chunk.doc_id for p in passages}


def test_every_chunk_carries_the_document_metadata(services):
    for chunk, meta in services.store.iter_chunks():
        assert {"doc_id", "section", "source_type", "date"} <= set(meta), chunk.chunk_id
    _, meta = next((c, m) for c, m in services.store.iter_chunks() if c.doc_id == "maple")
    assert meta["trial"] == "MAPLE-1" and meta["nct_id"] == "NCT09990001"
    _, meta = next((c, m) for c, m in services.store.iter_chunks() if c.doc_id == "review")
    assert meta["trial"] == "MAPLE-1; BIRCH-2"  # a list is shown as one string


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"trial": "maple-1"}, {"maple", "review"}),  # case and punctuation do not matter
        ({"trial": "BIRCH 2"}, {"birch", "review"}),
        ({"trial": ["MAPLE-1", "BIRCH-2"]}, {"maple", "birch", "review"}),
        ({"nct_id": "NCT09990002"}, {"birch"}),
        ({"source_type": "abstract"}, {"maple"}),
        ({"doc_id": "review"}, {"review"}),
        ({"trial": "MAPLE-1", "source_type": "summary"}, {"review"}),
        ({"trial": "NOPE-9"}, set()),
    ],
)
def test_filters_narrow_dense_and_lexical_results(services, filters, expected):
    hits = services.engine.retriever.search(
        "overall response rate neutropenia", 10, Filters(**filters)
    )
    assert doc_ids(hits) == expected


def test_match_key_ignores_case_and_punctuation():
    assert match_key("LINKER-SMM1") == match_key("linker smm1") == "linkersmm1"


def test_a_question_naming_a_trial_prefers_its_documents(services):
    retriever = services.engine.retriever
    for trial, doc in (("BIRCH-2", "birch"), ("maple 1", "maple")):
        hits = retriever.search(f"What was the overall response rate in {trial}?", 4)
        assert hits[0].chunk.doc_id in {doc, "review"}
        assert doc in doc_ids(hits[:2])
    hits = retriever.search("response rate in NCT09990002", 4)
    assert hits[0].chunk.doc_id == "birch"


def test_the_answer_for_a_named_trial_cites_that_trial(services):
    answer = services.engine.answer("What was the overall response rate in BIRCH-2?")
    assert not answer.abstained and "35%" in answer.answer
    assert answer.citations[0].doc_id == "birch"
    answer = services.engine.answer("What was the overall response rate in MAPLE-1?")
    assert "61%" in answer.answer and answer.citations[0].doc_id == "maple"


def test_an_explicit_filter_wins_over_a_named_trial(services):
    hits = services.engine.retriever.search("response rate in BIRCH-2", 4, Filters(doc_id="maple"))
    assert doc_ids(hits) == {"maple"}
