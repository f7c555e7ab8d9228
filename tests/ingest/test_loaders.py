import pytest

from assistant.errors import EmptyDocumentError, IngestError, UnsupportedFormatError
from ingest.loaders import document_from_bytes, load_file, normalise


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def test_normalise_is_idempotent_and_plain():
    raw = "  Title\r\n\r\n\r\nSome\t text\u00a0here.  \n\n\n\nEnd\x07"
    once = normalise(raw)
    assert once == "Title\n\nSome text here.\n\nEnd"
    assert normalise(once) == once


def test_txt_front_matter_becomes_metadata(tmp_path):
    path = write(tmp_path, "Report One.txt",
                 "---\ntitle: A trial\ntrial: ABC-1\nnct_id: NCT01234567\n---\nBody text here.\n")  # fmt: skip
    d = load_file(path)
    assert (d.doc_id, d.title, d.text) == ("report-one", "A trial", "Body text here.")
    assert d.metadata == {"trial": "ABC-1", "nct_id": "NCT01234567"}
    assert len(d.sha256) == 64


def test_markdown_headings_and_links_become_plain_text(tmp_path):
    path = write(tmp_path, "m.md", "# Results\n\nThe **ORR** was [100%](http://x).\n")
    d = load_file(path)
    assert d.title == "Results"
    assert d.text == "Results\n\nThe ORR was 100%."


def test_html_drops_scripts_keeps_blocks_and_table_rows(tmp_path):
    html = """<html><head><title>Page</title><script>alert(1)</script></head><body>
    <h1>Safety</h1><p>CRS in 42%<br>of patients.</p><script>evil()</script>
    <table><tr><th>Arm</th><th>n/N</th></tr><tr><td>Drug</td><td>10/24</td></tr></table></body></html>"""
    d = load_file(write(tmp_path, "p.html", html))
    assert d.title == "Page"
    assert "alert" not in d.text and "evil" not in d.text
    assert "Safety\n\nCRS in 42%\nof patients." in d.text
    assert "Columns: Arm | n/N\nDrug — n/N: 10/24." in d.text


def _pdf(path, lines):
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=letter)
    y = 720
    for line in lines:
        c.drawString(72, y, line)
        y -= 18
    if not lines:
        c.rect(72, 500, 200, 100, fill=1)  # a picture, no text
    c.save()
    return path


def test_text_pdf_is_read(tmp_path):
    d = load_file(_pdf(tmp_path / "a.pdf", ["Response table", "Arm A responders 10 of 24."]))
    assert "Arm A responders 10 of 24." in d.text


def test_scanned_pdf_is_reported_not_ingested_empty(tmp_path):
    with pytest.raises(EmptyDocumentError, match="no text layer"):
        load_file(_pdf(tmp_path / "scan.pdf", []))


def test_truncated_pdf_is_a_clear_error(tmp_path):
    good = _pdf(tmp_path / "a.pdf", ["Some text"]).read_bytes()
    with pytest.raises(IngestError):
        load_file(write(tmp_path, "broken.pdf", good[: len(good) // 3]))


@pytest.mark.parametrize(
    ("name", "content", "error", "match"),
    [
        ("empty.txt", b"", EmptyDocumentError, "empty"),
        ("blank.txt", b"  \n\t\n ", EmptyDocumentError, "empty"),
        ("binary.txt", bytes(range(256)) * 4, IngestError, "binary"),
        ("table.xlsx", b"PK\x03\x04", UnsupportedFormatError, "unsupported"),
    ],
)
def test_bad_files_get_clear_errors(tmp_path, name, content, error, match):
    with pytest.raises(error, match=match):
        load_file(write(tmp_path, name, content))


def test_non_utf8_text_is_read_as_cp1252(tmp_path):
    d = load_file(write(tmp_path, "latin.txt", "Café patients – 42%".encode("cp1252")))
    assert d.text == "Café patients – 42%"


def test_missing_file_is_an_ingest_error(tmp_path):
    with pytest.raises(IngestError, match="not a file"):
        load_file(tmp_path / "missing.txt")


def test_html_meta_tags_become_metadata(tmp_path):
    html = """<html><head><title>T</title><meta name="trial" content="OAK-1">
    <meta name="nct_id" content="NCT09990009"><meta name="source_page" content="https://a">
    <meta name="source_page" content="https://b"><meta name="viewport" content="x"></head>
    <body><p>OAK-1 enrolled 40 patients.</p></body></html>"""
    d = load_file(write(tmp_path, "oak.html", html))
    assert d.metadata == {
        "trial": "OAK-1",
        "nct_id": "NCT09990009",
        "source_pages": ["https://a", "https://b"],
    }


def test_null_front_matter_values_are_absent_not_the_text_none(tmp_path):
    d = load_file(write(tmp_path, "n.txt", "---\ntrial: X-1\nnct_id: null\n---\nBody text here."))
    assert d.metadata == {"trial": "X-1"}


def test_a_bare_label_line_is_not_the_title():
    """Exports of articles often open with a label on its own line ("TITLE:")."""
    doc = document_from_bytes(
        b"TITLE: \nReduction of Malaria Transmission\n\nABSTRACT.BACKGROUND:\nText.",
        name="paper.txt", source="paper.txt",
    )  # fmt: skip
    assert doc.title == "Reduction of Malaria Transmission"
    plain = document_from_bytes(b"Results: 40 of 50 responded.\n", name="r.txt", source="r.txt")
    assert plain.title == "Results: 40 of 50 responded."
