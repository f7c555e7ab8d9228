"""An ingest killed with SIGKILL at random points, then run again, ends exactly like a clean one.

``trialqa ingest`` runs as a subprocess over a folder of real documents and is killed several
times: by the test at a random moment after it started writing, and by itself (a timer
thread sending SIGKILL a random few milliseconds into one step of ``ChromaStore.
write_document``: marking the record incomplete, deleting the old chunks, adding the new ones
and their sentence vectors, marking it complete, bumping the generation) for a chosen document. Between kills files change
(one shrinks to fewer chunks, one grows, one that was half-written is deleted, so the id it held
must go to the same-named file beside it). A last full ingest must leave the store equal to a
clean ingest of the final folder into another store: same chunks (ids, texts, offsets, hashes),
same documents, every record complete, Chroma's HNSW index returning every chunk, and the
lexical index built from the store holding the same ids.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import CORPUS, ROOT, SHARED, cli_env, make_settings

SEED = 20250110
MAX_CHARS = 400  # small chunks: many chunk ids from little text (embedding is the slow part)
PUBMEDQA = SHARED / "data" / "pubmedqa" / "pqal_labeled.json"

# Runs ``python -m api`` with hooks that send this process SIGKILL a random few milliseconds
# into one step of writing one document (CRASH_PLAN={"doc", "step", "delay"}), and print a
# line when each document's write starts. Only the timing of the kill is added; the code that
# runs is the real CLI.
CRASH_WRAPPER = r"""
import json, os, signal, sys, threading

from assistant.store import chroma as S

plan = json.loads(os.environ.get("CRASH_PLAN") or "{}")
current = {"doc": None}


def maybe_kill(step, doc_id):
    if plan and plan["step"] == step and plan["doc"] == doc_id:
        print(f"KILL {step} {doc_id}", flush=True)
        threading.Timer(plan["delay"], os.kill, (os.getpid(), signal.SIGKILL)).start()
        return True
    return False
def at_the_latest(armed):
    # a busy machine may finish the step before the timer fires: die at its end, then
    if armed:
        os.kill(os.getpid(), signal.SIGKILL)


def hook(name, step_of):
    original = getattr(S.ChromaStore, name)

    def hooked(self, *args, **kwargs):
        step = step_of(*args)
        armed = maybe_kill(step, current["doc"])
        done = original(self, *args, **kwargs)
        at_the_latest(armed)
        print(f"DONE {step} {current['doc']}", flush=True)
        return done

    setattr(S.ChromaStore, name, hooked)


original_write = S.ChromaStore.write_document


def write_document(self, document, chunks, embeddings, *rest):
    current["doc"] = document.doc_id
    print(f"WRITE {document.doc_id} {len(chunks)}", flush=True)

    def hooked(collection, step):
        original = collection.upsert

        def upsert(*args, **kwargs):
            armed = maybe_kill(step, document.doc_id)
            done = original(*args, **kwargs)
            at_the_latest(armed)
            print(f"DONE {step} {document.doc_id}", flush=True)
            return done

        collection.upsert = upsert

    hooked(self._chunks, "upsert")
    hooked(self._sentences, "sentences")
    try:
        return original_write(self, document, chunks, embeddings, *rest)
    finally:
        del self._chunks.upsert, self._sentences.upsert


S.ChromaStore.write_document = write_document
hook("_put_record", lambda document, meta: "incomplete")
hook("_mark_complete", lambda doc_id, meta: "complete")
hook("_delete_chunks", lambda doc_id: "delete")
hook("_bump_generation", lambda: "bump")

from api.cli import main

sys.exit(main(sys.argv[1:]))
"""


def _pubmed_docs(n: int) -> list[tuple[str, str]]:
    entries = json.loads(PUBMEDQA.read_text())
    docs = []
    for entry in entries[10 : 10 + n]:
        body = "\n\n".join(entry["contexts"])
        docs.append((f"pmid-{entry['pmid']}", f"{entry['question']}\n\n{body}\n"))
    return docs


def _paragraphs(tag: str, n: int) -> str:
    """``n`` paragraphs of prose unique to ``tag`` (each about one chunk long)."""
    return "\n\n".join(
        f"Section {tag} {i}\n\nIn cohort {tag}-{i} the investigators enrolled {10 + i} patients "
        f"with smouldering myeloma; marker {tag}{i}x was measured at every visit. The response "
        f"rate in cohort {tag}-{i} was {20 + i}% and grade 3 events occurred in {i} patients; "
        f"no deaths were attributed to treatment in cohort {tag}-{i} by the monitoring board."
        for i in range(n)
    )


def build_folder(folder: Path) -> None:
    folder.mkdir()
    (folder / "a-shrink.txt").write_text("Shrinking report\n\n" + _paragraphs("shrinkv1", 8))
    (folder / "b-grow.md").write_text("# Growing report\n\n" + _paragraphs("growv1", 2))
    for name, text in _pubmed_docs(3):
        (folder / f"{name}.txt").write_text(text)
    shutil.copy(CORPUS / "trials" / "immuno-prism-news.md", folder)
    shutil.copy(CORPUS / "trials" / "quiredex-trial-profile.html", folder)
    for sub in ("x", "y"):  # same file name: the second gets a suffixed id
        (folder / sub).mkdir()
        (folder / sub / "report.txt").write_text(f"Report {sub}\n\n" + _paragraphs(f"rep{sub}", 2))


def run_ingest(folder: Path, store: Path, plan: dict | None = None, kill_after=None):
    """One ``trialqa ingest`` run; returns (returncode, stdout lines, stderr).

    ``kill_after=(n, delay)``: the test sends SIGKILL ``delay`` seconds after the n-th
    document write started. ``plan``: the process kills itself (see CRASH_WRAPPER).
    """
    env = {**cli_env(store), "TRIALQA_CHUNKING__MAX_CHARS": str(MAX_CHARS)}
    env["CRASH_PLAN"] = json.dumps(plan or {})
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASH_WRAPPER, "ingest", "--quiet", str(folder)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines, writes = [], 0
    try:
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("WRITE "):
                writes += 1
                if kill_after and writes == kill_after[0]:
                    time.sleep(kill_after[1])
                    proc.send_signal(signal.SIGKILL)
        stderr = proc.stderr.read()
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, lines, stderr


def store_snapshot(path: Path) -> dict:
    """Everything compared between the two stores, and the consistency checks of one."""
    from assistant.embedding.sentences import statements
    from assistant.retrieval.lexical import LexicalCache, LexicalIndex
    from assistant.store.chroma import ChromaStore

    store = ChromaStore(path)
    got = store._chunks.get(include=["documents", "metadatas", "embeddings"])
    ids = got["ids"]
    assert store.count_chunks() == len(ids) == len(set(ids)), "no duplicated chunk records"

    records = store._docs.get(include=["metadatas", "documents"])
    assert all(m["complete"] is True for m in records["metadatas"]), "every record complete"
    texts = dict(zip(records["ids"], records["documents"], strict=True))
    chunks = {}
    for cid, text, meta in zip(ids, got["documents"], got["metadatas"], strict=True):
        assert meta["doc_id"] in texts, f"{cid}: chunk of a document with no record"
        assert texts[meta["doc_id"]][meta["start"] : meta["end"]] == text, f"{cid}: stale offsets"
        chunks[cid] = (text, meta["doc_id"], meta["doc_sha256"], meta["start"], meta["end"])
    for doc_id, meta in zip(records["ids"], records["metadatas"], strict=True):
        mine = [c for c in chunks.values() if c[1] == doc_id]
        assert len(mine) == meta["chunks"] and {c[2] for c in mine} == {meta["sha256"]}

    # The HNSW index holds every chunk: a query asking for all of them returns all of them, and
    # each chunk's own vector finds that chunk first.
    vectors = np.asarray(got["embeddings"], dtype=np.float32)
    everything = store._chunks.query(query_embeddings=[vectors[0].tolist()], n_results=len(ids))
    assert sorted(everything["ids"][0]) == sorted(ids), "the vector index lost or kept chunks"
    nearest = store._chunks.query(
        query_embeddings=vectors.tolist(), n_results=1, include=["distances"]
    )
    for cid, (hit,), (distance,) in zip(ids, nearest["ids"], nearest["distances"], strict=True):
        assert hit == cid or distance < 1e-5, f"{cid}: its own vector finds {hit}"

    # Every chunk, and no other, has its statements' vectors, made from its current text.
    sentences = store.sentence_vectors(ids)
    assert sorted(sentences) == sorted(ids), "chunks without sentence vectors"
    assert store._sentences.count() == len(ids), "sentence vectors of chunks that are gone"
    for chunk, _ in store.iter_chunks():
        spans = tuple((s.start, s.end) for s in statements(chunk))
        kept = sentences[chunk.chunk_id]
        assert kept.spans == spans and kept.fits(chunk), f"{chunk.chunk_id}: stale statements"
    lexical = LexicalIndex(store.iter_chunks())
    assert sorted(lexical.ids) == sorted(ids), "lexical index differs"
    cached = LexicalCache(store).get()
    assert sorted(cached.ids) == sorted(ids)
    assert store.generation() > 0

    documents = sorted(
        (d.doc_id, d.title, d.source, d.sha256, d.chunks, d.chars) for d in store.list_documents()
    )
    assert [d[0] for d in documents] == sorted(records["ids"])
    return {
        "chunks": chunks,
        "vectors": dict(zip(ids, vectors, strict=True)),
        "documents": documents,
    }


@pytest.mark.slow
def test_sigkilled_ingests_end_like_a_clean_ingest(tmp_path, embedder):
    from assistant.factory import build
    from ingest.pipeline import Ingestor, expand_paths

    rng = random.Random(SEED)
    folder, store = tmp_path / "docs", tmp_path / "store"
    build_folder(folder)
    kills: list[str] = []
    pubmed = sorted(folder.glob("pmid-*.txt"))

    def killed(plan=None, kill_after=None):
        """One run, killed. A kill the test sends may come too late on a fast machine (the run
        finished first): that run is noted as missed; a run killing itself always dies."""
        started = time.monotonic()
        code, lines, stderr = run_ingest(folder, store, plan, kill_after)
        seconds = time.monotonic() - started
        if kill_after and code == 0:
            kills.append(f"{kill_after} {seconds:.1f}s: missed, the run finished first")
            return lines
        assert code == -signal.SIGKILL, (plan, kill_after, code, lines, stderr[-2000:])
        assert not any(" added, " in line for line in lines), "killed before it finished"
        writes = [x for x in lines if x.startswith(("WRITE", "KILL"))]
        # the kill landed inside the Chroma call when no DONE line followed the KILL line
        inside = bool(plan) and lines[-1].startswith("KILL")
        kills.append(f"{plan or kill_after} {seconds:.1f}s inside={inside}: {writes[-2:]}")
        return lines

    def touch(path: Path, tag: str) -> None:
        path.write_text(
            path.read_text() + f"\n\nUpdate {tag}\n\nThe {tag} follow-up found no new signal.\n"
        )

    # 1. While x/report.txt's chunks are being added (after every file before it) ...
    killed({"doc": "report", "step": "upsert", "delay": rng.uniform(0.0, 0.01)})
    # ... then that file is deleted: y/report.txt, which would have had a suffixed id beside
    # it, must get the plain id a clean ingest gives it, and no half-written x may remain.
    (folder / "x" / "report.txt").unlink()
    (folder / "x").rmdir()
    # 2-4. Replacing changed files: one shrinks from 8 paragraphs to 3, one grows from 2 to 6.
    (folder / "a-shrink.txt").write_text("Shrinking report\n\n" + _paragraphs("shrinkv2", 3))
    (folder / "b-grow.md").write_text("# Growing report\n\n" + _paragraphs("growv2", 6))
    killed({"doc": "a-shrink", "step": "delete", "delay": rng.uniform(0.0, 0.005)})
    killed({"doc": "a-shrink", "step": "upsert", "delay": rng.uniform(0.0, 0.005)})
    # (after the generation is bumped, before the record is marked complete)
    lines = killed({"doc": "b-grow", "step": "complete", "delay": 0.0})
    assert "WRITE a-shrink 3" in lines, "the shrunk file was rewritten before b-grow"
    # (b-grow again, while its sentence vectors are added)
    killed({"doc": "b-grow", "step": "sentences", "delay": rng.uniform(0.0, 0.005)})
    # 5. More changes (the shrinking file again, two others grow), and a random moment while
    # they are redone.
    (folder / "a-shrink.txt").write_text("Shrinking report\n\n" + _paragraphs("shrinkv3", 2))
    touch(pubmed[0], "pubmedv2a")
    touch(pubmed[1], "pubmedv2b")
    killed(kill_after=(1, rng.uniform(0.0, 0.1)))
    # 6. One more change, killed while its record is being marked incomplete.
    touch(pubmed[2], "pubmedv2c")
    killed({"doc": pubmed[2].stem, "step": "incomplete", "delay": rng.uniform(0.0, 0.005)})
    assert sum("missed" not in k for k in kills) >= 6, kills

    code, lines, stderr = run_ingest(folder, store)
    assert code == 0, (lines, stderr)
    assert "0 failed" in lines[-1], lines
    crashed = store_snapshot(store)

    clean_store = tmp_path / "clean"
    settings = make_settings(clean_store)
    settings.chunking.max_chars = MAX_CHARS
    services = build(settings, embedder=embedder)
    report = Ingestor(services.store, services.embedder, services.settings).ingest([folder])
    assert not report.failed and report.counts["added"] == len(list(expand_paths([folder])))
    clean = store_snapshot(clean_store)

    assert crashed["documents"] == clean["documents"], "same documents"
    assert "report" in {d[0] for d in clean["documents"]}
    assert crashed["chunks"] == clean["chunks"], "no chunk lost, duplicated or left over"
    for cid, vector in clean["vectors"].items():
        assert float(np.dot(vector, crashed["vectors"][cid])) > 0.999, cid
    for old in ("shrinkv1", "shrinkv2", "growv1", "repx"):
        assert not any(old in text for text, *_ in crashed["chunks"].values()), old
    for new in ("shrinkv3", "growv2", "pubmedv2a", "pubmedv2c", "repy"):
        assert any(new in text for text, *_ in crashed["chunks"].values()), new
    print("\n".join(kills))


# -- each step of a write or delete interrupted, in process (an exception where the kill was) --


class Interrupted(Exception):
    pass


def _doc(doc_id: str, source: str, text: str = "Alpha beta. Gamma delta."):
    from assistant.models import Chunk, Document

    document = Document(doc_id=doc_id, title=doc_id, source=source, text=text, sha256=text)
    chunks = [
        Chunk(chunk_id=f"{doc_id}#0000", doc_id=doc_id, text=text[:11], start=0, end=11),
        Chunk(chunk_id=f"{doc_id}#0001", doc_id=doc_id, text=text[12:], start=12, end=len(text)),
    ]
    return document, chunks, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]


def test_a_write_interrupted_before_its_record_is_complete_was_already_announced(tmp_path):
    """The generation moves before the record is marked complete: a write that completed is
    never one other processes' lexical indexes were not told about."""
    from assistant.store.chroma import ChromaStore

    store = ChromaStore(tmp_path / "store")
    store.write_document(*_doc("a", "a.txt"))
    before = store.generation()

    def mark_complete(doc_id, meta):
        raise Interrupted

    store._mark_complete = mark_complete
    with pytest.raises(Interrupted):
        store.write_document(*_doc("a", "a.txt", "Alpha beta. Gamma delta epsilon."))
    assert store.generation() > before
    assert store.document_state("a").complete is False, "redone by the next ingest"
    assert [d.doc_id for d in store.list_documents()] == []


def test_a_delete_interrupted_never_leaves_a_complete_record_without_chunks(tmp_path):
    from assistant.store.chroma import ChromaStore

    store = ChromaStore(tmp_path / "store")
    store.write_document(*_doc("a", "a.txt"))
    before = store.generation()

    class Docs:  # the documents collection, failing where the record itself is deleted
        def __init__(self, real):
            self._real = real

        def __getattr__(self, name):
            return getattr(self._real, name)

        def delete(self, **kwargs):
            raise Interrupted

    store._docs = Docs(store._docs)
    with pytest.raises(Interrupted):
        store.delete_document("a")
    assert store.count_chunks() == 0 and store.generation() > before
    assert store.document_state("a").complete is False
    assert store.incomplete_documents() == [("a", "a.txt")]
    assert store.list_documents() == []


def test_abandoned_records_of_vanished_files_are_dropped_and_their_ids_freed(tmp_path):
    """An interrupted write of a file deleted since is removed by the next ingest of its
    folder (only of its folder, and only when the file is gone); its id is free again."""
    from assistant.settings import Settings
    from assistant.store.chroma import ChromaStore
    from ingest.loaders import display_source
    from ingest.pipeline import Ingestor

    folder, other = tmp_path / "docs", tmp_path / "other"
    for f in (folder / "x", folder / "y", other):
        f.mkdir(parents=True)
    kept = folder / "kept.txt"
    kept.write_text("still here")
    store = ChromaStore(tmp_path / "store")
    for doc_id, path in (("report", folder / "x" / "report.txt"), ("kept", kept),
                         ("elsewhere", other / "gone.txt")):  # fmt: skip
        document, chunks, vectors = _doc(doc_id, display_source(path))
        store.write_document(document, chunks, vectors)
        store._put_record(document, {**store._record_metadata(doc_id), "complete": False})
    ingestor = Ingestor(store, embedder=None, settings=Settings())
    assert ingestor.drop_abandoned([folder]) == ["report"]
    assert sorted(i for i, _ in store.incomplete_documents()) == ["elsewhere", "kept"]
    assert not any(c.doc_id == "report" for c, _ in store.iter_chunks())

    # An id held only by an incomplete record of a vanished file goes to the next claimant.
    document, chunks, vectors = _doc("elsewhere", display_source(other / "gone.txt"))
    claimant = document.model_copy(update={"source": display_source(folder / "y" / "gone.txt")})
    assert ingestor._resolve_id(claimant).doc_id == "elsewhere"
    present = document.model_copy(update={"doc_id": "kept", "source": "y/kept.txt"})
    assert ingestor._resolve_id(present).doc_id.startswith("kept-"), "a live file keeps its id"
