"""Tables in every format become row lines that carry their column headers."""

from pathlib import Path

from ingest.chunking import chunk_document
from ingest.loaders import document_from_bytes, load_file
from ingest.tables import layout_tables, markdown_tables, row_lines

ROWS = [
    ["Response", "Drug A (n=19)", "Placebo (n=20)"],
    ["ORR", "19 (100%)", "5 (25%)"],
    ["VGPR or better", "14 (74%)", "2 (10%)"],
    ["Complete response", "5 (26%)", "0"],
]


def test_each_row_names_its_columns():
    lines = row_lines(ROWS)
    assert lines[0] == "Columns: Response | Drug A (n=19) | Placebo (n=20)"
    assert lines[2] == "VGPR or better — Drug A (n=19): 14 (74%); Placebo (n=20): 2 (10%)."


def test_empty_cells_and_ragged_rows_are_kept_apart():
    lines = row_lines([["", "A", "B"], ["x", "", "3"], ["y"]])
    assert lines[1] == "x — B: 3."
    assert lines[2] == "y"


def test_markdown_pipe_table_is_rewritten_and_prose_left_alone():
    text = "Intro line.\n\n| Response | A (n=4) |\n|---|:--:|\n| ORR | 3 |\n\nAfter | not a table."
    out = markdown_tables(text)
    assert "ORR — A (n=4): 3." in out
    assert "Intro line." in out and "After | not a table." in out
    assert "|---" not in out


def test_layout_text_columns_become_rows_but_prose_does_not():
    text = (
        "A paragraph of prose with single spaces between its words.\n"
        "      Response          Drug A (n=19)      Placebo (n=20)\n"
        "      ORR               19 (100%)          5 (25%)\n"
        "      Complete response 5 (26%)            0\n"
        "Another prose line."
    )
    out = layout_tables(text)
    assert "ORR — Drug A (n=19): 19 (100%); Placebo (n=20): 5 (25%)." in out
    assert "A paragraph of prose with single spaces between its words." in out


def _table_pdf(path: Path, rows: list[list[str]], intro: str) -> None:
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(str(path), pagesize=letter, title="SPRUCE-3 results")
    doc.build(
        [
            Paragraph("SPRUCE-3 results", styles["Heading1"]),
            Paragraph(intro, styles["BodyText"]),
            Table(rows),
            Paragraph("Safety was as expected for the class.", styles["BodyText"]),
        ]
    )


def test_pdf_table_rows_keep_arm_and_count_together(tmp_path):
    path = tmp_path / "spruce.pdf"
    _table_pdf(path, ROWS, "Responses by arm are shown below for all evaluable patients.")
    doc = load_file(path)
    assert "ORR — Drug A (n=19): 19 (100%); Placebo (n=20): 5 (25%)." in doc.text
    assert "Complete response — Drug A (n=19): 5 (26%); Placebo (n=20): 0." in doc.text
    assert doc.title == "SPRUCE-3 results"


def test_a_long_pdf_table_split_over_chunks_keeps_headers_in_every_chunk(tmp_path):
    rows = [["Adverse event", "Arm A (n=120)", "Arm B (n=118)"]] + [
        [f"Event number {i} of the safety table", f"{i} ({i / 1.2:.1f}%)", f"{i + 1}"]
        for i in range(1, 60)
    ]
    path = tmp_path / "long.pdf"
    _table_pdf(path, rows, "All adverse events reported in at least one patient.")
    doc = load_file(path)
    chunks = chunk_document(doc, max_chars=600)
    with_rows = [c for c in chunks if "Event number" in c.text]
    assert len(with_rows) > 2
    for chunk in with_rows:
        for line in chunk.text.split("\n"):
            if line.startswith("Event number"):
                assert "Arm A (n=120):" in line, line


def test_html_table_with_caption():
    html = (
        b"<html><body><h1>Trial</h1><table><caption>Table 2. Response</caption>"
        b"<tr><th>Response</th><th>Arm A (n=10)</th><th>Arm B (n=12)</th></tr>"
        b"<tr><td>ORR</td><td>5 (50%)</td><td>3 (25%)</td></tr></table><p>End.</p></body></html>"
    )
    text = document_from_bytes(html, name="t.html", source="t.html").text
    assert "Table 2. Response\nColumns: Response | Arm A (n=10) | Arm B (n=12)\n" in text
    assert "ORR — Arm A (n=10): 5 (50%); Arm B (n=12): 3 (25%)." in text
