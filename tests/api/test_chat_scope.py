"""The chat page's scope and suggestions in headless Chromium against the real server: suggested
questions on an empty conversation (the server's, asked with a click), filters by trial, source
type and document chosen from what is indexed and sent with every question until removed, "Ask
this document" from the documents panel and right after an upload, and at phone width a
question box that stays on screen with every control at least 44 px.

With TRIALQA_README_SHOT=1 it writes docs/scope-desktop.png (filters and the suggestions they
give), docs/scope-answer-desktop.png (an answer asked under two filters) and docs/scope-phone.png
(a scoped conversation at 390 x 844, the question box pinned).
"""

from __future__ import annotations

import os
import re
import uuid

import httpx
import pytest

from tests.api.test_chat_conversations import ask_on_page
from tests.api.test_page import CHROMIUM_ARGS, ROOT, TIMEOUT_MS, chromium_path, is_stream

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = ROOT / "docs" if os.environ.get("TRIALQA_README_SHOT") else None

# Every visible control below 44 px (a citation marker inside a sentence is exempt), as
# [selector-ish description, width, height].
SMALL_CONTROLS = """() => {
  const controls = document.querySelectorAll(
    "button:not(.cite), a[href], select, input:not([type=file]), label.filelabel, summary");
  const small = [];
  for (const node of controls) {
    const box = node.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(node).visibility === "hidden") continue;
    if (box.width < 44 || box.height < 44) {
      small.push([node.id || node.className || node.tagName, box.width, box.height]);
    }
  }
  return small;
}"""


def trials_and_types(documents: list[dict]) -> tuple[set[str], set[str]]:
    trials, types = set(), set()
    for d in documents:
        value = d["metadata"].get("trial")
        trials |= set(value if isinstance(value, list) else [value]) - {None}
        types |= {d["metadata"]["source_type"]} if d["metadata"].get("source_type") else set()
    return trials, types


def cited_documents(turn) -> set[str]:
    metas = turn.locator(".sources li .meta").all_text_contents()
    return {re.search(r"· (\S+) · characters", m).group(1) for m in metas}


def option_values(page, select: str) -> set[str]:
    return set(page.eval_on_selector_all(f"{select} option", "os => os.map(o => o.value)")) - {""}


def test_suggestions_filters_and_ask_this_document(live_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    http = httpx.Client(base_url=live_server, timeout=60)
    documents = http.get("/v1/documents").json()["documents"]
    trials, types = trials_and_types(documents)
    title = {d["doc_id"]: d["title"] for d in documents}
    tag = uuid.uuid4().hex[:8]
    upload_name = f"unnamed-study-{tag}.txt"
    upload_text = (
        f"Results of an unnamed study {tag}\n\n"
        "In all, 48 participants were randomised to the new tablet or to placebo.\n\n"
        "After 12 weeks, 20 of 24 patients on the tablet had responded.\n"
    )
    uploaded_id = ""
    asked: list[dict] = []
    page_errors: list[str] = []
    shots = SHOTS or tmp_path
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.set_default_timeout(TIMEOUT_MS)
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
            suggestions = page.locator("#suggestion-list button")
            chips = page.locator("#scope-chips li")

            # An empty conversation shows the server's suggestions; a click asks one, unfiltered.
            expected = http.get("/v1/suggestions", params={"limit": 4}).json()["suggestions"]
            assert len(expected) == 4
            expect(suggestions).to_have_text([s["question"] for s in expected])
            expect(page.locator("#scope-label")).to_have_text("Asking all documents")
            expect(chips).to_have_count(0)
            with page.expect_response(is_stream):
                suggestions.nth(2).click()
            expect(turns).to_have_count(1)
            expect(turns.first).not_to_have_class(re.compile(r"streaming|abstained"))
            expect(turns.first.locator(".q-text")).to_have_text(expected[2]["question"])
            assert asked[-1] == {"question": expected[2]["question"]}
            expect(page.locator("#suggestions")).to_be_hidden()  # not once the chat has begun

            # Filters offer what is indexed; choosing a trial adds a chip and the suggestions
            # and documents on offer follow it.
            page.click("#new-conversation")
            expect(suggestions.first).to_be_visible()
            page.click("#filters-toggle")
            expect(page.locator("#filters-toggle")).to_have_attribute("aria-expanded", "true")
            assert option_values(page, "#filter-trial") == trials
            assert option_values(page, "#filter-source_type") == types
            assert option_values(page, "#filter-doc_id") == set(title)
            page.select_option("#filter-trial", "AQUILA")
            expect(chips).to_have_text(["Trial: AQUILA✕"])
            aquila = {d["doc_id"] for d in documents if d["metadata"].get("trial") == "AQUILA"}
            expect(page.locator("#filter-doc_id option")).to_have_count(len(aquila) + 1)
            assert option_values(page, "#filter-doc_id") == aquila
            scoped = http.get("/v1/suggestions", params={"limit": 4, "trial": "AQUILA"}).json()
            expect(suggestions).to_have_text([s["question"] for s in scoped["suggestions"]])
            page.select_option("#filter-source_type", "summary")
            expect(chips).to_have_text(["Trial: AQUILA✕", "Source type: summary✕"])
            expect(page.locator("#scope-clear")).to_be_visible()
            page.screenshot(path=shots / "scope-desktop.png")
            page.click("#filters-done")
            expect(page.locator("#filters-panel")).to_be_hidden()

            # Every question goes with the filters, and the turn says so, until they are removed.
            both = {"trial": ["AQUILA"], "source_type": ["summary"]}
            ask_on_page(page, "What was the overall response rate?")
            assert asked[-1]["filters"] == both
            expect(turns.last.locator(".scope-note")).to_have_text(
                "Asked with filters: Trial: AQUILA · Source type: summary"
            )
            assert cited_documents(turns.last) and cited_documents(turns.last) <= aquila
            ask_on_page(page, "What was the 60-month PFS?")
            assert asked[-1]["filters"] == both and "conversation_id" in asked[-1]
            expect(turns.last.locator(".answer-text")).to_contain_text("63.1%")
            page.screenshot(path=shots / "scope-answer-desktop.png")
            chips.filter(has_text="Source type").get_by_role("button").click()
            expect(chips).to_have_text(["Trial: AQUILA✕"])
            expect(page.locator("#question")).to_be_focused()
            ask_on_page(page, "How many patients were enrolled?")
            assert asked[-1]["filters"] == {"trial": ["AQUILA"]}
            chips.get_by_role("button").click()
            expect(chips).to_have_count(0)
            expect(page.locator("#scope-label")).to_have_text("Asking all documents")
            ask_on_page(page, "What was the CRS rate in LINKER-SMM1?")
            assert "filters" not in asked[-1]

            # "Ask this document" from the documents panel: that one document, and suggestions
            # drawn from it on a new conversation.
            item = page.locator("#doc-list li", has_text="e3a06-results-table")
            item.get_by_role("button", name=re.compile("^Ask only e3a06-results-table")).click()
            expect(chips).to_have_text([f"Document: {title['e3a06-results-table']}✕"])
            expect(page.locator("#question")).to_be_focused()
            page.click("#new-conversation")
            one = http.get("/v1/suggestions", params={"limit": 4, "doc_id": "e3a06-results-table"})
            one = one.json()["suggestions"]
            assert one and all(s["doc_ids"] == ["e3a06-results-table"] for s in one)
            expect(suggestions).to_have_text([s["question"] for s in one])
            with page.expect_response(is_stream):
                suggestions.first.click()
            expect(turns.first).not_to_have_class(re.compile(r"streaming"))
            assert asked[-1] == {"question": one[0]["question"],
                                 "filters": {"doc_id": ["e3a06-results-table"]}}  # fmt: skip
            assert cited_documents(turns.first) <= {"e3a06-results-table"}

            # Right after an upload: one press scopes the questions to the new document, whose
            # suggestions (it names no trial) ask about "this study".
            with page.expect_response(
                lambda r: r.url.endswith("/v1/documents") and r.request.method == "POST"
            ) as up:
                page.set_input_files(
                    "#upload-input",
                    files=[{"name": upload_name, "mimeType": "text/plain",
                            "buffer": upload_text.encode()}],
                )  # fmt: skip
            assert up.value.status == 200
            uploaded_id = up.value.json()["doc_id"]
            expect(page.locator("#upload-status")).to_contain_text("Added")
            page.click("#new-conversation")
            page.click("#upload-ask")
            expect(chips).to_have_text([f"Document: {up.value.json()['title']}✕"])
            expect(suggestions).to_have_text(["How many patients were enrolled in this study?"])
            with page.expect_response(is_stream):
                suggestions.first.click()
            expect(turns.first.locator(".answer-text")).to_contain_text("48 participants")
            assert asked[-1]["filters"] == {"doc_id": [uploaded_id]}
            assert cited_documents(turns.first) == {uploaded_id}
            assert not page.evaluate(SMALL_CONTROLS)

            # Deleting the document in scope removes its filter, and says so.
            delete = page.locator("#doc-list li", has_text=uploaded_id).locator("button.delete")
            delete.click()
            delete.click()
            expect(page.locator("#doc-list li", has_text=uploaded_id)).to_have_count(0)
            expect(chips).to_have_count(0)
            expect(page.locator("#status")).to_contain_text("filter was removed")
        finally:
            browser.close()
            if uploaded_id:
                http.delete(f"/v1/documents/{uploaded_id}")
            http.close()
    assert not page_errors, page_errors


def test_phone_keeps_the_question_box_on_screen_and_controls_finger_sized(live_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    http = httpx.Client(base_url=live_server, timeout=60)
    conversation = f"phone-{uuid.uuid4().hex}"
    for question in ("What was the overall response rate in LINKER-SMM1?", "and the CRS rate?"):
        answered = http.post(
            "/v1/ask", json={"question": question, "conversation_id": conversation}
        )
        assert answered.status_code == 200, answered.text
    http.close()
    shots = SHOTS or tmp_path
    page_errors: list[str] = []

    def box_stays_clear(page) -> None:
        """The question box is in the viewport and nothing covers it."""
        question = page.locator("#question")
        expect(question).to_be_in_viewport(ratio=1)
        box = question.bounding_box()
        hit = page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y).id",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        assert hit == "question"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.set_default_timeout(TIMEOUT_MS)
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            page.goto(f"{live_server}/")
            page.evaluate(f"localStorage.setItem('trialqa.conversation', '{conversation}')")
            page.reload()
            turns = page.locator("#turns li.turn")
            expect(turns).to_have_count(2)
            box_stays_clear(page)

            # Scoped from the documents panel at the bottom of the page: the box is still there,
            # and the end of the page is not hidden behind it.
            item = page.locator("#doc-list li", has_text="linker-smm1-interview")
            item.locator("button.ask-doc").click()
            expect(page.locator("#scope-chips li")).to_have_count(1)
            page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
            box_stays_clear(page)
            last = page.locator("#doc-list li").last.bounding_box()
            form = page.locator("#ask-form").bounding_box()
            assert last["y"] + last["height"] <= form["y"] + 1, (last, form)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390

            # Asked from the pinned box; the new turn scrolls into view above it.
            page.fill("#question", "What was the CRS rate?")
            with page.expect_response(is_stream):
                page.press("#question", "Enter")
            expect(turns).to_have_count(3)
            expect(turns.last).not_to_have_class(re.compile(r"streaming"))
            expect(turns.last.locator(".scope-note")).to_contain_text("Document:")
            page.evaluate("window.scrollTo(0, 0)")
            box_stays_clear(page)
            assert not page.evaluate(SMALL_CONTROLS)
            turns.last.locator(".answer-text").scroll_into_view_if_needed()
            page.evaluate("window.scrollBy(0, -120)")
            page.screenshot(path=shots / "scope-phone.png")

            # The reader opens as a sheet above the box, which stays usable.
            turns.last.locator(".answer-text button.cite").first.click()
            expect(page.locator("#reader-text mark")).to_be_in_viewport()
            reader = page.locator("#reader").bounding_box()
            form = page.locator("#ask-form").bounding_box()
            assert reader["y"] + reader["height"] <= form["y"] + 1, (reader, form)
            box_stays_clear(page)

            # The filters panel opens within the screen, its controls finger-sized too.
            page.click("#reader-close")
            page.click("#filters-toggle")
            expect(page.locator("#filter-source_type")).to_be_in_viewport()
            assert not page.evaluate(SMALL_CONTROLS)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        finally:
            browser.close()
    assert not page_errors, page_errors
