"""The chat page's conversations in headless Chromium against the real server: "New
conversation" keeps the old one in the list, a past conversation reopens with its turns, is
renamed and deleted (after a confirmation), and "Copy" puts an answer with its references on
the clipboard as Markdown (or shows it when the browser will not copy).

With TRIALQA_README_SHOT=1 it writes docs/conversations-desktop.png, docs/conversations-phone.png
(the chat) and docs/conversations-phone-list.png (the list, one tap away).
"""

from __future__ import annotations

import os
import re

import httpx
import pytest

from tests.api.test_page import CHROMIUM_ARGS, ROOT, TIMEOUT_MS, chromium_path, is_stream
from tests.assistant.test_conversation_store import markers_resolve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = ROOT / "docs" if os.environ.get("TRIALQA_README_SHOT") else None
ORR = "What was the overall response rate in LINKER-SMM1?"
AQUILA = "What was the 60-month PFS in AQUILA?"
# The controls this page added, each at least 44 px high and wide (a finger, not a cursor).
TOUCH_TARGETS = ["#new-conversation", "#conv-refresh", ".conv-open", ".conv-rename",
                 ".conv-delete", "button.copy"]  # fmt: skip


def ask_on_page(page, question: str) -> None:
    from playwright.sync_api import expect

    turns = page.locator("#turns li.turn")
    before = turns.count()
    page.fill("#question", question)
    with page.expect_response(is_stream):
        page.press("#question", "Enter")
    expect(turns).to_have_count(before + 1)
    expect(turns.last).not_to_have_class(re.compile(r"streaming"))
    expect(turns.last.locator("button.copy")).to_be_visible()


def check_touch_targets(page) -> None:
    for selector in TOUCH_TARGETS:
        box = page.locator(selector).first.bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 44, (selector, box)


def test_conversations_reopen_rename_delete_and_copy(live_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    http = httpx.Client(base_url=live_server, timeout=60)
    shots = SHOTS or tmp_path
    page_errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 1280, "height": 860},
                permissions=["clipboard-read", "clipboard-write"],
            )
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            page.goto(f"{live_server}/")
            page.evaluate("localStorage.clear()")
            page.reload()
            items = page.locator("#conv-list li.conv")

            # A conversation of two turns, then "New conversation": it stays in the list.
            ask_on_page(page, ORR)
            ask_on_page(page, "and the CRS rate?")
            first = page.evaluate("localStorage.getItem('trialqa.conversation')")
            first_item = page.locator(f"#conv-list li[data-id='{first}']")
            expect(first_item.locator(".conv-title")).to_have_text(ORR)
            expect(first_item.locator(".meta")).to_contain_text("2 questions")
            expect(first_item.locator(".conv-open")).to_have_attribute("aria-current", "true")
            page.click("#new-conversation")
            expect(page.locator("#turns li.turn")).to_have_count(0)
            expect(first_item).to_have_count(1)
            ask_on_page(page, AQUILA)
            second = page.evaluate("localStorage.getItem('trialqa.conversation')")
            assert second and second != first
            second_item = page.locator(f"#conv-list li[data-id='{second}']")
            expect(items.first).to_have_attribute("data-id", second)  # newest updated first
            expect(second_item.locator(".conv-open")).to_have_attribute("aria-current", "true")
            expect(first_item.locator(".conv-open")).not_to_have_attribute("aria-current", "true")
            check_touch_targets(page)

            # Reopen the first: its turns come back as they were answered.
            first_item.locator(".conv-open").click()
            turns = page.locator("#turns li.turn")
            expect(turns).to_have_count(2)
            expect(turns.nth(0).locator(".q-text")).to_have_text(ORR)
            expect(turns.nth(1).locator(".rewritten")).to_have_text(
                "Searched as: \u201cWhat was the CRS rate in LINKER-SMM1?\u201d"
            )
            stored = http.get(f"/v1/conversations/{first}").json()["turns"]
            for i, turn in enumerate(stored):  # markers show as buttons labelled n
                shown = re.sub(r"\[(\d+)\]", r"\1", turn["answer"]["answer"])
                assert turns.nth(i).locator(".answer-text").text_content() == shown
            assert page.evaluate("localStorage.getItem('trialqa.conversation')") == first
            expect(first_item.locator(".conv-open")).to_have_attribute("aria-current", "true")
            page.screenshot(path=shots / "conversations-desktop.png")

            # Copy: the second turn's answer and references, as the server exports them.
            turns.nth(1).locator("button.copy").click()
            expect(turns.nth(1).locator(".copy-status")).to_contain_text("Copied")
            copied = page.evaluate("navigator.clipboard.readText()")
            exported = http.get(f"/v1/conversations/{first}/export", params={"turn": 2}).text
            assert copied == exported and copied.startswith("## 2. and the CRS rate?")
            markers_resolve(copied)
            assert "42%" in copied and "**References**" in copied

            # A browser that will not copy: the Markdown is shown, selected, to copy by hand.
            page.evaluate("""() => {
                navigator.clipboard.writeText = () => Promise.reject(new Error("denied"));
                document.execCommand = () => false;
            }""")
            turns.nth(0).locator("button.copy").click()
            fallback = turns.nth(0).locator("textarea.copy-fallback")
            expect(fallback).to_be_visible()
            expect(turns.nth(0).locator(".copy-status")).to_contain_text("blocked")
            exported = http.get(f"/v1/conversations/{first}/export", params={"turn": 1}).text
            assert fallback.input_value() == exported

            # Rename with the keyboard; the list and the server both have the new name.
            first_item.locator(".conv-rename").click()
            rename = first_item.locator("input")
            expect(rename).to_be_focused()
            rename.fill("Tumour board: LINKER-SMM1")
            with page.expect_response(lambda r: r.request.method == "PATCH") as renamed:
                rename.press("Enter")
            assert renamed.value.status == 200
            expect(first_item.locator(".conv-title")).to_have_text("Tumour board: LINKER-SMM1")
            assert http.get(f"/v1/conversations/{first}").json()["title"] == (
                "Tumour board: LINKER-SMM1"
            )
            # Escape gives up a rename without sending anything.
            first_item.locator(".conv-rename").click()
            first_item.locator("input").fill("Not this")
            first_item.locator("input").press("Escape")
            expect(first_item.locator(".conv-title")).to_have_text("Tumour board: LINKER-SMM1")

            # Delete asks first; the second press deletes that conversation and nothing else.
            delete = second_item.locator(".conv-delete")
            delete.click()
            expect(delete).to_have_text("Confirm delete")
            assert http.get(f"/v1/conversations/{second}").status_code == 200
            with page.expect_response(lambda r: r.request.method == "DELETE") as deleted:
                delete.click()
            assert deleted.value.status == 204
            expect(second_item).to_have_count(0)
            assert http.get(f"/v1/conversations/{second}").status_code == 404
            expect(page.locator("#turns li.turn")).to_have_count(2)  # the open one stays shown

            # Deleting the conversation on screen empties the chat.
            first_item.locator(".conv-delete").click()
            first_item.locator(".conv-delete").click()
            expect(first_item).to_have_count(0)
            expect(page.locator("#turns li.turn")).to_have_count(0)
            assert page.evaluate("localStorage.getItem('trialqa.conversation')") is None

            # At phone width the list is one tap away and its controls stay finger-sized.
            ask_on_page(page, ORR)
            ask_on_page(page, "and the CRS rate?")
            page.click("#new-conversation")
            ask_on_page(page, AQUILA)
            phone = context.new_page()
            phone.set_default_timeout(TIMEOUT_MS)
            phone.on("pageerror", lambda e: page_errors.append(str(e)))
            phone.set_viewport_size({"width": 390, "height": 844})
            phone.goto(f"{live_server}/")
            expect(phone.locator("#turns li.turn")).to_have_count(1)
            expect(phone.locator("#conv-list li.conv").first).to_be_visible()
            check_touch_targets(phone)
            phone.screenshot(path=shots / "conversations-phone.png")
            phone.click("#to-conversations")
            expect(phone.locator("#conversations-title")).to_be_in_viewport()
            scroll = phone.evaluate("document.documentElement.scrollWidth")
            assert scroll <= 390, "nothing runs off the side of a phone"
            phone.screenshot(path=shots / "conversations-phone-list.png")
        finally:
            browser.close()
            http.close()
    assert not page_errors, page_errors
