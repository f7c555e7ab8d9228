"""The chat page's "Check a text" mode: each claim with its verdict, figures and clickable
citations. Real server, real engine, headless Chromium."""

from __future__ import annotations

import httpx
import pytest

from tests.api.test_page import CHROMIUM_ARGS, chromium_path, open_fresh

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEXT = (
    "In LINKER-SMM1, the overall response rate was 100% among 19 evaluable patients. "
    "Cytokine release syndrome occurred in 55% of patients in LINKER-SMM1. Hello."
)
VERDICTS = {"supported": "Supported", "contradicted": "Contradicted",
            "not_found": "Not found in the sources"}  # fmt: skip


def test_check_a_text_shows_claims_numbers_and_citations(live_server):
    from playwright.sync_api import expect, sync_playwright

    expected = httpx.post(f"{live_server}/v1/check", json={"text": TEXT}, timeout=120).json()
    assert [c["verdict"] for c in expected["claims"]] == ["supported", "contradicted"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 800})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            open_fresh(page, live_server)
            expect(page.locator("#check-row")).to_be_hidden()
            page.locator("#mode-check").click()
            expect(page.locator("#mode-check")).to_have_attribute("aria-pressed", "true")
            expect(page.locator("#ask-row")).to_be_hidden()
            page.locator("#check-text").fill(TEXT)
            with page.expect_response(lambda r: r.url.endswith("/v1/check")) as posted:
                page.locator("#check").click()
            assert posted.value.status == 200
            turn = page.locator("#turns li.check-turn").last
            claims = turn.locator("li.claim")
            expect(claims).to_have_count(2)
            for i, claim in enumerate(expected["claims"]):
                shown = claims.nth(i)
                assert shown.get_attribute("data-verdict") == claim["verdict"]
                expect(shown.locator(".claim-verdict")).to_have_text(VERDICTS[claim["verdict"]])
                expect(shown.locator(".claim-text")).to_have_text(claim["text"])
                statuses = [n.get_attribute("data-status")
                            for n in shown.locator("li.claim-number").all()]  # fmt: skip
                assert statuses == [n["status"] for n in claim["numbers"]]
                quotes = shown.locator(".sources blockquote").all_inner_texts()
                assert quotes == [c["quote"] for c in claim["citations"]]
            # what the source says of the contradicted figure, and its marker opens the quote
            differs = claims.nth(1).locator('li.claim-number[data-status="differs"]')
            expect(differs.locator("q")).to_have_text(
                expected["claims"][1]["numbers"][0]["source_says"]
            )
            differs.locator("button.cite").first.click()
            expect(page.locator("#reader")).to_be_visible()
            cited = expected["claims"][1]["citations"][0]
            expect(page.locator("#reader-text mark")).to_have_text(cited["quote"])
            # a text with no claim says so; an empty one is refused with the server's message
            page.locator("#check-text").fill("Hello.")
            with page.expect_response(lambda r: r.url.endswith("/v1/check")):
                page.locator("#check").click()
            expect(page.locator("#turns li.check-turn")).to_have_count(2)
            expect(
                page.locator("#turns li.check-turn").last.locator(".check-message")
            ).to_contain_text("no checkable claim")
            page.locator("#mode-ask").click()
            expect(page.locator("#ask-row")).to_be_visible()
            assert errors == []
        finally:
            browser.close()
