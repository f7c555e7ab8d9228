"""Answers keep coming, without errors, while a large ingest runs into the same store.

The server's own process does the writing (``POST /v1/documents``): Chroma's embedded
``PersistentClient`` keeps its vector index in memory per process, so chunks another process
writes into the folder stay invisible to a running server's dense search (and two processes
writing would overwrite each other's index files). The README says to ingest through the
server while it runs; this is that path, with hostile uploads at the end.
"""

from __future__ import annotations

import json
import statistics
import threading
import time

import httpx
import pytest

from tests.conftest import SHARED, serving
from tests.ingest.hostile import deflate_bomb, pdf_with_content, zip_bomb

pytestmark = pytest.mark.slow

SEED = (
    "ALPHA-7 results\n\nThe ALPHA-7 trial enrolled 48 patients with smouldering myeloma. "
    "The overall response rate in ALPHA-7 was 61% and no deaths were reported."
)
QUESTION = "What was the overall response rate in ALPHA-7?"
LATE = (
    "OMEGA-12 final analysis\n\nThe OMEGA-12 trial enrolled 77 patients; its primary endpoint "
    "was met with a hazard ratio for progression of 0.58."
)
UPLOADS = 30


def _documents(n: int) -> list[tuple[str, bytes]]:
    entries = json.loads((SHARED / "data" / "pubmedqa" / "pqal_labeled.json").read_text())
    docs = []
    for entry in entries[100 : 100 + n]:
        text = f"{entry['question']}\n\n" + "\n\n".join(entry["contexts"])
        docs.append((f"pubmed-{entry['pmid']}.txt", f"{text}\n\n{entry['long_answer']}\n".encode()))
    return docs


def upload(client: httpx.Client, name: str, data: bytes) -> httpx.Response:
    return client.post("/v1/documents", files={"file": (name, data, "application/octet-stream")})


def test_answers_keep_coming_while_a_large_upload_ingest_runs(tmp_path):
    store = tmp_path / "store"
    with (
        serving(store, tmp_path / "server.log") as url,
        httpx.Client(base_url=url, timeout=120) as client,
    ):
        seeded = upload(client, "alpha-7.txt", SEED.encode())
        assert seeded.status_code == 200, seeded.text

        stop = threading.Event()
        asks: list[tuple[float, float, int, str]] = []  # (start, seconds, status, answer)

        def ask_loop():
            with httpx.Client(base_url=url, timeout=120) as asker:
                while not stop.is_set():
                    started = time.monotonic()
                    try:
                        got = asker.post("/v1/ask", json={"question": QUESTION})
                        status, text = got.status_code, got.text
                    except httpx.HTTPError as exc:
                        status, text = -1, repr(exc)
                    asks.append((started, time.monotonic() - started, status, text))

        asker = threading.Thread(target=ask_loop, daemon=True)
        asker.start()
        time.sleep(2)
        ingest_started = time.monotonic()
        results = [upload(client, name, data) for name, data in _documents(UPLOADS)]
        results.append(upload(client, "omega-12.txt", LATE.encode()))
        ingest_ended = time.monotonic()
        time.sleep(1)
        stop.set()
        asker.join(timeout=180)

        assert [r.status_code for r in results] == [200] * (UPLOADS + 1), [
            r.text for r in results if r.status_code != 200
        ]
        chunks = sum(r.json()["chunks"] for r in results)
        failures = [(status, text[:300]) for _, _, status, text in asks if status != 200]
        assert failures == [], failures
        during = [a for a in asks if ingest_started <= a[0] + a[1] and a[0] <= ingest_ended]
        assert len(during) >= 5, (
            f"{len(during)} answers during a {ingest_ended - ingest_started:.0f}s ingest"
        )
        for _, _, _, text in asks:
            answer = json.loads(text)
            assert "61%" in answer["answer"] and answer["citations"], answer["answer"]
        # answers arrived throughout: in each third of the ingest window at least one finished
        span = (ingest_ended - ingest_started) / 3
        for third in range(3):
            lo, hi = ingest_started + third * span, ingest_started + (third + 1) * span
            assert any(lo <= start + seconds <= hi for start, seconds, _, _ in asks), third
        latencies = [seconds for _, seconds, _, _ in during]
        assert max(latencies) < 30, latencies
        print(
            f"\n{UPLOADS + 1} uploads ({chunks} chunks) in {ingest_ended - ingest_started:.1f}s; "
            f"{len(during)} answers meanwhile, 0 errors; latency median "
            f"{statistics.median(latencies):.2f}s, max {max(latencies):.2f}s"
        )

        # What was uploaded last is found by both rankings of the running server.
        late = client.post("/v1/ask", json={"question": "What was the hazard ratio in OMEGA-12?"})
        assert late.status_code == 200 and "0.58" in late.json()["answer"], late.text
        assert {c["doc_id"] for c in late.json()["citations"]} == {"omega-12"}
        listed = client.get("/v1/documents").json()["documents"]
        assert len(listed) == UPLOADS + 2

        # Hostile uploads through the API: refused in one message each, nothing left behind.
        for name, data, says in (
            ("deflate-bomb.pdf", pdf_with_content(deflate_bomb(b" " * (1 << 20), 2000)), "bomb"),
            ("zip-bomb.pdf", zip_bomb(), "not a PDF"),
            ("binary.txt", bytes(range(256)) * 64, "binary"),
            ("blank.md", b"  \n\t ", "empty"),
        ):
            refused = upload(client, name, data)
            assert refused.status_code == 422 and says in refused.text, (name, refused.text)
        escaped = upload(client, "../../escape.txt", b"The KAPPA-2 trial enrolled 5 patients.")
        assert escaped.status_code == 200 and escaped.json()["filename"] == "escape.txt"
        assert not (store.parent / "escape.txt").exists()
        assert not (store.parent.parent / "escape.txt").exists()
        uploaded = {p.name for p in (store / "uploads").iterdir()}
        assert uploaded == {"alpha-7.txt", "omega-12.txt", "escape.txt"} | {
            name for name, _ in _documents(UPLOADS)
        }
