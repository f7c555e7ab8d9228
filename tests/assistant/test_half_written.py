"""A document whose write has not finished (or was cut off by a crash) is not searched: its
chunks may be a mix of two versions until the record says the write is complete."""

from tests.conftest import CORPUS

INTERVIEW = CORPUS / "linker-smm1-interview.txt"
QUESTION = "What was the response rate with linvoseltamab in LINKER-SMM1?"


def _mark(store, doc_id: str, complete: bool) -> None:
    state = store.document_state(doc_id)
    store._docs.update(ids=[doc_id], metadatas=[{**state, "complete": complete}])


def test_an_unfinished_document_is_left_out_of_both_rankings(fresh_services):
    from ingest.pipeline import Ingestor

    services = fresh_services
    Ingestor(services.store, services.embedder, services.settings).ingest([INTERVIEW])
    found = services.retriever.search(QUESTION, k=5)
    assert found and any(p.lexical_rank for p in found) and any(p.dense_rank for p in found)
    doc_id = found[0].chunk.doc_id

    _mark(services.store, doc_id, complete=False)  # as a write does first, and a crash leaves
    assert services.retriever.search(QUESTION, k=5) == []
    answer = services.engine.answer(QUESTION)
    assert answer.abstained and not answer.citations

    _mark(services.store, doc_id, complete=True)
    again = services.retriever.search(QUESTION, k=5)
    assert [p.chunk.chunk_id for p in again] == [p.chunk.chunk_id for p in found]
