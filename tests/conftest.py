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
    from assistant.embeddings import SentenceTransformerEmbedder

    e = SentenceTransformerEmbedder()
    e.load()
    return e


@pytest.fixture(scope="session")
def corpus_services(tmp_path_factory, embedder):
    """Services over a store holding the shipped corpus (read-only for tests)."""
    from assistant.factory import build
    from ingest.pipeline import Ingestor

    services = build(make_settings(tmp_path_factory.mktemp("corpus-store")), embedder=embedder)
    report = Ingestor(services.store, services.embedder, services.settings).ingest([CORPUS])
    assert not report.failed, report.failed
    return services


@pytest.fixture
def fresh_services(tmp_path, embedder):
    """Services over an empty store of the test's own."""
    from assistant.factory import build

    return build(make_settings(tmp_path / "store"), embedder=embedder)


def cli_env(store: Path) -> dict[str, str]:
    return {**os.environ, "TRIALQA_STORE__PATH": str(store), "PYTHONUNBUFFERED": "1"}


def run_cli(*args: str, store: Path, cwd: Path | None = None, timeout: float = 180):
    return subprocess.run(
        [sys.executable, "-m", "api", *args],
        env=cli_env(store),
        cwd=cwd or ROOT,
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


@pytest.fixture(scope="session")
def live_server(server_store, tmp_path_factory):
    """``trialqa serve`` on a free loopback port; yields its base URL."""
    port = free_port()
    log = (tmp_path_factory.mktemp("server-log") / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "api", "serve", "--port", str(port)],
        env=cli_env(server_store),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}; see {log.name}")
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server not ready within 120 s")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def http(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as client:
        yield client
