"""PDF text as a person reads it: PDFium's characters, laid out by ``ingest.pdf_layout``.

pypdf first checks what a file would cost (``ingest.loaders._pdf``: encryption, page count,
decompression bombs); PDFium (pypdfium2, BSD-3-Clause / Apache-2.0) then gives every
character with its box, size and weight, and every path, from which ``pdf_layout`` finds runs,
page furniture, tables and columns, and ``pdf_text`` paragraphs, headings, the title and the
first page's authors, journal, year and DOI. docs/pdf-layout.md says why PDFium and gives the
measured figures.
"""

from __future__ import annotations

import ctypes
import math
import threading
from typing import Any

from assistant.errors import IngestError
from ingest.pdf_layout import (
    Char,
    Item,
    Page,
    gutters,
    order,
    remove_furniture,
    runs,
)
from ingest.pdf_tables import find_tables
from ingest.pdf_text import first_page_facts, paragraphs, usable_title, vocabulary

# PDFium is not thread-safe: one document at a time per process.
_LOCK = threading.Lock()
_SPACES = {" ", "\u00a0", "\t", "\r", "\n", "\u200b", "\ufffe", "\uffff"}


def _page(raw: Any, page: Any) -> Page:
    width, height = page.get_size()
    textpage = page.get_textpage()
    rect, x, y = raw.FS_RECTF(), ctypes.c_double(), ctypes.c_double()
    chars: list[Char] = []
    try:
        for i in range(textpage.count_chars()):
            code = raw.FPDFText_GetUnicode(textpage, i)
            ch = "-" if code == 2 else chr(code) if 0 < code < 0x110000 else ""  # 2: a hyphen
            if not ch or ch in _SPACES or raw.FPDFText_IsGenerated(textpage, i) == 1:
                continue
            if abs(math.sin(raw.FPDFText_GetCharAngle(textpage, i))) > 0.05:
                continue  # rotated text: margin stamps and watermarks
            if not raw.FPDFText_GetLooseCharBox(textpage, i, rect):
                continue
            raw.FPDFText_GetCharOrigin(textpage, i, x, y)
            size = raw.FPDFText_GetFontSize(textpage, i)
            chars.append(
                Char(
                    ch,
                    rect.left,
                    rect.right,
                    round(y.value, 1),
                    size,
                    raw.FPDFText_GetFontWeight(textpage, i) >= 600,
                )
            )
        rules = []
        for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=2):
            left, bottom, right, top = obj.get_bounds()
            if top - bottom <= 2.5 and right - left >= 40:
                rules.append((left, right, (top + bottom) / 2))
    finally:
        textpage.close()
    return Page(width, height, chars, rules)


def read_pdf(data: bytes, name: str) -> tuple[str, str | None, dict[str, Any]]:
    """Text in reading order, the title, and the first page's facts of a PDF already checked
    by pypdf. Raises ``IngestError`` (one line) when PDFium cannot open it."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    with _LOCK:
        try:
            doc = pdfium.PdfDocument(data, password="")
        except pdfium.PdfiumError as exc:
            raise IngestError(f"{name}: the PDF is damaged or truncated ({exc})") from exc
        try:
            info = doc.get_metadata_dict(skip_empty=True)
            pages = []
            for i in range(len(doc)):
                page = doc[i]
                try:
                    pages.append(_page(raw, page))
                finally:
                    page.close()
        finally:
            doc.close()
    text, title, meta = layout(pages)
    title = usable_title(info.get("Title")) or title
    author = usable_title(info.get("Author"))
    if author and "authors" not in meta and author.lower() not in ("anonymous", "unknown"):
        meta["authors"] = author
    return text, title, meta


def layout(pages: list[Page]) -> tuple[str, str | None, dict[str, Any]]:
    for page in pages:
        page.runs = runs(page.chars)
        page.chars = []
    remove_furniture(pages)
    found = [gutters(page.runs) for page in pages]
    known = [g for gaps in found for g in gaps]
    found = [gutters(page.runs, known) for page in pages]  # a page that looks like the others
    items: list[Item] = []
    first: list[Item] = []
    carried = None
    for i, page in enumerate(pages):
        tables, carried = find_tables(page, carried, found[i])
        ordered = order(page, tables, found[i])
        if i == 0:
            first = ordered
        items += ordered
    title, meta = first_page_facts(first, vocabulary(items))
    return "\n\n".join(paragraphs(items)), title, meta
