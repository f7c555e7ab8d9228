"""Files -> ``Document``: one loader per format, each producing normalised plain text.

Normalisation (``normalise``) is the single definition of ``Document.text``: Unicode NFC,
``\\n`` line ends, no control characters, single spaces inside lines, paragraphs separated by
exactly one blank line. Every offset TrialQA reports indexes into that text.

A file may open with a front-matter block (``---`` / YAML / ``---``); its keys become the
document's metadata (``title``, ``id``, ``trial``, ``nct_id``, ``source_type``, ``date``, ...)
and it is not part of the text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import EmptyDocumentError, IngestError, UnsupportedFormatError
from assistant.models import Document
from ingest import registry
from ingest.tables import layout_pages, markdown_tables, row_lines

MAX_FILE_BYTES = 50 * 1024 * 1024

# A loader returns (text, title found in the file or None[, metadata found in the file]).
Loaded = tuple[str, str | None] | tuple[str, str | None, dict[str, Any]]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff]")
_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", _SPACES.sub(" ", text))
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80] or "document"


def decode_text(data: bytes, name: str) -> str:
    """Bytes of a text file -> str; binary data is refused rather than indexed as noise."""
    head = data[:8192]
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if b"\x00" in head or (head and controls / len(head) > 0.05):
        raise IngestError(f"{name}: looks like binary data, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Text exported on Windows is the common non-UTF-8 case; cp1252 keeps it readable.
        return data.decode("cp1252", errors="replace")


def split_front_matter(text: str, name: str) -> tuple[dict[str, Any], str]:
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise IngestError(
            f"{name}: front matter is not valid YAML ({exc.__class__.__name__})"
        ) from exc
    if not isinstance(meta, dict):
        raise IngestError(f"{name}: front matter must be a mapping of keys to values")
    return (
        {
            str(k): v if isinstance(v, str | int | float | bool | list) else str(v)
            for k, v in meta.items()
            if v is not None  # ``nct_id: null`` means "none", not the text "None"
        },
        text[m.end() :],
    )


# -- formats ------------------------------------------------------------------------------
def _plain(data: bytes, name: str) -> tuple[str, str | None]:
    return decode_text(data, name), None


_MD_HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.M)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|`)(.+?)\1")


def _markdown(data: bytes, name: str) -> tuple[str, str | None]:
    text = decode_text(data, name)
    first = _MD_HEADING.search(text)
    text = _MD_HEADING.sub(lambda m: f"\n{m.group(1)}\n", text)
    text = _MD_EMPHASIS.sub(r"\2", _MD_LINK.sub(r"\1", markdown_tables(text)))
    title = _MD_EMPHASIS.sub(r"\2", first.group(1)) if first else None
    return text, title


# <meta name="..."> tags read as document metadata (name -> metadata key).
HTML_META = {
    "trial": "trial",
    "nct_id": "nct_id",
    "source_type": "source_type",
    "date": "date",
    "data_cutoff": "data_cutoff",
    "publisher": "publisher",
    "source_page": "source_pages",
    "source_pages": "source_pages",
    "id": "id",
    "date_precision": "date_precision",
}


class _HTMLText(HTMLParser):
    BLOCKS = {
        "p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "ul", "ol",
        "li", "table", "thead", "tbody", "tr", "blockquote", "pre", "dl", "dt", "dd", "figure",
        "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "br", "hr", "caption", "form",
    }  # fmt: skip
    SKIP = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: str | None = None
        self._skip = 0
        self._tables = 0  # depth of <table> nesting; rows are kept for the outermost
        self._rows: list[list[str]] = []
        self._caption: list[str] = []
        self.meta: dict[str, list[str]] = {}
        self._in_title = False
        self._h1: list[str] | None = None
        self.first_h1: str | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "meta":
            found = dict(attrs)
            key = (found.get("name") or "").strip().lower().replace("-", "_")
            if key in HTML_META and found.get("content"):
                self.meta.setdefault(HTML_META[key], []).append(found["content"].strip())
        if tag == "title":
            self._in_title = True
        elif tag in self.SKIP:
            self._skip += 1
        elif tag == "table":
            self._tables += 1
            if self._tables == 1:
                self._rows, self._caption = [], []
        elif self._tables == 1 and tag == "tr":
            self._rows.append([])
        elif self._tables == 1 and tag in ("td", "th"):
            if not self._rows:
                self._rows.append([])
            self._rows[-1].append("")
        elif self._tables:
            pass
        elif tag in self.BLOCKS:
            self.parts.append("\n\n" if tag not in ("br", "tr", "li") else "\n")
        if tag == "h1" and self.first_h1 is None:
            self._h1 = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "table" and self._tables:
            self._tables -= 1
            if not self._tables:
                caption = " ".join("".join(self._caption).split())
                lines = ([caption] if caption else []) + row_lines(self._rows)
                self.parts.append("\n\n" + "\n".join(lines) + "\n\n")
        elif self._tables:
            pass
        elif tag in self.BLOCKS:
            self.parts.append("\n\n" if tag not in ("tr", "li") else "\n")
        if tag == "h1" and self._h1 is not None:
            self.first_h1 = " ".join("".join(self._h1).split()) or None
            self._h1 = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = ((self.title or "") + data).strip()
        elif self._skip:
            return
        elif self._tables:
            if self._rows and self._rows[-1]:
                self._rows[-1][-1] += data.replace("\n", " ")
            elif data.strip():  # a caption, or text outside any cell
                self._caption.append(data.replace("\n", " "))
        else:
            self.parts.append(data.replace("\n", " "))
            if self._h1 is not None:
                self._h1.append(data)


def _html(data: bytes, name: str) -> Loaded:
    """HTML text; metadata from ``<meta name=... content=...>`` (or a front-matter block)."""
    meta, body = split_front_matter(decode_text(data, name), name)
    parser = _HTMLText()
    parser.feed(body)
    parser.close()
    for key, values in parser.meta.items():
        meta.setdefault(key, values[0] if len(values) == 1 else values)
    return "".join(parser.parts), parser.title or parser.first_h1, meta


def _pdf(data: bytes, name: str) -> tuple[str, str | None]:
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(f"{name}: the PDF is encrypted with a password")
        # Layout mode keeps table columns apart, so rows can be rewritten with their headers.
        pages = layout_pages([p.extract_text(extraction_mode="layout") or "" for p in reader.pages])
        title = (reader.metadata.title if reader.metadata else None) or None
    except IngestError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise IngestError(f"{name}: cannot read the PDF ({exc.__class__.__name__}: {exc})") from exc
    if not any(p.strip() for p in pages):
        raise EmptyDocumentError(
            f"{name}: the PDF has no text layer (a scan?); run OCR on it before ingesting"
        )
    return "\n\n".join(pages), title


def _ctgov_json(data: bytes, name: str) -> Loaded:
    return registry.load_json(decode_text(data, name), name)


def _ctgov_xml(data: bytes, name: str) -> Loaded:
    return registry.load_xml(decode_text(data, name), name)


LOADERS: dict[str, Callable[[bytes, str], Loaded]] = {
    ".txt": _plain,
    ".text": _plain,
    ".md": _markdown,
    ".markdown": _markdown,
    ".html": _html,
    ".htm": _html,
    ".pdf": _pdf,
    ".json": _ctgov_json,
    ".xml": _ctgov_xml,
}
# Formats whose text is generated, not written: no front matter to look for.
_NO_FRONT_MATTER = {_pdf, _ctgov_json, _ctgov_xml, _html}


def supported(path: Path) -> bool:
    return path.suffix.lower() in LOADERS


def display_source(path: Path) -> str:
    """The path as it is shown and stored: relative to the working directory when inside it."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def load_file(path: Path) -> Document:
    """Read one file into a ``Document``; raise an ``IngestError`` saying what is wrong."""
    path = Path(path)
    name = path.name
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        known = ", ".join(sorted(LOADERS))
        raise UnsupportedFormatError(f"{name}: unsupported file type (TrialQA reads {known})")
    try:
        if not path.is_file():
            raise IngestError(f"{path}: not a file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise IngestError(f"{name}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    return document_from_bytes(data, name=name, source=display_source(path), loader=loader)


def document_from_bytes(
    data: bytes, *, name: str, source: str, loader: Callable | None = None
) -> Document:
    loader = loader or LOADERS.get(Path(name).suffix.lower())
    if loader is None:
        raise UnsupportedFormatError(f"{name}: unsupported file type")
    if not data.strip():
        raise EmptyDocumentError(f"{name}: the file is empty")
    raw, found_title, *found = loader(data, name)
    meta, body = split_front_matter(raw, name) if loader not in _NO_FRONT_MATTER else ({}, raw)
    meta = {**(found[0] if found else {}), **meta}
    text = normalise(body)
    if not text:
        raise EmptyDocumentError(f"{name}: no text left after normalisation")
    first_line = text.split("\n", 1)[0][:200]
    title = str(meta.pop("title", None) or found_title or first_line).strip()
    doc_id = slug(str(meta.pop("id", None) or Path(name).stem))
    return Document(
        doc_id=doc_id,
        title=title,
        source=source,
        text=text,
        metadata=meta,
        sha256=hashlib.sha256(data).hexdigest(),
    )
