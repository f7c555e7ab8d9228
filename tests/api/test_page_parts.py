"""A question asking two things, one of which the documents do not answer: the API answers the
other part and names the unanswered one in a warning, and the chat page shows that warning under
the answer. Real server, real engine, headless Chromium."""

from __future__ import annotations

import httpx
import pytest

from tests.api.test_page import ask_on_page, chat_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTION = "How many patients were enrolled in AQUILA, and how many had hot flushes?"
UNANSWERED = "“How many had hot flushes?” is not answered"


def test_a_part_no_document_answers_is_named_on_the_page(live_server):
    from playwright.sync_api import expect

    body = httpx.post(f"{live_server}/v1/ask", json={"question": QUESTION}, timeout=60).json()
    assert not body["abstained"], body["answer"]
    assert any("AQUILA" in c["title"] or "aquila" in c["doc_id"] for c in body["citations"])
    notes = [w for w in body["warnings"] if w.startswith(UNANSWERED)]
    assert notes, body["warnings"]
    with chat_page(live_server) as page:
        turn = ask_on_page(page, QUESTION)
        expect(turn.locator(".notes li")).to_have_count(len(body["warnings"]))
        expect(turn.locator(".notes")).to_contain_text(notes[0])
        # a question answered whole has no notes
        other = ask_on_page(page, "How many patients were enrolled in AQUILA?")
        expect(page.locator("#turns li.turn")).to_have_count(2)
        expect(other.locator(".notes")).to_be_hidden()
