"""What reading a PDF may cost: pypdf's decompression limits, and the size of a file's page
content once inflated, measured before any text is extracted (``ingest.loaders._pdf``)."""

from __future__ import annotations

from typing import Any

# PDFs are compressed: a small file can inflate to gigabytes. pypdf's own limits (75 MB per
# stream) are lowered, and the page content of one file (its pages' and forms' streams,
# decompressed) is measured before any text is extracted: at most MAX_PDF_CONTENT_BYTES, and
# beyond PDF_BOMB_FLOOR at most PDF_BOMB_RATIO times the file's size.
MAX_PDF_PAGES = 3000
MAX_PDF_CONTENT_BYTES = 32 * 1024 * 1024
PDF_BOMB_FLOOR = 8 * 1024 * 1024
PDF_BOMB_RATIO = 200
_PDF_STREAM_BYTES = 16 * 1024 * 1024
PDF_LIMITS: dict[str, Any] = {
    "zlib_maximum_output_length": _PDF_STREAM_BYTES,
    "lzw_maximum_output_length": _PDF_STREAM_BYTES,
    "run_length_maximum_output_length": _PDF_STREAM_BYTES,
    "brotli_maximum_output_length": _PDF_STREAM_BYTES,
    "array_based_stream_maximum_output_length": _PDF_STREAM_BYTES,
    "maximum_declared_stream_length": _PDF_STREAM_BYTES,
    "stream_decoding_work_maximum_length": 4 * _PDF_STREAM_BYTES,
    "stream_parsing_work_maximum_count": 500_000,
    "xform_maximum_invocations_per_extraction": 200,
}


def pdf_content_bytes(reader, limit: int) -> int:
    """Decompressed size of the pages' content streams and the forms they draw (each form
    once per page), counted until it passes ``limit``."""
    total = 0
    for page in reader.pages:
        contents = page.get_contents()
        total += len(contents.get_data()) if contents is not None else 0
        total += _form_bytes(page.get("/Resources"), set(), 0)
        if total > limit:
            break
    return total


def _form_bytes(resources, seen: set, depth: int) -> int:
    resources = resources.get_object() if resources is not None else None
    xobjects = resources.get("/XObject") if isinstance(resources, dict) else None
    xobjects = xobjects.get_object() if xobjects is not None else None
    if not isinstance(xobjects, dict) or depth > 20:
        return 0
    total = 0
    for ref in xobjects.values():
        idnum = getattr(ref, "idnum", None)
        key = (idnum, getattr(ref, "generation", None)) if idnum is not None else id(ref)
        if key in seen:
            continue
        seen.add(key)
        form = ref.get_object()
        if isinstance(form, dict) and form.get("/Subtype") == "/Form" and hasattr(form, "get_data"):
            total += len(form.get_data()) + _form_bytes(form.get("/Resources"), seen, depth + 1)
    return total
