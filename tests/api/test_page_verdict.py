"""The chat page shows an effect question's verdict and a yes/no question's decision: the label,
the confidence and the cues, each cue a span of a quote it cites. Real server, real engine,
headless Chromium."""

from __future__ import annotations

import httpx
import pytest

from tests.api.test_page import ask_on_page, chat_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTION = (
    "What was the effect of daratumumab compared with active monitoring on progression in AQUILA?"
)
NAMES = {
    "significantly_increased": "Significantly higher",
    "significantly_decreased": "Significantly lower",
    "no_significant_difference": "No significant difference",
    "not_reported": "Not reported",
    "conflicting": "Conflicting evidence",
}


def shows_bottom_line(turn, kind: str, name: str, line: dict) -> list[str]:
    """The turn's ``kind`` panel is shown with ``line``'s label as ``name`` and its cues, which
    are returned."""
    from playwright.sync_api import expect

    panel = turn.locator(f".{kind}")
    expect(panel).to_be_visible()
    expect(panel.locator(f".{kind}-label")).to_have_text(name)
    assert panel.get_attribute("data-label") == line["label"]
    cues = panel.locator(f".{kind}-cues q").all_inner_texts()
    assert cues == line["cues"]
    return cues


def test_an_effect_question_shows_its_verdict_and_cues(live_server):
    from playwright.sync_api import expect

    body = httpx.post(f"{live_server}/v1/ask", json={"question": QUESTION}, timeout=60).json()
    verdict = body["verdict"]
    assert verdict is not None, body["answer"]
    with chat_page(live_server) as page:
        turn = ask_on_page(page, QUESTION)
        cues = shows_bottom_line(turn, "verdict", NAMES[verdict["label"]], verdict)
        quotes = turn.locator(".sources li").all_inner_texts()
        assert all(any(cue in quote for quote in quotes) for cue in cues)
        # a question that is no comparison has no verdict panel
        other = ask_on_page(page, "How many patients were enrolled in AQUILA?")
        expect(page.locator("#turns li.turn")).to_have_count(2)
        expect(other.locator(".verdict")).to_be_hidden()


def test_a_yes_no_question_shows_its_decision_and_cues(live_server):
    """A yes/no question's decision sits in its own panel, named, with the cues it rests on."""
    from playwright.sync_api import expect

    asked = "Did daratumumab reduce the risk of progression in AQUILA?"
    body = httpx.post(f"{live_server}/v1/ask", json={"question": asked}, timeout=60).json()
    decision = body["decision"]
    assert decision is not None, body["answer"]
    with chat_page(live_server) as page:
        turn = ask_on_page(page, asked)
        shows_bottom_line(turn, "decision", decision["label"].capitalize(), decision)
        # a question that asks for a figure has no decision
        other = ask_on_page(page, "How many patients were enrolled in AQUILA?")
        expect(page.locator("#turns li.turn")).to_have_count(2)
        expect(other.locator(".decision")).to_be_hidden()
