"""Provenance on the page and over HTTP (issue 21, item 2): every citation of a document with
front matter carries its source type and date; the sources, the reader and the documents panel
show kind, publisher, date and a link to the original; documents are grouped by trial and the
summaries written for the corpus say so. Real server over the shipped corpus, real engine,
headless Chromium. With TRIALQA_README_SHOT=1 it refreshes docs/provenance-*.png."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.api.test_chat_scope import SMALL_CONTROLS
from tests.api.test_page import CHROMIUM_ARGS, TIMEOUT_MS, ask_on_page, chromium_path, open_fresh

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ORR = "What was the overall response rate in LINKER-SMM1?"
KIND = {"summary": "Summary (not a primary report)", "interview": "Interview",
        "registry": "Registry record"}  # fmt: skip
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def shown_date(date: str) -> str:
    parts = date.split("-")
    if len(parts) == 1:
        return parts[0]
    month = MONTHS[int(parts[1]) - 1]
    return f"{month} {parts[0]}" if len(parts) == 2 else f"{int(parts[2])} {month} {parts[0]}"


def test_citations_and_documents_carry_provenance_over_http(http):
    documents = http.get("/v1/documents").json()["documents"]
    by_id = {d["doc_id"]: d for d in documents}
    for d in documents:
        p, meta = d["provenance"], d["metadata"]
        assert p["source_type"] == meta["source_type"] and p["date"], d["doc_id"]
        if meta.get("publisher", "").startswith("TrialQA corpus"):
            assert p["source_type"] == "summary", d["doc_id"]  # written for the corpus
    assert by_id["nct01642004"]["provenance"] == {
        "source_type": "registry", "publisher": "ClinicalTrials.gov", "date": "2016-03-17",
        "date_precision": "day", "url": "https://clinicaltrials.gov/study/NCT01642004",
    }  # fmt: skip
    assert by_id["aquila-news"]["provenance"]["date"] == "2025"  # date_precision: year

    answer = http.post("/v1/ask", json={"question": ORR}).json()
    for c in answer["citations"]:
        p = by_id[c["doc_id"]]["provenance"]
        assert {k: c[k] for k in p} == p  # every citation: the document's provenance
    first = answer["citations"][0]
    assert first["source_type"] == "interview" and first["publisher"] == "Targeted Oncology"
    # Older clients ignore the new fields; an answer without them still validates.
    from assistant.models import Answer

    bare = {k: v for k, v in first.items() if k not in p}
    assert Answer.model_validate({**answer, "citations": [bare]}).citations[0].url is None


@pytest.mark.browser
def test_the_page_shows_provenance_and_groups_documents_by_trial(http, live_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    documents = http.get("/v1/documents").json()["documents"]
    trials = {}
    for d in documents:
        trial = d["metadata"].get("trial")
        trial = (trial[0] if isinstance(trial, list) else trial) or "Other documents"
        trials.setdefault(trial, set()).add(d["doc_id"])
    shots = ROOT / "docs" if os.environ.get("TRIALQA_README_SHOT") else tmp_path
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            open_fresh(page, live_server)

            # The documents panel: one heading per trial, its documents right under it.
            items = page.locator("#doc-list li")
            expect(items).to_have_count(len(documents))
            headings = page.locator("#doc-list .doc-group")
            expect(headings).to_have_count(len(trials))
            listed = page.eval_on_selector_all(
                "#doc-list li",
                "ls => ls.map(l => [l.querySelector('.doc-group')?.firstChild.textContent ?? null,"
                " l.dataset.docId])",
            )
            groups, current = {}, None
            for heading, doc_id in listed:
                current = heading or current
                groups.setdefault(current, set()).add(doc_id)
            assert groups == trials  # each trial's documents are contiguous, under its name
            named = [h for h, _ in listed if h]
            assert named[-1] == "Other documents" or "Other documents" not in trials
            for d in documents:
                item = page.locator(f"#doc-list li[data-doc-id='{d['doc_id']}']")
                kind = KIND.get(d["provenance"]["source_type"])
                if kind:
                    expect(item.locator(".provenance .kind")).to_have_text(kind)
                expect(item.locator(".provenance time")).to_have_text(
                    shown_date(d["provenance"]["date"])
                )
            registry = page.locator("#doc-list li[data-doc-id='nct01642004'] a.original")
            assert registry.get_attribute("href") == "https://clinicaltrials.gov/study/NCT01642004"
            assert registry.get_attribute("rel") == "noopener noreferrer"

            # An answer's sources: the interview (a primary report) first, then the summary.
            turn = ask_on_page(page, ORR)
            sources = turn.locator(".sources li")
            expect(sources.first).to_be_visible()
            expect(turn.locator(".answer-text")).to_contain_text("100%")
            first = sources.first.locator(".provenance")
            expect(first.locator(".kind")).to_have_text("Interview")
            expect(first).to_contain_text("Targeted Oncology")
            expect(first.locator("time")).to_have_text("23 Sep 2025")
            href = first.locator("a.original").get_attribute("href")
            assert href.startswith("https://join.targetedonc.com/")
            kinds = sources.locator(".provenance .kind").all_text_contents()
            assert KIND["summary"] in kinds
            page.screenshot(path=shots / "provenance-desktop.png", full_page=False)

            # The reader: the cited document's provenance under its title.
            turn.locator(".answer-text button.cite").first.click()
            reader = page.locator("#reader-provenance")
            expect(reader).to_be_visible()
            expect(reader.locator(".kind")).to_have_text("Interview")
            expect(reader.locator("time")).to_have_text("23 Sep 2025")
            expect(page.locator("#reader-mark")).to_be_visible()
            assert not page.evaluate(SMALL_CONTROLS)
            page.screenshot(path=shots / "provenance-reader-desktop.png")

            # A summary's citation says it is one, in the reader too.
            summary_marker = next(i for i, k in enumerate(kinds) if k == KIND["summary"])
            n = sources.nth(summary_marker).get_attribute("data-n")
            turn.locator(f".sources li[data-n='{n}'] button.cite").click()
            expect(reader.locator(".kind")).to_have_text(KIND["summary"])
            assert re.search(r"TrialQA corpus", reader.text_content())

            phone = browser.new_page(viewport={"width": 390, "height": 844})
            phone.set_default_timeout(TIMEOUT_MS)
            phone.goto(f"{live_server}/")
            expect(phone.locator("#doc-list .doc-group").first).to_be_attached()
            phone.locator("#doc-list").scroll_into_view_if_needed()
            assert not phone.evaluate(SMALL_CONTROLS)
            phone.screenshot(path=shots / "provenance-phone.png", full_page=True)
        finally:
            browser.close()
