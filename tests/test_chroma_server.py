"""TrialQA over a Chroma server (``chroma run``): the CLI ingests and answers through it, and
``trialqa serve --workers 2`` serves one store from two processes that see each other's writes.

Everything is real: the ``chroma run`` server, the CLI and uvicorn as subprocesses, the model.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
import uuid

import httpx
import pytest
from pydantic import ValidationError

from assistant.errors import RetrievalError
from assistant.settings import StoreSettings
from assistant.store.chroma import ChromaStore
from tests.conftest import CORPUS, ROOT, chroma_env, cli_env, free_port, serving

NEW_TRIAL = "ZEPHYR-7"
NEW_DOC = f"""---
id: zephyr-7-report
title: "ZEPHYR-7 Interim Report"
trial: {NEW_TRIAL}
source_type: summary
---
# ZEPHYR-7 interim results

ZEPHYR-7 enrolled 50 patients with relapsed lymphoma.

In ZEPHYR-7, the overall response rate was 42% (21/50) among response-evaluable patients.
"""
QUESTION = f"What was the overall response rate in {NEW_TRIAL}?"


def cli(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "api", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)  # fmt: skip


def test_store_settings_say_what_is_wrong():
    with pytest.raises(ValidationError, match="without a scheme, port or path"):
        StoreSettings(kind="http", host="http://chroma.internal:8001")
    with pytest.raises(ValidationError, match="'embedded' or 'http'"):
        StoreSettings(kind="server")
    with pytest.raises(ValidationError):
        StoreSettings(port=0)
    s = StoreSettings(kind="http", host="chroma.internal", port=9000, ssl=True)
    assert s.server_url() == "https://chroma.internal:9000"


def test_an_unreachable_server_is_one_line_not_a_traceback():
    port = free_port()  # nothing listens there
    with pytest.raises(RetrievalError) as caught:
        ChromaStore(host="127.0.0.1", port=port)
    message = caught.value.message
    assert message.startswith(f"cannot reach the Chroma server at http://127.0.0.1:{port}: ")
    assert "\n" not in message


@pytest.mark.slow
def test_the_cli_says_so_in_one_line(tmp_path):
    env = {**cli_env(tmp_path / "store"), **chroma_env(free_port(), "nothing")}
    done = cli("documents", env=env, timeout=120)
    assert done.returncode == 1
    assert done.stderr.startswith("trialqa: error: cannot reach the Chroma server at http://")
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.slow
def test_serve_refuses_several_workers_over_an_embedded_store(tmp_path):
    done = cli("serve", "--port", str(free_port()), "--workers", "2",
               env=cli_env(tmp_path / "store"), timeout=120)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.startswith("trialqa: error: --workers 2 needs a Chroma server")
    assert "TRIALQA_STORE__KIND=http" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "TrialQA on" not in done.stdout  # refused before it started listening


@pytest.fixture(scope="module")
def served_corpus(chroma_server, tmp_path_factory):
    """The corpus ingested by ``trialqa ingest`` into the Chroma server, under a prefix of its
    own; the local folder keeps only conversations and uploads. Yields (env, chunks, docs)."""
    folder = tmp_path_factory.mktemp("http-store")
    env = {**cli_env(folder), **chroma_env(chroma_server, f"corpus{uuid.uuid4().hex[:8]}")}
    done = cli("ingest", "--quiet", str(CORPUS), env=env)
    assert done.returncode == 0, done.stderr
    summary = re.search(r"(\d+) added, .*; (\d+) chunks written", done.stdout)
    assert summary, done.stdout
    assert not (folder / "chroma.sqlite3").exists(), "the chunks went to the folder, not the server"
    return env, int(summary[2]), int(summary[1])


def server_store(env: dict[str, str]) -> ChromaStore:
    return ChromaStore(prefix=env["TRIALQA_STORE__COLLECTION"], host="127.0.0.1",
                       port=int(env["TRIALQA_STORE__PORT"]))  # fmt: skip


@pytest.mark.slow
def test_the_cli_answers_through_the_server(served_corpus):
    env, chunks, docs = served_corpus
    store = server_store(env)
    assert store.count_chunks() == chunks and len(store.list_documents()) == docs
    done = cli("ask", "--json", "What was the 60-month PFS in AQUILA?", env=env)
    assert done.returncode == 0, done.stderr
    from assistant.models import Answer

    answer = Answer.model_validate_json(done.stdout)
    assert not answer.abstained and answer.citations
    assert "63.1%" in answer.answer
    for c in answer.citations:
        assert store.get_document(c.doc_id).text[c.start : c.end] == c.quote


def ask_until_every_worker_answered(url: str, check, workers: int = 2, wait: float = 240) -> dict:
    """POST the question on fresh connections until ``workers`` processes have answered three
    times each (a worker still loading the model answers later); every answer must pass
    ``check``. Returns how many answers each worker gave."""
    answered: dict[str, int] = {}
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        with httpx.Client(base_url=url, timeout=120) as client:  # a new connection each time
            response = client.post("/v1/ask", json={"question": QUESTION})
        assert response.status_code == 200, response.text
        worker = response.headers["x-trialqa-worker"]
        check(response.json(), worker)
        answered[worker] = answered.get(worker, 0) + 1
        if len(answered) == workers and min(answered.values()) >= 3:
            break
    assert len(answered) == workers, f"only {answered} answered within {wait} s"
    return answered


def search_everywhere(url: str, wait: float = 120) -> dict[str, list[dict]]:
    """``/v1/search`` for the new trial's name, answered by each worker at least once."""
    seen: dict[str, list[dict]] = {}
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        with httpx.Client(base_url=url, timeout=120) as client:
            response = client.get("/v1/search", params={"q": NEW_TRIAL, "k": 3})
        assert response.status_code == 200, response.text
        seen.setdefault(response.headers["x-trialqa-worker"], response.json()["results"])
        if len(seen) == 2:
            return seen
    raise AssertionError(f"only workers {sorted(seen)} answered within {wait} s")


@pytest.mark.slow
def test_two_workers_share_one_store(served_corpus, tmp_path):
    env, chunks, docs = served_corpus
    store_folder = tmp_path / "store"
    env = {**env, "TRIALQA_STORE__PATH": str(store_folder)}
    with serving(store_folder, tmp_path / "server.log", "--workers", "2", env=env) as url:
        # The corpus, through the server, with citations; the conversation is every worker's.
        cid = f"c{uuid.uuid4().hex}"
        question = {"question": "What was the 60-month PFS in AQUILA?", "conversation_id": cid}
        aquila = httpx.post(f"{url}/v1/ask", json=question, timeout=120)
        assert aquila.status_code == 200 and "63.1%" in aquila.json()["answer"]
        assert aquila.json()["citations"]
        turns = {}
        deadline = time.monotonic() + 240
        while len(turns) < 2 and time.monotonic() < deadline:
            with httpx.Client(base_url=url, timeout=60) as client:
                got = client.get(f"/v1/conversations/{cid}")
            assert got.status_code == 200, got.text
            turns[got.headers["x-trialqa-worker"]] = len(got.json()["turns"])
        assert list(turns.values()) == [1, 1], turns

        # Before the upload no worker cites it (and both are up).
        def cites_no_upload(answer, worker):
            assert all(c["doc_id"] != "zephyr-7-report" for c in answer["citations"]), worker

        ask_until_every_worker_answered(url, cites_no_upload)

        # Two uploads at the same moment, most likely through different workers.
        uploads: dict[str, httpx.Response] = {}

        def upload(name: str, text: str) -> None:
            files = {"file": (name, text.encode(), "text/markdown")}
            uploads[name] = httpx.post(f"{url}/v1/documents", files=files, timeout=300)

        other = NEW_DOC.replace("zephyr-7-report", "zephyr-7-addendum").replace(
            "Interim Report", "Addendum"
        )
        threads = [threading.Thread(target=upload, args=args)
                   for args in (("zephyr-7.md", NEW_DOC), ("zephyr-7-addendum.md", other))]  # fmt: skip
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert {n: r.status_code for n, r in uploads.items()} == {
            "zephyr-7.md": 200,
            "zephyr-7-addendum.md": 200,
        }, {n: r.text for n, r in uploads.items()}
        added = sum(r.json()["chunks"] for r in uploads.values())
        store = server_store(env)
        assert store.count_chunks() == chunks + added
        assert len(store.list_documents()) == docs + 2

        # Every worker answers from the upload at once: dense search on the server, and its
        # own BM25 index rebuilt because the store's generation moved.
        def cites_the_upload(answer, worker):
            assert not answer["abstained"], (worker, answer["answer"])
            assert "42%" in answer["answer"], (worker, answer["answer"])
            cited = {c["doc_id"] for c in answer["citations"]}
            assert cited & {"zephyr-7-report", "zephyr-7-addendum"}, (worker, cited)
            for c in answer["citations"]:
                text = store.get_document(c["doc_id"]).text
                assert text[c["start"] : c["end"]] == c["quote"]

        ask_until_every_worker_answered(url, cites_the_upload)
        for worker, hits in search_everywhere(url).items():
            assert hits and hits[0]["doc_id"].startswith("zephyr-7-"), worker
            assert hits[0]["lexical_rank"] is not None, f"worker {worker}: BM25 is stale"

        # Delete both (through whichever worker); no worker cites them afterwards.
        for doc_id in ("zephyr-7-report", "zephyr-7-addendum"):
            deleted = httpx.delete(f"{url}/v1/documents/{doc_id}", timeout=120)
            assert deleted.status_code == 200, deleted.text
        ask_until_every_worker_answered(url, cites_no_upload)
        for worker, hits in search_everywhere(url).items():
            assert all(not h["doc_id"].startswith("zephyr-7-") for h in hits), worker

    # Nothing duplicated or lost: the store is what the corpus ingest left.
    assert store.count_chunks() == chunks
    assert len(store.list_documents()) == docs
    ids = [c.chunk_id for c, _ in store.iter_chunks()]
    assert len(ids) == len(set(ids)) == chunks
    assert not list((store_folder / "uploads").glob("zephyr-7*"))
