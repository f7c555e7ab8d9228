"""The chat page at ``/``, driven end to end in headless Chromium against the real server.

Uses Debian's ``chromium`` (``make browser`` installs it); Playwright never downloads a browser.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
# Set TRIALQA_README_SHOT=1 to refresh the README's screenshot; by default tests write no repo file.
# test_chat.py takes it: the chat with a streamed answer and its highlighted citation.
README_SHOT = ROOT / "docs" / "chat-page.png" if os.environ.get("TRIALQA_README_SHOT") else None
DOC_ID = "linker-smm1-interview"
# Without the background-networking flags Chromium can hang on refused outbound connections.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 60_000


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "chromium is not on PATH: the browser test needs Debian's chromium package. "
            "Run `make browser` (apt-get install chromium); `playwright install` is not used.",
            pytrace=False,
        )
    return path


def record_ask(request, asked: list[dict]) -> None:
    if request.method == "POST" and request.url.endswith("/v1/ask/stream"):
        asked.append(json.loads(request.post_data or "null"))


def is_stream(response_or_url) -> bool:
    return getattr(response_or_url, "url", response_or_url).endswith("/v1/ask/stream")


def open_fresh(page, live_server: str) -> None:
    """The chat page with nothing remembered from an earlier test (conversation, filters)."""
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{live_server}/")
    page.evaluate("localStorage.clear()")
    page.reload()


@contextmanager
def chat_page(live_server: str):
    """A fresh chat page of ``live_server`` in headless Chromium, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 800})
            open_fresh(page, live_server)
            yield page
        finally:
            browser.close()


def ask_on_page(page, question: str):
    """Ask ``question`` with the keyboard, wait for the stream, and return its turn."""
    box = page.locator("#question")
    box.fill(question)
    with page.expect_response(is_stream):
        box.press("Enter")
    return page.locator("#turns li.turn").last


def test_chat_page_end_to_end(live_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    ids = [d["doc_id"] for d in httpx.get(f"{live_server}/v1/documents").json()["documents"]]
    texts: dict[str, str] = {}

    def text_of(doc_id: str) -> str:
        if doc_id not in texts:
            got = httpx.get(f"{live_server}/v1/documents/{doc_id}", timeout=30)
            texts[doc_id] = got.json()["text"]
        return texts[doc_id]

    console: list[tuple[str, str, str]] = []  # (type, text, url) of every console message
    page_errors: list[str] = []
    asked: list[dict] = []  # JSON bodies of every POST /v1/ask/stream the page sent

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 800})
            page.set_default_timeout(TIMEOUT_MS)
            page.on("console", lambda m: console.append((m.type, m.text, m.location["url"])))
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            page.on("request", lambda r: record_ask(r, asked))

            # The page loads and lists the indexed documents.
            page.goto(f"{live_server}/")
            page.evaluate("localStorage.clear()")  # no conversation left by another test
            page.reload()
            expect(page).to_have_title("TrialQA")
            expect(page.locator("#doc-list li")).to_have_count(len(ids))
            expect(page.locator("#doc-list li", has_text=DOC_ID)).to_have_count(1)
            expect(page.locator("#turns li.turn")).to_have_count(0)

            # An empty or blank question is never sent: not by Enter, not by the button.
            question = page.locator("#question")
            question.focus()
            page.keyboard.press("Enter")
            page.click("#ask")
            question.fill("   ")
            question.press("Enter")
            expect(page.locator("#status")).to_have_text("")
            expect(page.locator("#turns li.turn")).to_have_count(0)

            # A real question typed and submitted with the keyboard. Requests are reported in
            # order, so if the blank attempts above had been sent they would show up here first.
            question.fill("")
            question.press_sequentially("What was the CRS rate in LINKER-SMM1?")
            with page.expect_response(is_stream) as answered:
                question.press("Enter")
            assert answered.value.status == 200
            turn = page.locator("#turns li.turn").last
            expect(turn.locator(".answer-text")).to_contain_text("42%")
            expect(turn).not_to_have_class(re.compile(r"streaming"))
            expect(turn).not_to_have_class(re.compile(r"abstained"))
            expect(page.locator("#status")).to_have_text("")
            expect(page.locator("#ask")).to_be_enabled()
            assert asked == [{"question": "What was the CRS rate in LINKER-SMM1?"}]

            # Each citation quotes the document verbatim, at the offsets it states.
            citations = turn.locator(".sources li")
            expect(citations.first).to_be_visible()
            assert citations.count() >= 1
            for i in range(citations.count()):
                item = citations.nth(i)
                quote = item.locator("blockquote").text_content()
                meta = item.locator(".meta").text_content() or ""
                doc_id = max((d for d in ids if d in meta), key=len)
                assert doc_id.startswith("linker-smm1"), meta
                span = re.search(r"characters (\d+)\u2013(\d+)", meta)
                assert span, meta
                start, end = map(int, span.groups())
                assert quote and text_of(doc_id)[start:end] == quote, f"citation {i + 1}: {quote!r}"
            assert "42%" in citations.first.locator("blockquote").text_content()

            page.screenshot(path=tmp_path / "answered.png", full_page=True)
            assert not [c for c in console if c[0] == "error"], console
            assert not page_errors, page_errors

            # A question over the server's 2000-character limit: the server answers 422 and
            # the page says so in #status and lets the user try again.
            question.fill("x" * 2100)
            with page.expect_response(is_stream) as rejected:
                question.press("Enter")
            assert rejected.value.status == 422
            expect(page.locator("#status")).to_contain_text("Error:")
            expect(page.locator("#status")).to_contain_text("2000")
            expect(page.locator("#ask")).to_be_enabled()
            page.screenshot(path=tmp_path / "rejected.png", full_page=True)
        finally:
            browser.close()

    # The only console error allowed is Chromium's own network log line for the deliberate 422.
    unexpected = [c for c in console if c[0] == "error" and not (is_stream(c[2]) and "422" in c[1])]
    assert not unexpected, unexpected
    assert not page_errors, page_errors
    assert len(asked) == 2
