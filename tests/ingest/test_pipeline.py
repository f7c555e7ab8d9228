"""Ingest with the real model into a real Chroma store."""

import shutil

import pytest

from ingest.pipeline import Ingestor, expand_paths
from tests.conftest import CORPUS

pytestmark = pytest.mark.slow

PARAS = [
    "Background\n\nThe ALPHA-1 trial (NCT00000001) tested drug A in 40 patients.",
    "Results\n\nThe overall response rate was 55% (22 of 40). Grade 3 neutropenia occurred in 6 patients.",
    "Safety\n\nNo deaths were reported. Infections of any grade occurred in 30% of patients.",
]


def ingestor(services):
    return Ingestor(services.store, services.embedder, services.settings)


def stored(services):
    return sorted((c.chunk_id, c.text) for c, _ in services.store.iter_chunks())


def test_reingest_is_idempotent(tmp_path, fresh_services):
    folder = tmp_path / "docs"
    shutil.copytree(CORPUS, folder)
    first = ingestor(fresh_services).ingest([folder])
    before = stored(fresh_services)
    second = ingestor(fresh_services).ingest([folder])
    files = len(list(expand_paths([folder])))
    assert first.counts["added"] == files and first.chunks_written == len(before) > 0
    assert second.counts["unchanged"] == files and second.chunks_written == 0
    assert stored(fresh_services) == before
    assert len({cid for cid, _ in before}) == len(before)


def test_changed_file_leaves_no_stale_chunks(tmp_path, fresh_services):
    path = tmp_path / "alpha.txt"
    path.write_text("\n\n".join(PARAS * 4))
    ingestor(fresh_services).ingest([path])
    many = stored(fresh_services)
    path.write_text(PARAS[0] + "\n\nResults\n\nThe overall response rate was 60% (24 of 40).")
    report = ingestor(fresh_services).ingest([path])
    assert report.counts["updated"] == 1
    after = stored(fresh_services)
    assert len(after) < len(many)
    assert not any("55%" in text or "neutropenia" in text for _, text in after)
    document = fresh_services.store.get_document("alpha")
    assert all(document.text.find(text) >= 0 for _, text in after)
    answer = fresh_services.engine.answer("What was the overall response rate?")
    assert answer.answer.count("60% (24 of 40)") == 1 and len(answer.citations) == 1


def test_folder_continues_past_bad_files_and_store_is_unchanged(tmp_path, fresh_services):
    good = tmp_path / "good.txt"
    good.write_text("\n\n".join(PARAS))
    ingestor(fresh_services).ingest([good])
    before = stored(fresh_services)
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a-empty.txt").write_text("")
    (folder / "b-binary.txt").write_bytes(bytes(range(256)) * 8)
    (folder / "c-good.md").write_text("# Other trial\n\nThe BETA-2 trial enrolled 12 patients.")
    (folder / "notes.xlsx").write_bytes(b"PK")  # not a supported type: passed over in folders
    report = ingestor(fresh_services).ingest([folder, tmp_path / "missing.txt"])
    assert report.counts == {"failed": 3, "added": 1}
    errors = " | ".join(r.error for r in report.failed)
    assert "empty" in errors and "binary" in errors and "no such file" in errors
    assert set(before) < set(stored(fresh_services))
    assert {d.doc_id for d in fresh_services.store.list_documents()} == {"good", "c-good"}


def test_same_file_name_in_two_folders_keeps_both(tmp_path, fresh_services):
    for name in ("x", "y"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.txt").write_text(f"Trial {name.upper()} enrolled 10 patients.")
    ingestor(fresh_services).ingest([tmp_path / "x", tmp_path / "y"])
    again = ingestor(fresh_services).ingest([tmp_path / "x", tmp_path / "y"])
    assert len(fresh_services.store.list_documents()) == 2
    assert again.counts["unchanged"] == 2


def test_every_chunk_of_the_corpus_quotes_its_document_exactly(corpus_services):
    store = corpus_services.store
    docs = {d.doc_id: store.get_document(d.doc_id) for d in store.list_documents()}
    chunks = list(store.iter_chunks())
    assert chunks and docs
    for chunk, _ in chunks:
        assert docs[chunk.doc_id].text[chunk.start : chunk.end] == chunk.text


def test_a_failed_write_fails_its_file_only_and_results_keep_file_order(tmp_path, fresh_services):
    """Documents are written in a background thread while the next is embedded: a write that
    fails is that file's failure, reported in its place; the files after it still land."""
    from assistant.errors import RetrievalError

    folder = tmp_path / "docs"
    folder.mkdir()
    for i, name in enumerate(["a", "b", "c", "d"]):
        (folder / f"{name}.txt").write_text(PARAS[i % 3] + f"\n\nCohort {name} had {i} events.")
    store = fresh_services.store
    write = store.write_document

    def failing(document, *rest):
        if document.doc_id == "b":
            raise RetrievalError("disk full while writing b")
        return write(document, *rest)

    store.write_document = failing
    report = ingestor(fresh_services).ingest([folder])
    assert [(r.doc_id, r.status) for r in report.results] == [
        ("a", "added"), ("b", "failed"), ("c", "added"), ("d", "added"),
    ]  # fmt: skip
    assert report.results[1].error == "disk full while writing b"
    assert {d.doc_id for d in store.list_documents()} == {"a", "c", "d"}


@pytest.mark.parametrize("mode", ["sentences", "whole"])
def test_chunk_vectors_setting(mode, tmp_path, embedder):
    """``sentences``: a chunk's vector is the length-weighted mean of its context's and its
    sentences' vectors, and no chunk is embedded whole; ``whole``: the chunk in its context."""
    import numpy as np

    from assistant.embedding.texts import embedding_header, embedding_text
    from assistant.factory import build
    from assistant.language.text import sentence_spans
    from tests.assistant.test_sentences import CountingEmbedder
    from tests.conftest import make_settings

    path = tmp_path / "alpha.txt"
    path.write_text("\n\n".join(PARAS))
    settings = make_settings(tmp_path / "store", embedding={"chunk_vectors": mode})
    counting = CountingEmbedder(embedder)
    services = build(settings, embedder=counting)
    Ingestor(services.store, counting, services.settings).ingest([path])
    got = services.store._chunks.get(include=["embeddings", "metadatas", "documents"])
    texts, expected = [], []
    for chunk, meta in services.store.get_chunks(got["ids"]):
        if mode == "whole":
            texts.append(embedding_text(chunk, meta))
            expected.append(embedder.encode([texts[-1]])[0])
            continue
        header = embedding_header(chunk, meta)
        pieces = [header] + [chunk.text[s.start : s.end] for s in sentence_spans(chunk.text)]
        texts += pieces
        mean = np.array([len(p) for p in pieces], np.float32) @ embedder.encode(pieces)
        expected.append(mean / np.linalg.norm(mean))
    for vector, want in zip(got["embeddings"], expected, strict=True):
        assert float(np.dot(vector, want)) > 0.999
    if mode == "sentences":
        assert counting.documents == len(set(texts)), "each sentence and header embedded once"
    else:
        assert counting.documents > len(texts), "chunks whole, and their statements"
