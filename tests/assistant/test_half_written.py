"""A document whose write has not finished (or was cut off by a crash) is not searched: its
chunks may be a mix of two versions until the record says the write is complete."""

from tests.conftest import CORPUS

INTERVIEW = CORPUS / "linker-smm1-interview.txt"
QUESTION = "What was the response rate with linvoseltamab in LINKER-SMM1?"


def _mark(store, doc_id: str, complete: bool) -> None:
    state = store._record_metadata(doc_id)
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


def test_only_the_candidates_records_are_read(fresh_services, monkeypatch):
    """Whether a passage's document is complete is read for the passages found, not by a
    scan of every record (at 12k documents that scan took most of a search)."""
    from ingest.pipeline import Ingestor

    services = fresh_services
    Ingestor(services.store, services.embedder, services.settings).ingest([CORPUS])
    asked = []
    unfinished = services.store.unfinished
    monkeypatch.setattr(services.store, "incomplete_documents", None)  # never scanned
    monkeypatch.setattr(
        services.store, "unfinished", lambda ids: asked.append(set(ids)) or unfinished(ids)
    )
    found = services.retriever.search(QUESTION, k=5)
    assert found and asked
    assert {p.chunk.doc_id for p in found} <= set().union(*asked)
    assert len(set().union(*asked)) < len(services.store.list_documents())


def test_a_chunk_whose_record_is_gone_is_not_searched(fresh_services):
    from ingest.pipeline import Ingestor

    services = fresh_services
    Ingestor(services.store, services.embedder, services.settings).ingest([INTERVIEW])
    doc_id = services.retriever.search(QUESTION, k=5)[0].chunk.doc_id
    services.store._docs.delete(ids=[doc_id])  # as a delete leaves it just before it ends
    assert services.store.unfinished([doc_id, doc_id]) == {doc_id}
    assert services.retriever.search(QUESTION, k=5) == []
