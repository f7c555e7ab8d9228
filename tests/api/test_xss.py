"""The chat page never runs a document's content: titles, text, file names, metadata, quotes,
error messages and restored history reach the page as text, in headless Chromium.

A server of its own serves a store the CLI ingested from documents full of payloads (.txt, .md
and .html; the HTML loader drops real ``<script>`` bodies, so its payloads are escaped text that
the loader turns back into ``<script>``). The page asks questions whose answers quote them, opens
every citation in the reader, lists the documents, uploads files named with payloads, restores
the history, and must show every payload verbatim while nothing runs and no element is made
from it.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.api.test_page import CHROMIUM_ARGS, TIMEOUT_MS, chromium_path, is_stream
from tests.conftest import run_cli, serving

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
SVG = '"><svg onload=window.__pwned=1>'
BARE_SVG = "<svg onload=window.__pwned=1>"
JS_URL = "javascript:window.__pwned=1"

DOCS = {
    "vortex-7-report.txt": f"""---
title: VORTEX-7 report {SCRIPT}
trial: VORTEX-7
publisher: '{IMG}'
note: '{SVG}'
---
VORTEX-7 is a made-up phase 2 trial of zarnotamab in relapsed myeloma.

In VORTEX-7, the overall response rate with zarnotamab was 61% {SCRIPT} among 40 evaluable \
patients.

Grade 3 neutropenia in VORTEX-7 occurred in 18% of patients {IMG} during induction.
""",
    "vortex-7-notes.md": f"""---
title: 'VORTEX-7 notes {SVG}'
trial: VORTEX-7
---
# VORTEX-7 safety notes {IMG}

Cytokine release syndrome in VORTEX-7 was reported in 27% of patients {SVG} and was all grade 1.

The VORTEX-7 protocol is at [{JS_URL}]({JS_URL}) for reviewers.
""",
    "vortex-7-page.html": f"""<!doctype html>
<html><head>
<title>VORTEX-7 page &lt;img src=x onerror="window.__pwned=1"&gt;</title>
<meta name="trial" content="VORTEX-7">
<meta name="publisher" content="&lt;script&gt;window.__pwned=1&lt;/script&gt;">
<script>window.__pwned = 1</script>
</head><body>
<h1>VORTEX-7 follow-up</h1>
<p>In VORTEX-7, the median progression-free survival with zarnotamab was 14.2 months
&lt;script&gt;window.__pwned=1&lt;/script&gt; at the data cutoff.</p>
<p>Infections in VORTEX-7 occurred in 33% of patients &lt;svg onload=window.__pwned=1&gt;
overall.</p>
<p>The VORTEX-7 <a href="{JS_URL}">{JS_URL}</a> appendix lists the sites.</p>
<img src=x onerror="window.__pwned=1">
</body></html>
""",
    # A file name, and a trial name in the text, that are payloads themselves.
    f"{IMG}.txt": f"""VORTEX-7 dosing {BARE_SVG}

Zarnotamab in VORTEX-7 was given weekly at 12 mg {IMG} after step-up dosing.
""",
}

# question -> a payload its turn (answer or quotes) must show as text
QUESTIONS = {
    "What was the overall response rate in VORTEX-7?": SCRIPT,
    "How common was grade 3 neutropenia in VORTEX-7?": IMG,
    "What was the rate of cytokine release syndrome in VORTEX-7?": SVG,
    "What was the median progression-free survival in VORTEX-7?": SCRIPT,
    "How often did infections occur in VORTEX-7?": BARE_SVG,
    "Where is the VORTEX-7 protocol?": JS_URL,
    "What weekly dose of zarnotamab was given in VORTEX-7?": IMG,
}
TITLES = [f"VORTEX-7 report {SCRIPT}", f"VORTEX-7 notes {SVG}", f"VORTEX-7 page {IMG}"]

UPLOAD_NAME = f"{BARE_SVG}.md"
UPLOAD_TEXT = f"""---
title: 'QUASAR-3 upload {IMG}'
trial: QUASAR-3
---
# QUASAR-3 {SCRIPT}

In QUASAR-3, complete response occurred in 9 of 30 patients {SCRIPT} after two cycles.
"""
# (Chromium sends a double quote in a multipart file name as %22, so this one has none.)
BAD_NAME = "<img src=x onerror=window.__pwned=1>.exe"

# Elements content must never become, counted inside the panes that show server text.
PANES = ["#turns", "#reader", "#doc-list", "#upload-status", "#status"]
MADE = "script, img, svg, iframe, object, embed, a, style, link, base, form, math"
HANDLERS = """() => [...document.querySelectorAll('*')]
  .flatMap(e => [...e.attributes].filter(a => /^on/i.test(a.name) || /javascript:/i.test(a.value))
  .map(a => `${e.tagName}[${a.name}=${a.value}]`))"""


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("xss-docs")
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    store = tmp_path_factory.mktemp("xss-store")
    done = run_cli("ingest", str(folder), store=store)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 added" in done.stdout + done.stderr
    with serving(store, tmp_path_factory.mktemp("xss-log") / "server.log") as url:
        yield url


def test_page_is_served_with_a_policy_that_runs_only_its_own_script(xss_server):
    response = httpx.get(f"{xss_server}/")
    assert response.status_code == 200
    policy = {
        d.split()[0]: d.split()[1:]
        for d in response.headers["content-security-policy"].split(";")
        if d.strip()
    }
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in s or s == "*" for sources in policy.values() for s in sources)
    assert response.headers["x-content-type-options"] == "nosniff"


def test_document_content_never_runs_on_the_page(xss_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    def text_of(doc_id: str) -> str:
        return httpx.get(f"{xss_server}/v1/documents/{doc_id}", timeout=30).json()["text"]

    docs = httpx.get(f"{xss_server}/v1/documents").json()["documents"]
    assert sorted(d["title"] for d in docs if "VORTEX-7 dosing" not in d["title"]) == sorted(TITLES)

    dialogs: list[str] = []
    console: list[tuple[str, str]] = []
    page_errors: list[str] = []
    (tmp_path / "upload.md").write_text(UPLOAD_TEXT, encoding="utf-8")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(TIMEOUT_MS)
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("console", lambda m: console.append((m.type, m.text)))
            page.on("pageerror", lambda e: page_errors.append(str(e)))

            def nothing_ran(where: str) -> None:
                assert page.evaluate("typeof window.__pwned") == "undefined", where
                assert dialogs == [], where
                for pane in PANES:
                    made = page.locator(pane).evaluate(
                        f"el => [...el.querySelectorAll({MADE!r})].map(e => e.outerHTML)"
                    )
                    assert made == [], f"{where}: {pane} holds {made}"
                assert page.evaluate("document.scripts.length") == 1, where  # app.js only
                assert page.evaluate(HANDLERS) == [], where
                errors = [c for c in console if c[0] == "error"]
                assert not errors, f"{where}: {errors}"
                assert not page_errors, f"{where}: {page_errors}"

            page.goto(f"{xss_server}/")
            page.evaluate("localStorage.clear()")
            page.reload()
            listing = page.locator("#doc-list")
            expect(listing.locator("li")).to_have_count(len(DOCS))
            for title in TITLES:
                expect(listing.locator(".doc-title", has_text=title)).to_be_visible()
            nothing_ran("documents listed")

            turns = page.locator("#turns li.turn")
            question = page.locator("#question")
            quoted: set[str] = set()
            for i, (asked, payload) in enumerate(QUESTIONS.items()):
                question.fill(asked)
                with page.expect_response(is_stream):
                    question.press("Enter")
                turn = turns.nth(i)
                expect(turn).not_to_have_class(re.compile(r"streaming"))
                expect(page.locator("#ask")).to_be_enabled()
                expect(turn.locator(".q-text")).to_have_text(asked)
                expect(turn.locator(".a")).to_contain_text(payload)
                # Every citation opens in the reader, its quote highlighted as text.
                sources = turn.locator(".sources li")
                assert sources.count() >= 1, asked
                for j in range(sources.count()):
                    source = sources.nth(j)
                    quote = source.locator("blockquote").text_content()
                    quoted.add(quote)
                    source.locator("button.cite").click()
                    mark = page.locator("#reader-text mark")
                    expect(mark).to_have_text(quote)
                    doc_id = re.search(r"· (\S+) · characters", source.inner_text()).group(1)
                    expect(page.locator("#reader-text")).to_have_text(text_of(doc_id))
                    title = source.locator(".source-title").text_content()
                    expect(page.locator("#reader-title")).to_have_text(title)
                    nothing_ran(f"{asked!r}, citation {j + 1}")
            # Each form of payload was quoted somewhere, as the words it is.
            for payload in (SCRIPT, IMG, SVG, BARE_SVG, JS_URL):
                assert any(payload in q for q in quoted), payload
            page.screenshot(path=tmp_path / "answers.png", full_page=True)

            # A question that is itself a payload is shown as typed, and so is its abstention.
            question.fill(f"{IMG} {SCRIPT}")
            with page.expect_response(is_stream):
                question.press("Enter")
            last = turns.last
            expect(last).not_to_have_class(re.compile(r"streaming"))
            expect(last.locator(".q-text")).to_have_text(f"{IMG} {SCRIPT}")
            nothing_ran("payload question")

            # A file named with a payload, holding payloads, uploaded with the file chooser.
            with page.expect_response(
                lambda r: r.url.endswith("/v1/documents") and r.request.method == "POST"
            ) as up:
                page.set_input_files(
                    "#upload-input",
                    {
                        "name": UPLOAD_NAME,
                        "mimeType": "text/markdown",
                        "buffer": UPLOAD_TEXT.encode(),
                    },
                )
            assert up.value.status == 200, up.value.text()
            status = page.locator("#upload-status")
            expect(status).to_contain_text(f"QUASAR-3 upload {IMG}")
            expect(listing.locator(".doc-title", has_text=f"QUASAR-3 upload {IMG}")).to_be_visible()
            nothing_ran("uploaded")
            question.fill("How many patients had a complete response in QUASAR-3?")
            with page.expect_response(is_stream):
                question.press("Enter")
            expect(turns.last).not_to_have_class(re.compile(r"streaming"))
            expect(turns.last.locator(".a")).to_contain_text(SCRIPT)
            turns.last.locator(".sources button.cite").first.click()
            expect(page.locator("#reader-title")).to_have_text(f"QUASAR-3 upload {IMG}")
            expect(page.locator("#reader-text mark")).to_contain_text(SCRIPT)
            nothing_ran("uploaded document asked about and read")

            # An unsupported file named with a payload: the server's error names it, as text.
            with page.expect_response(
                lambda r: r.url.endswith("/v1/documents") and r.request.method == "POST"
            ) as bad:
                page.set_input_files(
                    "#upload-input",
                    {"name": BAD_NAME, "mimeType": "application/octet-stream", "buffer": b"MZ"},
                )
            assert bad.value.status == 415
            expect(status).to_contain_text("Upload failed")
            expect(status).to_contain_text(BAD_NAME)
            # Chromium logs the refused upload's 415 as a console error: that one is expected.
            console[:] = [c for c in console if "415" not in c[1]]
            nothing_ran("unsupported upload")

            # The history restored from the server after a reload is text as well.
            answers = [t.locator(".a").text_content() for t in turns.all()]
            page.reload()
            expect(turns).to_have_count(len(answers))
            assert [t.locator(".a").text_content() for t in turns.all()] == answers
            expect(listing.locator("li")).to_have_count(len(DOCS) + 1)
            turns.first.locator(".answer-text button.cite, .sources button.cite").first.click()
            expect(page.locator("#reader-text mark")).to_contain_text(SCRIPT)
            nothing_ran("history restored")
            page.screenshot(path=tmp_path / "restored.png", full_page=True)
        finally:
            browser.close()


def test_the_policy_stops_markup_that_reaches_the_page_anyway(xss_server):
    """The second line of defence: even markup put into the page as HTML cannot run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(f"{xss_server}/")
            violations = page.evaluate(
                """async (payloads) => {
                  const seen = [];
                  document.addEventListener("securitypolicyviolation",
                    (e) => seen.push(e.violatedDirective));
                  const box = document.createElement("div");
                  document.body.appendChild(box);
                  box.innerHTML = payloads.join(" ");  // what app.js must never do
                  const s = document.createElement("script");
                  s.textContent = "window.__pwned = 1";
                  document.body.appendChild(s);
                  const a = box.querySelector("a");
                  if (a) a.click();
                  await new Promise((r) => setTimeout(r, 500));
                  return seen;
                }""",
                [
                    f'<a href="{JS_URL}">x</a>',
                    '<iframe src="javascript:alert(1)"></iframe>',
                    IMG,
                    SVG,
                ],
            )
            assert page.evaluate("typeof window.__pwned") == "undefined"
            assert dialogs == []
            assert violations and all(v.startswith("script-src") for v in violations), violations
        finally:
            browser.close()
