"""PDFs read as a person reads them (issue 19): real EI2 articles set in journal shapes.

Each layout is built by ``journal_pdf`` (reportlab) from a real full-text trial article in
../shared/data/evidence_inference, and what the loader reads back is held to the text that was
set: character F1 >= 0.98 up to whitespace, no running head, page number, line number or
watermark in any chunk, the title from the title block, tables only where tables are.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from assistant.errors import IngestError
from ingest.chunking import chunk_document
from ingest.loaders import document_from_bytes
from ingest.pdf_text import join_hyphen
from tests.ingest.journal_pdf import EI2, LAYOUTS, Style, char_f1, journal_article, render

needs_ei2 = pytest.mark.skipif(
    not (EI2 / "ei2_validation.json").is_file(),
    reason="../shared/data/evidence_inference is absent",
)
FURNITURE = re.compile(r"Page \d+|Rossi et al\.|J Clin Trial Rep|Downloaded from|\.\.\.")
_CACHE: dict = {}


def _read(layout: str, index: int = 0, **style):
    key = (layout, index, tuple(sorted(style.items())))
    if key not in _CACHE:
        article = journal_article(index, max_chars=25_000)
        base = LAYOUTS[layout]
        pdf, expected = render(article, Style(**{**base.__dict__, **style}))
        doc = document_from_bytes(pdf, name="paper.pdf", source="paper.pdf")
        _CACHE[key] = article, expected, doc
    return _CACHE[key]


@needs_ei2
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("index", [0, 1])
def test_text_equals_the_set_text_up_to_whitespace(layout, index):
    _, expected, doc = _read(layout, index)
    assert char_f1(doc.text, expected) >= 0.98, layout


@needs_ei2
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_no_page_furniture_in_any_chunk(layout):
    _, _, doc = _read(layout)
    for chunk in chunk_document(doc, max_chars=1000):
        assert not FURNITURE.search(chunk.text), (layout, FURNITURE.search(chunk.text), chunk.text)
        assert not re.search(r"^\d{1,3}$", chunk.text, re.M), "a line number or page number"


@needs_ei2
@pytest.mark.parametrize("metadata_title", [False, True])
def test_the_title_is_the_title_block_never_a_running_head(metadata_title):
    article, _, doc = _read("two-column", metadata_title=metadata_title)
    assert " ".join(doc.title.split()) == " ".join(article.title.split())
    assert not FURNITURE.search(doc.title)


@needs_ei2
def test_first_page_facts_reach_the_metadata():
    _, _, doc = _read("two-column")
    assert doc.metadata["authors"] == "Maria Rossi, John A. Smith, Li Wei and Ana Costa"
    assert doc.metadata["journal"] == "Journal of Clinical Trial Reports"
    assert doc.metadata["year"] == "2019"
    assert doc.metadata["doi"] == "10.1234/jctr.2019.0042"


@needs_ei2
@pytest.mark.parametrize("layout", ["two-column", "three-column", "changing (2, 3, 1, 2)"])
def test_tables_only_where_there_are_tables(layout):
    """The ruled table keeps its headers in every row, its caption above it; prose in columns
    is never rewritten as "left — header: right" rows."""
    article, _, doc = _read(layout)
    rows = [ln for ln in doc.text.split("\n") if " — " in ln and re.search(r"\(n=\d+\): ", ln)]
    assert rows == [
        "Primary outcome at 12 weeks — Intervention (n=120): 42 (35.0%); Control (n=118): "
        "27 (22.9%); P value: 0.04.",
        "Serious adverse events — Intervention (n=120): 6 (5.0%); Control (n=118): 5 (4.2%); "
        "P value: 0.77.",
        "Withdrawals — Intervention (n=120): 11; Control (n=118): 9; P value: 0.68.",
    ]
    at = doc.text.index("Columns: Outcome | Intervention (n=120)")
    assert doc.text[:at].rstrip().endswith(article.table_caption)
    assert len(re.findall(r"^.+ — [^:\n]{1,80}: .+\.$", doc.text, re.M)) == 3  # nothing else


@needs_ei2
def test_sections_are_headings_and_the_references_are_marked():
    article, _, doc = _read("two-column")
    chunks = chunk_document(doc, max_chars=1000)
    sections = Counter(c.section for c in chunks)
    assert "Abstract" in doc.text.split("\n")
    for heading, _ in article.sections[:3]:
        assert heading in doc.text.split("\n"), heading
    refs = [c for c in chunks if "Lancet Oncol 2003" in c.text]
    assert refs and all(c.section == "References" for c in refs)
    assert sections["References"] >= 1
    assert "BCMA-targeted and anti-CD38 therapy" in doc.text


@needs_ei2
def test_evidence_sentences_are_found_verbatim():
    """What a citation quotes is a span of the stored text: the EI2 evidence sentences of the
    article, as set, are found in the PDF's text exactly (whitespace as normalised)."""
    import json

    from ingest.loaders import normalise
    from tests.ingest.journal_pdf import drawable, ei2_article

    data = json.loads((EI2 / "ei2_validation.json").read_text())
    pmcid = sorted(data["articles"])[0]
    article, _, doc = _read("two-column")
    assert article.title == ei2_article(pmcid).title
    wanted = {
        " ".join(drawable(e["text"]).split())
        for p in data["prompts"]
        if p["pmcid"] == pmcid
        for e in p["evidence"]
        if "\n" not in e["text"].strip() and len(e["text"]) > 40
    }
    text = " ".join(normalise(doc.text).split())
    found = [w for w in wanted if w in text]
    assert wanted and len(found) >= 0.9 * len(wanted), set(wanted) - set(found)


@pytest.mark.parametrize(
    ("left", "right", "vocab", "joined"),
    [
        ("the treat-", "ment was", {"treatment": 2}, True),
        ("patients in-", "creased", {}, True),
        ("a BCMA-", "targeted agent", {"targeted": 1}, False),
        ("an anti-", "CD38 antibody", {}, False),
        ("at 5-", "year follow-up", {"year": 3}, False),
        ("the follow-", "up visit", {"follow": 1, "up": 4}, False),
        ("a placebo-", "controlled trial", {"placebo-controlled": 2}, False),
        ("an anti-", "emetic", {"emetic": 1}, False),
    ],
)
def test_hyphens_at_line_ends(left, right, vocab, joined):
    assert join_hyphen(left, right, Counter(vocab)) is joined


def test_a_pdf_pdfium_cannot_open_is_one_clear_line():
    bad = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" + b"\x00garbage" * 50
    with pytest.raises(IngestError) as err:
        document_from_bytes(bad, name="bad.pdf", source="bad.pdf")
    assert "bad.pdf" in str(err.value) and "\n" not in str(err.value)


@needs_ei2
@pytest.mark.parametrize("layout", ["two-column", "three-column"])
def test_paragraphs_come_back_as_paragraphs(layout):
    """A paragraph ends where the next starts indented, or where its last line ends short with
    closing punctuation; across column and page breaks it goes on. Chunks follow paragraphs."""
    from ingest.loaders import normalise

    _, expected, doc = _read(layout, 1)
    want = [" ".join(p.split()) for p in normalise(expected).split("\n\n")]
    got = {" ".join(p.split()) for p in doc.text.split("\n\n")}
    assert sum(w in got for w in want) >= 0.9 * len(want)
