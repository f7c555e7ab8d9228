"""The chat page in headless Chromium: streamed answers, citations opened in the reader with the
quote highlighted, a follow-up, history restored after a reload, and documents uploaded
(dragged and dropped), asked about and deleted.

With TRIALQA_README_SHOT=1 it refreshes docs/chat-page.png: a streamed follow-up answer with its
citation highlighted in the reader.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.api.test_page import CHROMIUM_ARGS, README_SHOT, TIMEOUT_MS, chromium_path, is_stream

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MADE_UP_NAME = "zephyr-9-results.txt"
MADE_UP_ID = "zephyr-9-results"
MADE_UP = """---
title: ZEPHYR-9 Interim Results
trial: ZEPHYR-9
source_type: abstract
---
# ZEPHYR-9 interim results

ZEPHYR-9 is a made-up phase 2 trial of quillotamab in relapsed myeloma.

In ZEPHYR-9, the overall response rate with quillotamab was 55% (22 of 40 evaluable patients).

Grade 3 or higher neutropenia occurred in 15% of ZEPHYR-9 patients.
"""

DROP_FILE = """([name, text]) => {
  const data = new DataTransfer();
  data.items.add(new File([text], name, { type: "text/plain" }));
  const zone = document.getElementById("dropzone");
  zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, bubbles: true, cancelable: true }));
  zone.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
}"""


def source_span(item) -> tuple[str, int, int]:
    """(doc_id, start, end) from a source list item's meta line."""
    meta = item.locator(".meta").text_content() or ""
    found = re.search(r"· (\S+) · characters (\d+)\u2013(\d+)", meta)
    assert found, meta
    return found.group(1), int(found.group(2)), int(found.group(3))


def test_chat_streams_cites_follows_up_restores_and_manages_documents(live_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    texts: dict[str, str] = {}

    def text_of(doc_id: str) -> str:
        if doc_id not in texts:
            texts[doc_id] = httpx.get(f"{live_server}/v1/documents/{doc_id}", timeout=30).json()[
                "text"
            ]
        return texts[doc_id]

    def check_highlight(turn, page) -> str:
        """Open the turn's first answer marker; the reader highlights exactly that quote."""
        marker = turn.locator(".answer-text button.cite").first
        n = marker.text_content()
        source = turn.locator(f".sources li[data-n='{n}']")
        quote = source.locator("blockquote").text_content()
        doc_id, start, end = source_span(source)
        marker.click()
        mark = page.locator("#reader-text mark")
        expect(mark).to_have_text(quote)
        expect(mark).to_be_in_viewport()
        assert text_of(doc_id)[start:end] == quote
        assert page.locator("#reader-text").text_content() == text_of(doc_id)
        before = page.evaluate(
            "document.querySelector('#reader-text mark').previousSibling.textContent.length"
        )
        assert before == start  # the highlight starts at the citation's offset, not elsewhere
        return quote

    console: list[tuple[str, str, str]] = []
    page_errors: list[str] = []
    asked: list[dict] = []
    (tmp_path / MADE_UP_NAME).write_text(MADE_UP)
    (tmp_path / "notes.exe").write_bytes(b"MZ not a report")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.set_default_timeout(TIMEOUT_MS)
            page.on("console", lambda m: console.append((m.type, m.text, m.location["url"])))
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            page.on(
                "request",
                lambda r: (
                    asked.append(r.post_data_json) if r.method == "POST" and is_stream(r) else None
                ),
            )
            page.goto(f"{live_server}/")
            page.evaluate("localStorage.clear()")
            page.reload()
            turns = page.locator("#turns li.turn")
            question = page.locator("#question")

            # Ask with the keyboard; the answer streams in with numbered, focusable markers.
            question.fill("What was the overall response rate in LINKER-SMM1?")
            with page.expect_response(is_stream):
                question.press("Enter")
            first = turns.nth(0)
            expect(first.locator(".answer-text")).to_contain_text("100%")
            expect(first).not_to_have_class(re.compile(r"streaming|abstained"))
            assert asked[0] == {"question": "What was the overall response rate in LINKER-SMM1?"}
            marker = first.locator(".answer-text button.cite").first
            marker.focus()
            page.keyboard.press("Enter")  # a marker opens its citation from the keyboard too
            expect(page.locator("#reader-text mark")).to_contain_text("100%")
            check_highlight(first, page)

            # A follow-up that needs the first turn: the page sends the conversation id and
            # shows what was searched.
            question.fill("and the CRS rate?")
            with page.expect_response(is_stream):
                question.press("Enter")
            second = turns.nth(1)
            expect(second.locator(".answer-text")).to_contain_text("42%")
            expect(second.locator(".rewritten")).to_have_text(
                "Searched as: \u201cWhat was the CRS rate in LINKER-SMM1?\u201d"
            )
            conversation_id = page.evaluate("localStorage.getItem('trialqa.conversation')")
            assert conversation_id and asked[1] == {
                "question": "and the CRS rate?",
                "conversation_id": conversation_id,
            }
            quote = check_highlight(second, page)
            assert "42%" in quote
            page.screenshot(path=tmp_path / "follow-up.png")
            if README_SHOT:
                README_SHOT.parent.mkdir(exist_ok=True)
                page.screenshot(path=README_SHOT)

            # Calculations show their text, inputs and interval, linked to their citations.
            calc = second.locator(".calc").first
            if calc.count():
                expect(calc.locator(".calc-text")).not_to_be_empty()
                expect(calc.locator("dd").first).to_contain_text("=")
                expect(calc.locator(".calc-from button.cite").first).to_be_visible()

            # A reload restores the history from the server; its citations still open the span.
            answers = [t.locator(".answer-text").text_content() for t in turns.all()]
            page.reload()
            expect(turns).to_have_count(2)
            assert [t.locator(".answer-text").text_content() for t in turns.all()] == answers
            assert "42%" in check_highlight(turns.nth(1), page)
            page.keyboard.press("Escape")
            expect(page.locator("#reader")).to_be_hidden()

            # Upload a made-up trial by dropping it on the documents panel, then ask about it.
            with page.expect_response(
                lambda r: r.url.endswith("/v1/documents") and r.request.method == "POST"
            ) as up:
                page.evaluate(DROP_FILE, [MADE_UP_NAME, MADE_UP])
            assert up.value.status == 200
            expect(page.locator("#upload-status")).to_contain_text("Added")
            expect(page.locator("#upload-status")).to_contain_text(MADE_UP_ID)
            expect(page.locator("#doc-list li", has_text=MADE_UP_ID)).to_have_count(1)
            question.fill("What was the overall response rate in ZEPHYR-9?")
            with page.expect_response(is_stream):
                question.press("Enter")
            third = turns.nth(2)
            expect(third.locator(".answer-text")).to_contain_text("55%")
            assert "55%" in check_highlight(third, page)
            expect(page.locator("#reader-title")).to_have_text("ZEPHYR-9 Interim Results")

            # An abstention looks different and says what is missing.
            question.fill("What was the progression-free survival in LINKER-SMM1?")
            with page.expect_response(is_stream):
                question.press("Enter")
            fourth = turns.nth(3)
            expect(fourth).to_have_class(re.compile(r"abstained"))
            expect(fourth.locator(".badge")).to_be_visible()
            expect(fourth.locator(".answer-text")).to_contain_text("progression-free")
            expect(third.locator(".badge")).to_be_hidden()
            colour = "el => getComputedStyle(el.querySelector('.a')).borderLeftColor"
            assert fourth.evaluate(colour) != third.evaluate(colour)

            # Delete it (two presses: the first asks to confirm).
            item = page.locator("#doc-list li", has_text=MADE_UP_ID)
            item.locator("button.delete").click()
            expect(item.locator("button.delete")).to_have_text("Confirm delete")
            item.locator("button.delete").click()
            expect(page.locator("#doc-list li", has_text=MADE_UP_ID)).to_have_count(0)
            expect(page.locator("#upload-status")).to_contain_text("Deleted")
            assert httpx.get(f"{live_server}/v1/documents/{MADE_UP_ID}").status_code == 404

            # A file of an unsupported type, picked with the file chooser, is reported.
            page.set_input_files("#upload-input", str(tmp_path / "notes.exe"))
            expect(page.locator("#upload-status")).to_contain_text("Upload failed")
            expect(page.locator("#upload-status")).to_have_class(re.compile(r"error"))

            # Phone width: one column, nothing wider than the screen; the reader is a sheet.
            page.set_viewport_size({"width": 390, "height": 844})
            check_highlight(turns.nth(1), page)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.screenshot(path=tmp_path / "phone.png")
            page.locator("#reader-close").click()

            # A new conversation starts empty and stays empty after a reload.
            page.click("#new-conversation")
            expect(turns).to_have_count(0)
            assert page.evaluate("localStorage.getItem('trialqa.conversation')") is None
            page.reload()
            expect(page.locator("#doc-list li").first).to_be_visible()
            expect(turns).to_have_count(0)
        finally:
            browser.close()
            httpx.delete(f"{live_server}/v1/documents/{MADE_UP_ID}")

    # The only console error allowed is Chromium's network line for the refused .exe upload.
    unexpected = [
        c for c in console if c[0] == "error" and not ("415" in c[1] and "/v1/documents" in c[2])
    ]
    assert not unexpected, unexpected
    assert not page_errors, page_errors
