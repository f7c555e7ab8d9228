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
