"""Evidence tables over HTTP and on the page (issue 21 item 1): /v1/ask, the SSE stream's final
answer and the OpenAI-compatible endpoint carry the table; the page renders it (markers open
the reader), downloads it as CSV and scrolls it at phone width. Real server over the shipped
corpus, real engine, headless Chromium. With TRIALQA_README_SHOT=1 it refreshes docs/tables-*.png."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest

from tests.api.test_chat_scope import SMALL_CONTROLS
from tests.api.test_page import CHROMIUM_ARGS, ask_on_page, chromium_path, open_fresh
from tests.conftest import run_cli

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

QUESTION = "Compare the overall response rates of LINKER-SMM1, AQUILA and E3A06"
TRIALS = ["LINKER-SMM1", "AQUILA", "E3A06"]


def events(text: str) -> list[tuple[str, str]]:
    out = []
    for block in text.strip().split("\n\n"):
        name = re.search(r"^event: (.*)$", block, re.M)
        data = "\n".join(line[6:] for line in block.splitlines() if line.startswith("data: "))
        out.append((name.group(1) if name else "message", data))
    return out


def test_the_table_travels_in_ask_stream_and_chat_completions(http):
    answer = http.post("/v1/ask", json={"question": QUESTION}).json()
    table = answer["table"]
    assert [row[0]["text"] for row in table["rows"]] == TRIALS
    numbers = {c["n"] for c in answer["citations"]}
    assert {n for row in table["rows"] for cell in row for n in cell["cited"]} <= numbers
    assert all(row[1]["cited"] for row in table["rows"])
    assert "not head-to-head" in table["note"]
    assert http.post("/v1/ask", json={"question": "What was the overall response rate in "
                                      "AQUILA?"}).json()["table"] is None  # fmt: skip

    streamed = http.post("/v1/ask/stream", json={"question": QUESTION})
    final = [json.loads(d) for name, d in events(streamed.text) if name == "answer"]
    assert final and final[0]["table"] == table

    body = {"model": "trialqa-extractive", "messages": [{"role": "user", "content": QUESTION}]}
    completion = http.post("/v1/chat/completions", json=body).json()
    message = completion["choices"][0]["message"]
    assert message["table"] == table and completion["table"] == table
    content = message["content"]
    assert content.startswith(answer["answer"])
    header = "| " + " | ".join(table["columns"]) + " |"
    assert header in content
    for trial in TRIALS:
        assert re.search(rf"^\| {re.escape(trial)}\b.*\|$", content, re.M), trial
    chunks = http.post("/v1/chat/completions", json=body | {"stream": True}).text
    data = [json.loads(d) for _, d in events(chunks) if d != "[DONE]"]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in data)
    assert text == content
    assert data[-1]["table"] == table


def test_the_cli_prints_the_table_after_the_answer(server_store):
    done = run_cli("ask", QUESTION, store=server_store)
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| Trial | overall response rates |")
    assert [row.split(" | ")[0].lstrip("| ").split(" [")[0] for row in rows[1:]] == TRIALS
    assert "not head-to-head" in done.stdout


PHONE_OVERFLOW = """() => {
  const box = document.querySelector("#turns li.turn:last-child .evidence-scroll");
  return [box.scrollWidth > box.clientWidth, document.documentElement.scrollWidth <= innerWidth];
}"""
SMALL_TABLE_MARKERS = """() => [...document.querySelectorAll(".evidence-table button.cite")]
  .map(b => b.getBoundingClientRect()).filter(r => r.width < 44 || r.height < 44).length"""


@pytest.mark.browser
def test_the_page_renders_downloads_and_scrolls_the_table(http, live_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    answer = http.post("/v1/ask", json={"question": QUESTION}).json()
    shots = ROOT / "docs" if os.environ.get("TRIALQA_README_SHOT") else tmp_path
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
            open_fresh(page, live_server)
            turn = ask_on_page(page, QUESTION)
            rows = turn.locator(".evidence-table tbody tr")
            expect(rows).to_have_count(3)
            names = rows.locator("th").evaluate_all("ths => ths.map(t => t.firstChild.textContent)")
            assert names == TRIALS
            headers = turn.locator(".evidence-table thead th").all_inner_texts()
            assert headers == answer["table"]["columns"]
            expect(turn.locator(".evidence-note")).to_contain_text("not head-to-head")
            value = rows.nth(1).locator("td").first
            expect(value).to_contain_text(answer["table"]["rows"][1][1]["text"])
            turn.locator(".evidence").evaluate("e => e.scrollIntoView({block: 'center'})")
            page.screenshot(path=shots / "tables-desktop.png")

            # A marker in a cell opens the reader on that citation's quote.
            n = answer["table"]["rows"][1][1]["cited"][0]
            value.locator("button.cite").first.click()
            expect(page.locator("#reader-mark")).to_be_visible()
            quote = next(c["quote"] for c in answer["citations"] if c["n"] == n)
            expect(page.locator("#reader-mark")).to_have_text(quote)
            page.keyboard.press("Escape")

            # Download CSV: the columns, one line per trial, the note.
            with page.expect_download() as download:
                turn.locator("button.evidence-csv").click()
            text = download.value.path().read_text(encoding="utf-8")
            lines = list(csv.reader(io.StringIO(text)))
            assert lines[0] == answer["table"]["columns"] + ["Citations"]
            assert [line[0].split(" [")[0] for line in lines[1:4]] == TRIALS
            assert "not head-to-head" in lines[4][0]
            for line, row in zip(lines[1:4], answer["table"]["rows"], strict=True):
                assert line[1].startswith(row[1]["text"])
                for n in row[1]["cited"]:
                    assert f"[{n}]" in line[5]

            # Phone width: the table scrolls inside its box, the page does not; targets >= 44 px.
            page.set_viewport_size({"width": 390, "height": 844})
            turn.locator(".evidence").scroll_into_view_if_needed()
            assert page.evaluate(PHONE_OVERFLOW) == [True, True]
            assert page.evaluate(SMALL_TABLE_MARKERS) == 0
            assert not page.evaluate(SMALL_CONTROLS)
            turn.locator(".evidence-csv").evaluate("e => e.scrollIntoView({block: 'center'})")
            page.screenshot(path=shots / "tables-phone.png")
        finally:
            browser.close()
