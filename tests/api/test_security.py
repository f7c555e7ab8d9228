"""Writes need a key beyond loopback, CORS is off unless configured, bodies are bounded, and a
slow client cannot hold up the others. Real servers over HTTP, except where a seam is named."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest

from tests.conftest import ROOT, cli_env, serving

KEY = "correct horse battery staple"
ORIGIN = "https://intranet.example.org"
NOTE = b"Trial ZETA-9 enrolled 44 patients; the overall response rate was 61%.\n"


def test_serve_refuses_the_network_without_a_key(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "api", "serve", "--host", "0.0.0.0", "--port", "0"],
        env=cli_env(tmp_path / "store"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "TRIALQA_API__API_KEY" in lines[0], done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "store" / "uploads").exists()


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory):
    """Listening on every interface, with a key and one allowed origin."""
    store = tmp_path_factory.mktemp("keyed-store")
    env = {"TRIALQA_API__API_KEY": KEY, "TRIALQA_API__CORS_ORIGINS": f'["{ORIGIN}"]'}
    log = tmp_path_factory.mktemp("keyed-log") / "server.log"
    with serving(store, log, env=env, host="0.0.0.0") as url:
        yield url


def _upload(url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    files = {"file": ("zeta-9.txt", NOTE, "text/plain")}
    return httpx.post(f"{url}/v1/documents", files=files, headers=headers or {}, timeout=120)


@pytest.mark.slow
def test_writes_need_the_key_and_reads_do_not(keyed_server):
    url = keyed_server
    for headers, message in (
        ({}, "needs the API key"),
        ({"authorization": "Bearer wrong"}, "not valid"),
        ({"x-api-key": KEY[:-1]}, "not valid"),
        ({"authorization": f"Basic {KEY}"}, "needs the API key"),
    ):
        refused = _upload(url, headers)
        assert refused.status_code == 401, headers
        assert refused.json()["error"] == {
            "code": "unauthorized",
            "message": refused.json()["error"]["message"],
        }
        assert message in refused.json()["error"]["message"]
        assert refused.headers["www-authenticate"] == "Bearer"
    assert httpx.get(f"{url}/v1/documents").json()["documents"] == []  # nothing was written

    added = _upload(url, {"authorization": f"Bearer {KEY}"})
    assert added.status_code == 200, added.text
    doc_id = added.json()["doc_id"]
    assert httpx.get(f"{url}/v1/documents/{doc_id}").status_code == 200  # reads stay open
    answer = httpx.post(f"{url}/v1/ask", json={"question": "How many patients did ZETA-9 enrol?"})
    assert answer.status_code == 200 and answer.json()["citations"][0]["doc_id"] == doc_id

    assert httpx.delete(f"{url}/v1/documents/{doc_id}").status_code == 401
    assert httpx.get(f"{url}/v1/documents/{doc_id}").status_code == 200  # still there
    assert (
        httpx.delete(f"{url}/v1/documents/{doc_id}", headers={"x-api-key": KEY}).status_code == 200
    )
    assert httpx.get(f"{url}/v1/documents/{doc_id}").status_code == 404


@pytest.mark.slow
def test_cors_allows_only_the_configured_origin(keyed_server, live_server):
    preflight = {"origin": ORIGIN, "access-control-request-method": "POST"}
    allowed = httpx.options(f"{keyed_server}/v1/ask", headers=preflight)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    other = httpx.get(f"{keyed_server}/healthz", headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers

    # The default server (no origins configured) sends no CORS headers to anyone.
    for response in (
        httpx.options(f"{live_server}/v1/ask", headers=preflight),
        httpx.get(f"{live_server}/healthz", headers={"origin": ORIGIN}),
    ):
        assert not any(h.startswith("access-control-") for h in response.headers)


def test_writes_from_another_machine_without_a_key_are_refused():
    """Seam: a server started behind the CLI's check (plain uvicorn) still refuses a remote
    client's writes when no key is set. The client address is set by the ASGI transport; the
    refusal comes before the route touches the store, so no services are built."""
    from api.main import create_app
    from assistant.settings import Settings

    app = create_app(Settings())

    async def call(client_host: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(client_host, 5555))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.delete("/v1/documents/anything")

    remote = asyncio.run(call("192.0.2.40"))
    assert remote.status_code == 403 and remote.json()["error"]["code"] == "forbidden"
    assert "loopback" in remote.json()["error"]["message"] or "this machine" in remote.text


@pytest.mark.slow
def test_oversized_bodies_are_refused_before_they_are_read(live_server):
    big = b'{"question": "' + b"a" * (300 * 1024) + b'"}'
    declared = httpx.post(
        f"{live_server}/v1/ask", content=big, headers={"content-type": "application/json"}
    )
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "too_large"
    assert "256 KB" in declared.json()["error"]["message"]

    def chunks():  # no content-length: the server counts as it reads
        for _ in range(40):
            yield b"a" * 16 * 1024

    chunked = httpx.post(
        f"{live_server}/v1/ask", content=chunks(), headers={"content-type": "application/json"}
    )
    assert chunked.status_code == 413 and chunked.json()["error"]["code"] == "too_large"

    small_chunked = httpx.post(
        f"{live_server}/v1/ask",
        content=iter([b'{"question": "What was the overall ', b'response rate in LINKER-SMM1?"}']),
        headers={"content-type": "application/json"},
    )
    assert small_chunked.status_code == 200, small_chunked.text
    assert small_chunked.json()["citations"]


def _slow_client(port: int, stop: threading.Event) -> None:
    """Declares a 2 KB body and sends it one byte every 0.2 s until told to stop."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            b"POST /v1/ask HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
            b"content-length: 2048\r\n\r\n{"
        )
        while not stop.wait(0.2):
            try:
                sock.sendall(b" ")
            except OSError:
                return


@pytest.mark.slow
def test_slow_and_huge_requests_do_not_starve_the_others(live_server):
    port = int(live_server.rsplit(":", 1)[1])
    stop = threading.Event()
    slow = [threading.Thread(target=_slow_client, args=(port, stop)) for _ in range(8)]
    for thread in slow:
        thread.start()

    def huge():
        for _ in range(5):
            httpx.post(f"{live_server}/v1/ask", content=b"x" * 50_000_000,
                       headers={"content-type": "application/json"}, timeout=60)  # fmt: skip

    flood = threading.Thread(target=huge)
    flood.start()
    try:
        times = []
        for _ in range(10):
            started = time.perf_counter()
            r = httpx.post(
                f"{live_server}/v1/ask",
                json={"question": "What was the overall response rate in LINKER-SMM1?"},
                timeout=30,
            )
            times.append(time.perf_counter() - started)
            assert r.status_code == 200 and r.json()["citations"]
        assert max(times) < 10, times
    finally:
        stop.set()
        flood.join()
        for thread in slow:
            thread.join()


@pytest.mark.slow
def test_every_response_forbids_sniffing_and_framing(live_server):
    for path in ("/", "/static/app.js", "/openapi.json", "/v1/documents", "/v1/nowhere"):
        response = httpx.get(f"{live_server}{path}")
        assert response.headers["x-content-type-options"] == "nosniff", path
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, path


@pytest.mark.slow
def test_the_page_asks_for_the_key_and_then_uploads_and_deletes_with_it(keyed_server, tmp_path):
    """In Chromium: an upload without the key fails with the server's message and a key field;
    a wrong key fails the same way; the right one (kept for the tab) uploads and deletes."""
    from playwright.sync_api import expect, sync_playwright

    from tests.api.test_page import CHROMIUM_ARGS, TIMEOUT_MS, chromium_path

    note = tmp_path / "keyed-page-note.txt"
    note.write_bytes(NOTE)
    status, form = "#upload-status", "#key-form"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{keyed_server}/")
            expect(page.locator(form)).to_be_hidden()

            page.set_input_files("#upload-input", str(note))
            expect(page.locator(status)).to_contain_text("needs the API key")
            expect(page.locator(form)).to_be_visible()
            page.fill("#api-key", "not the key")
            page.click(f"{form} button")
            expect(page.locator(form)).to_be_hidden()
            page.set_input_files("#upload-input", str(note))
            expect(page.locator(status)).to_contain_text("the API key is not valid")
            expect(page.locator(form)).to_be_visible()

            page.fill("#api-key", KEY)
            page.click(f"{form} button")
            page.set_input_files("#upload-input", str(note))
            expect(page.locator(status)).to_contain_text("Added")
            row = page.locator("#doc-list li", has_text="keyed-page-note")
            expect(row).to_have_count(1)
            assert page.evaluate("sessionStorage.getItem('trialqa-api-key')") == KEY

            row.locator("button", has_text="Delete").click()
            row.locator("button", has_text="Confirm delete").click()
            expect(page.locator(status)).to_contain_text("Deleted")
            expect(page.locator("#doc-list li", has_text="keyed-page-note")).to_have_count(0)
        finally:
            browser.close()
    listed = httpx.get(f"{keyed_server}/v1/documents").json()["documents"]
    assert "keyed-page-note" not in {d["doc_id"] for d in listed}
