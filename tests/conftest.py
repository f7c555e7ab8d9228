"""Shared fixtures: the real model, real Chroma stores in temp folders, the real app over HTTP.

Heavy things are built once per session: one embedder for in-process tests, one store holding
the shipped corpus, and one uvicorn server (a subprocess) over a store the CLI ingested.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def assert_answer_contract(store, answer) -> None:
    """Markers and citations match one to one, and every quote is its document's exact span."""
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert markers == {c.n for c in answer.citations}, "every citation is referenced and vice versa"
    for c in answer.citations:
        assert store.get_document(c.doc_id).text[c.start : c.end] == c.quote


def make_settings(store: Path, **overrides):
    from assistant.settings import Settings, StoreSettings

    return Settings(store=StoreSettings(path=store), **overrides)


@pytest.fixture(scope="session")
def embedder():
    from assistant.embedding.embedder import SentenceTransformerEmbedder

    e = SentenceTransformerEmbedder()
    e.load()
    return e


@pytest.fixture(scope="session")
def float32_embedder():
    """The model in float32, the reference other precisions and backends are held to."""
    from assistant.embedding.embedder import SentenceTransformerEmbedder

    e = SentenceTransformerEmbedder(precision="float32")
    e.load()
    return e


def corpus_embedding_texts() -> list[str]:
    """What ingest embeds for the shipped corpus's chunks: each in its document's context."""
    from assistant.embedding.texts import embedding_text
    from assistant.store.chroma import chunk_metadata
    from ingest.chunking import chunk_document
    from ingest.loaders import load_file
    from ingest.pipeline import expand_paths

    texts = []
    for path, _ in expand_paths([CORPUS]):
        doc = load_file(path)
        texts += [
            embedding_text(c, chunk_metadata(doc, c, i)) for i, c in enumerate(chunk_document(doc))
        ]
    return texts


def pubmedqa_recall(embedder, n: int = 150) -> tuple[float, float]:
    """Recall@1 and @5 of each of the first ``n`` PubMedQA questions finding its own abstract
    among the ``n`` abstracts, by the cosine of ``embedder``'s vectors."""
    import json

    import numpy as np

    items = json.loads((SHARED / "data" / "pubmedqa" / "pqal_labeled.json").read_text())[:n]
    abstracts = ["\n".join(item["contexts"]) for item in items]
    questions = [item["question"] for item in items]
    ranks = np.argsort(-(embedder.encode(questions) @ embedder.encode(abstracts).T), axis=1)
    truth = np.arange(len(items))[:, None]
    return (ranks[:, :1] == truth).any(1).mean(), (ranks[:, :5] == truth).any(1).mean()


@pytest.fixture(scope="session")
def corpus_services(tmp_path_factory, embedder):
    """Services over a store holding the shipped corpus (read-only for tests)."""
    from assistant.factory import build
    from ingest.pipeline import Ingestor

    services = build(make_settings(tmp_path_factory.mktemp("corpus-store")), embedder=embedder)
    report = Ingestor(services.store, services.embedder, services.settings).ingest([CORPUS])
    assert not report.failed, report.failed
    return services


def services_over(folder: Path, files: dict[str, str], embedder):
    """Services over a new store in ``folder`` holding ``files`` (name: text), all ingested:
    the small papers written inside a test module."""
    from assistant.factory import build
    from ingest.pipeline import Ingestor

    for name, text in files.items():
        (folder / name).write_text(text)
    services = build(make_settings(folder / "store"), embedder=embedder)
    report = Ingestor(services.store, services.embedder, services.settings).ingest([folder])
    assert report.counts["added"] == len(files), report.failed
    return services


@pytest.fixture
def fresh_services(tmp_path, embedder):
    """Services over an empty store of the test's own."""
    from assistant.factory import build

    return build(make_settings(tmp_path / "store"), embedder=embedder)


def cli_env(store: Path) -> dict[str, str]:
    return {**os.environ, "TRIALQA_STORE__PATH": str(store), "PYTHONUNBUFFERED": "1"}


def run_cli(
    *args: str,
    store: Path,
    cwd: Path | None = None,
    timeout: float = 180,
    env: dict[str, str] | None = None,
    input_text: str | None = None,
):
    """``trialqa ARGS`` over ``store`` in a process of its own (``env``: settings added;
    ``input_text``: its standard input)."""
    return subprocess.run(
        [sys.executable, "-m", "api", *args],
        env={**cli_env(store), **(env or {})},
        cwd=cwd or ROOT,
        input=input_text,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("server-store")
    done = run_cli("ingest", str(CORPUS), store=store)
    assert done.returncode == 0, done.stderr
    return store


@contextmanager
def running(args: list[str], ready: str, log_path: Path, *, env: dict[str, str] | None = None,
            cwd: Path = ROOT, within: float = 120):  # fmt: skip
    """A process started with ``args`` (output to ``log_path``), once ``ready`` (a URL) answers
    2xx; stopped when the block ends. Yields the process."""
    log = log_path.open("w")
    proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    name = Path(args[0]).name if len(args) < 3 else " ".join(map(str, args[:3]))
    started = time.monotonic()
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}; see {log_path}")
            try:
                if httpx.get(ready, timeout=2).is_success:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() - started > within:
                raise RuntimeError(f"{name} not ready within {within:.0f} s; see {log_path}")
            time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def serving(store: Path, log_path: Path, *args: str, env: dict[str, str] | None = None,
            host: str = "127.0.0.1"):  # fmt: skip
    """``trialqa serve`` over ``store`` on a free port until the block ends; yields its URL
    (on loopback, wherever it listens)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "api", "serve", "--host", host, "--port", str(port), *args]
    with running(command, f"{url}/readyz", log_path, env={**cli_env(store), **(env or {})}):
        yield url


@pytest.fixture(scope="session")
def live_server(server_store, tmp_path_factory):
    """``trialqa serve`` on a free loopback port over the corpus store; yields its base URL."""
    with serving(server_store, tmp_path_factory.mktemp("server-log") / "server.log") as url:
        yield url


@pytest.fixture(scope="session")
def http(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as client:
        yield client


def chroma_env(port: int, collection: str) -> dict[str, str]:
    """The settings that point TrialQA at the test Chroma server, under its own collections."""
    return {
        "TRIALQA_STORE__KIND": "http",
        "TRIALQA_STORE__HOST": "127.0.0.1",
        "TRIALQA_STORE__PORT": str(port),
        "TRIALQA_STORE__COLLECTION": collection,
    }


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory) -> int:
    """``chroma run`` (the server the chromadb package bundles) on a free loopback port, over a
    folder of its own; yields the port. Tests keep apart by collection prefix."""
    folder = tmp_path_factory.mktemp("chroma-server")
    chroma = Path(sys.executable).with_name("chroma")
    port = free_port()
    command = [str(chroma), "run", "--path", str(folder / "data"), "--host", "127.0.0.1",
               "--port", str(port)]  # fmt: skip
    heartbeat = f"http://127.0.0.1:{port}/api/v2/heartbeat"
    with running(command, heartbeat, folder / "chroma.log", cwd=folder, within=60):
        yield port
