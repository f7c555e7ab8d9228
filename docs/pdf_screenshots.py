"""The picture in docs/pdf-layout.md: one journal page and the text the PDF loader reads from it.

A real EI2 article (validation article 30, the one ``bench/pdf_ingest.py`` times) is set by
the test typesetter (``tests/ingest/journal_pdf.py``) on one two-column page: title block,
authors, journal line, abstract across the page, then as many body paragraphs as fit, and the
page number at the foot. Page 1 is rendered by PDFium (pypdfium2) at 100 dpi in grey to
``docs/images/pdf-page1.png``; ``ingest.loaders.document_from_bytes`` (the loader a ``.pdf``
upload goes through) reads the PDF, and the first 60 lines of its text go to
``docs/images/pdf-page1-text.txt``.

    .venv/bin/python docs/pdf_screenshots.py
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
ARTICLE = 30
DPI = 100
LINES = 60


def one_page() -> bytes:
    """The article set in two columns with as many body paragraphs as fit on one page."""
    import pypdfium2 as pdfium

    from tests.ingest.journal_pdf import LAYOUTS, ei2_article, render

    article = ei2_article(index=ARTICLE)
    sections = article.sections

    def build(keep: int) -> tuple[bytes, int]:
        cut, left = [], keep
        for heading, paras in sections:
            if left <= 0:
                break
            cut.append((heading, paras[:left]))
            left -= len(paras)
        article.sections = cut
        pdf, _ = render(article, LAYOUTS["two-column"])
        doc = pdfium.PdfDocument(pdf)
        try:
            return pdf, len(doc)
        finally:
            doc.close()

    lo, hi = 1, sum(len(paras) for _, paras in sections)
    while lo < hi:  # the most paragraphs that still fit on one page
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if build(mid)[1] <= 1 else (lo, mid - 1)
    pdf, pages = build(lo)
    if pages != 1:
        raise SystemExit(f"the title block and abstract alone take {pages} pages")
    return pdf


def main() -> int:
    sys.path.insert(0, str(ROOT))
    import pypdfium2 as pdfium

    from ingest.loaders import document_from_bytes
    from tests.ingest.journal_pdf import EI2

    if not (EI2 / "ei2_validation.json").is_file():
        print(f"pdf_screenshots: skipped, {EI2} is absent")
        return 0
    pdf = one_page()
    IMAGES.mkdir(parents=True, exist_ok=True)
    doc = pdfium.PdfDocument(pdf)
    try:
        image = doc[0].render(scale=DPI / 72, grayscale=True).to_pil()
    finally:
        doc.close()
    buf = io.BytesIO()
    image.convert("L").quantize(16).save(buf, format="PNG", optimize=True)
    png = IMAGES / "pdf-page1.png"
    png.write_bytes(buf.getvalue())
    text = document_from_bytes(pdf, name="page1.pdf", source="page1.pdf").text
    out = IMAGES / "pdf-page1-text.txt"
    out.write_text("\n".join(text.split("\n")[:LINES]) + "\n")
    print(f"wrote {png} ({image.width}x{image.height}, {png.stat().st_size // 1024} KB) and {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
