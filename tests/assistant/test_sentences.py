"""Statement vectors: made once at ingest, kept in the store, used when answering.

The answers with stored vectors must be the answers the engine gives when it embeds the
statements itself (the older path, still taken for stores ingested before vectors were kept).
"""

import numpy as np
import pytest

from assistant.answering.engine import ExtractiveEngine
from assistant.embedding.sentences import SentenceVectors, digest, embed_statements, statements
from assistant.models import Chunk
from tests.conftest import CORPUS

INTERVIEW = CORPUS / "linker-smm1-interview.txt"
QUESTIONS = [
    "What was the overall response rate with linvoseltamab?",
    "How many patients were enrolled?",
    "Which risk model defined high-risk smoldering myeloma?",
    "What adverse events were seen?",
]


class CountingEmbedder:
    """The real model, counting the texts embedded as documents (a seam, not a stand-in)."""

    def __init__(self, inner) -> None:
        self.inner, self.documents = inner, 0

    def embed_documents(self, texts):
        self.documents += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def test_statements_leave_out_questions_headings_and_fragments():
    text = (
        "Results\n\nWhat did you find? The response rate was 45 percent in this cohort. "
        "Very good. Dose 3\n\nSafety was acceptable overall for everyone"
    )
    chunk = Chunk(chunk_id="d#0", doc_id="d", text=text, start=0, end=len(text), section="Results")
    found = [text[s.start : s.end] for s in statements(chunk)]
    assert found == ["The response rate was 45 percent in this cohort."]


def test_quantised_vectors_keep_every_cosine_within_a_few_thousandths():
    rng = np.random.default_rng(7)
    v = rng.standard_normal((300, 384)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    q = rng.standard_normal((40, 384)).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    spans = tuple((i, i + 1) for i in range(300))
    meta = SentenceVectors(spans, v, "abc").to_metadata()
    back = SentenceVectors.from_metadata(meta)
    assert back.digest == "abc" and back.spans == spans and back.vectors.shape == (300, 384)
    error = np.abs(q @ back.vectors.T - q @ v.T)
    assert error.max() < 3e-3, error.max()
    assert len(meta["vectors"]) < 300 * (384 + 4) * 4 / 3 + 4  # int8, not float32
    empty = SentenceVectors.from_metadata(SentenceVectors((), np.zeros((0, 384)), "").to_metadata())
    assert empty.vectors.shape == (0, 384)


@pytest.mark.parametrize(
    "meta",
    [{}, {"spans": "0:4", "dimension": 3, "vectors": "%%%"}, {"spans": "0:4 5:9", "dimension": 3,
     "vectors": "AAAA"}, {"spans": "x", "dimension": 3, "vectors": ""}, {"spans": 7,
     "dimension": 3, "vectors": ""}],
)  # fmt: skip
def test_records_this_code_did_not_write_are_ignored(meta):
    assert SentenceVectors.from_metadata(meta) is None


def test_ingest_keeps_every_chunks_statement_vectors(fresh_services):
    from ingest.pipeline import Ingestor

    services = fresh_services
    report = Ingestor(services.store, services.embedder, services.settings).ingest([INTERVIEW])
    assert report.counts["added"] == 1
    chunks = [c for c, _ in services.store.iter_chunks()]
    kept = services.store.sentence_vectors([c.chunk_id for c in chunks])
    assert sorted(kept) == sorted(c.chunk_id for c in chunks)
    assert services.store.document_state(chunks[0].doc_id).format == 2
    total = 0
    for chunk in chunks:
        spans = [(s.start, s.end) for s in statements(chunk)]
        assert list(kept[chunk.chunk_id].spans) == spans and kept[chunk.chunk_id].fits(chunk)
        texts = [chunk.text[a:b] for a, b in spans]
        if texts:
            fresh = np.asarray(services.embedder.embed_documents(texts))
            cosines = np.sum(fresh * kept[chunk.chunk_id].vectors, axis=1)
            assert cosines.min() > 0.995, cosines.min()
            total += len(texts)
    assert total > 20


def test_each_distinct_sentence_is_embedded_once(embedder):
    text = "The rate was 45 percent overall. The rate was 45 percent overall."
    chunks = [
        Chunk(chunk_id=f"d#{i}", doc_id="d", text=text[:32], start=0, end=32) for i in range(3)
    ]
    counting = CountingEmbedder(embedder)
    made = embed_statements(chunks, counting)
    assert counting.documents == 1
    assert [m.digest for m in made] == [digest(["The rate was 45 percent overall."])] * 3
    assert [m.spans for m in made] == [((0, 32),)] * 3


def _engine(services, embedder) -> ExtractiveEngine:
    return ExtractiveEngine(services.retriever, embedder, services.settings.answer)


def test_answers_from_stored_vectors_equal_answers_from_embedding_at_question_time(
    fresh_services, monkeypatch
):
    from ingest.pipeline import Ingestor

    services = fresh_services
    Ingestor(services.store, services.embedder, services.settings).ingest([CORPUS])
    stored = CountingEmbedder(services.embedder)
    with monkeypatch.context() as m:  # nor segmented: the stored spans are the statements
        m.setattr("assistant.answering.ranking.statements", None)
        with_stored = [_engine(services, stored).answer(q) for q in QUESTIONS]
    assert stored.documents == 0, "no sentence embedded while answering"

    # The store as an older version left it: no statement vectors.
    sentences = services.store._sentences
    sentences.delete(ids=sentences.get()["ids"])
    embedding = CountingEmbedder(services.embedder)
    without = [_engine(services, embedding).answer(q) for q in QUESTIONS]
    assert embedding.documents > 0
    for a, b in zip(with_stored, without, strict=True):
        assert (a.abstained, a.answer) == (b.abstained, b.answer)
        assert [(c.doc_id, c.start, c.end) for c in a.citations] == [
            (c.doc_id, c.start, c.end) for c in b.citations
        ]


def test_an_older_record_without_vectors_is_redone_by_the_next_ingest(fresh_services):
    from ingest.chunking import chunk_document
    from ingest.loaders import load_file
    from ingest.pipeline import Ingestor

    services = fresh_services
    ingestor = Ingestor(services.store, services.embedder, services.settings)
    document = load_file(INTERVIEW)
    chunks = chunk_document(document, services.settings.chunking.max_chars)
    vectors = [[1.0] + [0.0] * 383] * len(chunks)
    services.store.write_document(document, chunks, vectors)  # as an older version wrote it
    assert services.store.document_state(document.doc_id).format == 1
    [result] = ingestor.ingest([INTERVIEW]).results
    assert result.status == "updated"
    ids = [c.chunk_id for c, _ in services.store.iter_chunks()]
    assert sorted(services.store.sentence_vectors(ids)) == sorted(ids)
    [again] = ingestor.ingest([INTERVIEW]).results
    assert again.status == "unchanged"
