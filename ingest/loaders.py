"""Files -> ``Document``: one loader per format, each producing normalised plain text.

Normalisation (``normalise``) is the single definition of ``Document.text``: Unicode NFC,
``\\n`` line ends, no control characters, single spaces inside lines, paragraphs separated by
exactly one blank line. Every offset TrialQA reports indexes into that text.

A file may open with a front-matter block (``---`` / YAML / ``---``); its keys become the
document's metadata (``title``, ``id``, ``trial``, ``nct_id``, ``source_type``, ``date``, ...)
and it is not part of the text.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import re
import stat
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import EmptyDocumentError, IngestError, UnsupportedFormatError
from assistant.models import Document
from ingest import registry
from ingest.html_text import HTMLText
from ingest.pdf_limits import (
    MAX_PDF_CONTENT_BYTES,
    MAX_PDF_PAGES,
    PDF_BOMB_FLOOR,
    PDF_BOMB_RATIO,
    PDF_LIMITS,
    pdf_content_bytes,
)
from ingest.tables import markdown_tables

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_TITLE_CHARS = 300
MAX_METADATA_KEYS = 100
MAX_METADATA_VALUE_CHARS = 10_000  # metadata is copied into every chunk's record

# What a file that is not text (or not a PDF) starts with, to say what it is instead.
_MAGIC = (
    (b"%PDF-", "a PDF"),
    (b"PK\x03\x04", "a ZIP archive (.docx, .xlsx and .epub are ZIP archives too)"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"BZh", "bzip2-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file (.doc, .xls)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "an executable program"),
    (b"MZ", "a Windows executable"),
)


def sniff(data: bytes) -> str | None:
    """What well-known binary format ``data`` is, in words, or None."""
    return next((what for magic, what in _MAGIC if data.startswith(magic)), None)


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
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Windows "Unicode" text
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise IngestError(f"{name}: starts as UTF-16 text but is not valid UTF-16") from exc
    if what := sniff(data):
        raise IngestError(f"{name}: looks like {what}, not text")
    head = data[:8192]
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if b"\x00" in head or (head and controls / len(head) > 0.05):
        raise IngestError(f"{name}: looks like binary data, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Text exported on Windows is the common non-UTF-8 case; cp1252 keeps it readable.
        text = data.decode("cp1252", errors="replace")
        sample = text[:65536]
        if sum(1 for ch in sample if ord(ch) > 127) > 0.3 * len(sample):
            raise IngestError(
                f"{name}: not UTF-8 text (invalid byte at offset {exc.start}), and mostly "
                "unreadable as Windows-1252 either; save it as UTF-8"
            ) from exc
        return text


class _AliasRefused(yaml.YAMLError):
    pass


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML without aliases: ``&a [*b, *b, ...]`` nested a few times is tiny on disk and
    expands to billions of items once written out (as metadata is, into every chunk)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise _AliasRefused
        return super().compose_node(parent, index)


def split_front_matter(text: str, name: str) -> tuple[dict[str, Any], str]:
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    try:
        meta = yaml.load(m.group(1), Loader=_FrontMatterLoader) or {}  # a SafeLoader
    except _AliasRefused as exc:
        raise IngestError(f"{name}: front matter uses YAML aliases (*name); write it out") from exc
    except yaml.YAMLError as exc:
        raise IngestError(
            f"{name}: front matter is not valid YAML ({exc.__class__.__name__})"
        ) from exc
    except RecursionError as exc:
        raise IngestError(f"{name}: front matter nested too deeply") from exc
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


# Bounded repetitions: no input makes these scan quadratically (an unclosed "[" per line).
_MD_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$", re.M)
_MD_LINK = re.compile(r"!?\[([^\]]{0,1000})\]\([^)]{0,2000}\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|`)(.{1,1000}?)\1")


def _markdown(data: bytes, name: str) -> tuple[str, str | None]:
    text = decode_text(data, name)
    first = _MD_HEADING.search(text)
    text = _MD_HEADING.sub(lambda m: f"\n{m.group(1)}\n", text)
    text = _MD_EMPHASIS.sub(r"\2", _MD_LINK.sub(r"\1", markdown_tables(text)))
    title = _MD_EMPHASIS.sub(r"\2", first.group(1)) if first else None
    return text, title


def _html(data: bytes, name: str) -> Loaded:
    """HTML text; metadata from ``<meta name=... content=...>`` (or a front-matter block)."""
    meta, body = split_front_matter(decode_text(data, name), name)
    parser = HTMLText()
    parser.feed(body)
    parser.close()
    for key, values in parser.meta.items():
        meta.setdefault(key, values[0] if len(values) == 1 else values)
    return "".join(parser.parts), parser.title or parser.first_h1, meta


def _pdf(data: bytes, name: str) -> Loaded:
    """A PDF's text in reading order (``ingest.pdf``), after pypdf has checked what reading it
    would cost: encryption, page count, and how far its content streams inflate."""
    import io
    import logging

    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import DependencyError, LimitReachedError, PdfReadError, PdfStreamError

    from ingest.pdf import read_pdf

    if b"%PDF-" not in data[:1024]:
        raise IngestError(f"{name}: not a PDF ({sniff(data) or 'no %PDF- header'})")
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        with apply_configuration(**PDF_LIMITS):
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise IngestError(f"{name}: the PDF is encrypted with a password")
            if len(reader.pages) > MAX_PDF_PAGES:
                raise IngestError(
                    f"{name}: {len(reader.pages)} pages; TrialQA reads PDFs of at most "
                    f"{MAX_PDF_PAGES} pages (split it)"
                )
            limit = min(MAX_PDF_CONTENT_BYTES, max(PDF_BOMB_FLOOR, PDF_BOMB_RATIO * len(data)))
            if (content := pdf_content_bytes(reader, limit)) > limit:
                raise IngestError(
                    f"{name}: the PDF's pages inflate to more than {content // 2**20} MB of "
                    f"content from {len(data) // 1024} KB (a decompression bomb?); TrialQA reads "
                    f"at most {limit // 2**20} MB from a file this size"
                )
        text, title, meta = read_pdf(data, name)
    except IngestError:
        raise
    except LimitReachedError as exc:
        raise IngestError(
            f"{name}: the PDF exceeds a safety limit ({exc}); a decompression bomb?"
        ) from exc
    except DependencyError as exc:  # an encryption (AES) pypdf cannot undo without a package
        raise IngestError(f"{name}: the PDF cannot be decrypted here ({exc})") from exc
    except (PdfStreamError, PdfReadError) as exc:
        raise IngestError(f"{name}: the PDF is damaged or truncated ({exc})") from exc
    except Exception as exc:  # broken files meet many exception types
        raise IngestError(f"{name}: cannot read the PDF ({exc.__class__.__name__}: {exc})") from exc
    if not text.strip():
        raise EmptyDocumentError(
            f"{name}: the PDF has no text layer (a scan?); run OCR on it before ingesting"
        )
    return text, title, meta


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
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):  # a symbolic link loop
        resolved = path.absolute()
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
    data = read_bounded(path)
    return document_from_bytes(data, name=name, source=display_source(path), loader=loader)


def read_bounded(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, refused (without reading it) when it is larger than ``limit``;
    never more than ``limit`` bytes are read, even from a file that grows meanwhile."""
    too_big = f"{path.name}: larger than {limit // (1024 * 1024)} MB"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise IngestError(f"{path}: not a file (a symbolic link that loops)") from exc
        if path.is_symlink() and not path.exists():
            raise IngestError(f"{path}: not a file (a symbolic link to nothing)") from exc
        if exc.errno == errno.ENOENT:
            raise IngestError(f"{path}: not a file (no such file)") from exc
        raise IngestError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise IngestError(f"{path}: not a file (a folder)")
        if not stat.S_ISREG(info.st_mode):
            raise IngestError(f"{path}: not a file (a device, pipe or socket)")
        if info.st_size > limit:
            raise IngestError(too_big)
        try:
            # sized by the file (read(n) sets aside n bytes first), then on to EOF or the limit
            parts = [f.read(info.st_size + 1)]
            size = len(parts[0])
            while size <= limit and (part := f.read(min(1 << 20, limit + 1 - size))):
                parts.append(part)
                size += len(part)
            data = parts[0] if len(parts) == 1 else b"".join(parts)
        except OSError as exc:
            raise IngestError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if len(data) > limit:
        raise IngestError(too_big)
    return data


def check_metadata(meta: dict[str, Any], name: str) -> None:
    """Metadata is copied into every chunk's record: a few short values, not a second text."""
    if len(meta) > MAX_METADATA_KEYS:
        raise IngestError(f"{name}: {len(meta)} metadata keys; at most {MAX_METADATA_KEYS}")
    for key, value in meta.items():
        if len(str(value)) > MAX_METADATA_VALUE_CHARS:
            raise IngestError(
                f"{name}: the metadata value of '{key[:40]}' is longer than "
                f"{MAX_METADATA_VALUE_CHARS} characters"
            )


_LABEL_ONLY = re.compile(r"[A-Za-z][A-Za-z .]{0,30}:")


def _first_line(text: str) -> str:
    """The first line with words of its own: a bare label ("TITLE:") gives way to the next."""
    lines = [line.strip() for line in text.split("\n") if line.strip()][:2]
    if len(lines) == 2 and _LABEL_ONLY.fullmatch(lines[0]):
        return lines[1][:200]
    return lines[0][:200] if lines else ""


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
    first_line = _first_line(text)
    title = str(meta.pop("title", None) or found_title or first_line).strip()
    if len(title) > MAX_TITLE_CHARS:  # a title is stored with every chunk
        title = " ".join(title[: MAX_TITLE_CHARS - 1].split()[:-1]) + "…"
    doc_id = slug(str(meta.pop("id", None) or Path(name).stem))
    check_metadata(meta, name)
    return Document(
        doc_id=doc_id,
        title=title,
        source=source,
        text=text,
        metadata=meta,
        sha256=hashlib.sha256(data).hexdigest(),
    )
