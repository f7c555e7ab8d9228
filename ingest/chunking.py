"""Structure-aware chunking: sections stay whole where they fit, and no chunk splits a sentence.

A *heading* is a one-line paragraph that reads like a title or a question: short, and either
ending in ``?`` or without closing punctuation. Consecutive headings form one heading group,
and a section is a heading group plus the paragraphs up to the next one; so an interview's
question stays with its answer, and a heading with its text. A section longer than
``max_chars`` is split between paragraphs, a paragraph longer than that between sentences
(sentences from ``pysbd``); only a single sentence longer than ``max_chars`` is cut, at a space.
Every chunk is a contiguous span of ``Document.text``: ``chunk.text == text[start:end]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.language import Span, sentence_spans
from assistant.models import Chunk, Document

_PARAGRAPH = re.compile(r"[^\n]+(?:\n[^\n]+)*")


@dataclass
class _Section:
    title: str
    blocks: list[Span]


def is_heading(line: str) -> bool:
    line = line.strip()
    if "\n" in line or not 1 < len(line) <= 150 or not re.search(r"[A-Za-z]", line):
        return False
    if line.endswith("?"):
        return True
    if line.endswith(":"):
        return len(line) <= 40
    return not line.endswith((".", "!", ";", ",", '"', "\u201d", ")", "]"))


def sections(text: str) -> list[_Section]:
    found: list[_Section] = []
    heading_run = False
    for m in _PARAGRAPH.finditer(text):
        span = Span(m.start(), m.end())
        if is_heading(m.group(0)):
            if heading_run:
                found[-1].blocks.append(span)
                found[-1].title = m.group(0).strip()
            else:
                found.append(_Section(m.group(0).strip(), [span]))
            heading_run = True
        else:
            if not found:
                found.append(_Section("", []))
            found[-1].blocks.append(span)
            heading_run = False
    return found


# pysbd's time grows with the square of the sentences it is given at once: a paragraph longer
# than _LONG_PARAGRAPH is segmented in windows of about _WINDOW characters, cut after a
# sentence end (or a line end, or a space) where there is one.
_LONG_PARAGRAPH = 10_000
_WINDOW = 2_000


def _windows(text: str, span: Span) -> list[Span]:
    if span.end - span.start <= _LONG_PARAGRAPH:
        return [span]
    out: list[Span] = []
    start = span.start
    while span.end - start > _WINDOW:
        limit = start + _WINDOW
        cut = max(text.rfind(". ", start + 1, limit) + 1, text.rfind("\n", start + 1, limit))
        if cut <= start:
            cut = text.rfind(" ", start + 1, limit)
        if cut <= start:
            cut = limit
        out.append(Span(start, cut))
        start = cut
        while start < span.end and text[start].isspace():
            start += 1
    if start < span.end:
        out.append(Span(start, span.end))
    return out


def _sentences(text: str, span: Span) -> list[Span]:
    return [s for w in _windows(text, span) for s in sentence_spans(text, w.start, w.end) or [w]]


def _pieces(sentences: list[Span], text: str, span: Span, max_chars: int) -> list[Span]:
    """Break one paragraph into its sentences, cutting only over-long sentences at spaces."""
    out: list[Span] = []
    for s in sentences or [span]:
        start = s.start
        while s.end - start > max_chars:
            cut = text.rfind(" ", start + 1, start + max_chars)
            cut = cut if cut > start else start + max_chars
            out.append(Span(start, cut))
            start = cut + 1 if text[cut : cut + 1] == " " else cut
        out.append(Span(start, s.end))
    return out


def _pack(units: list[Span], max_chars: int) -> list[Span]:
    """Greedily join consecutive spans while the joined span stays within ``max_chars``."""
    packed: list[Span] = []
    for unit in units:
        if packed and unit.end - packed[-1].start <= max_chars:
            packed[-1] = Span(packed[-1].start, unit.end)
        else:
            packed.append(unit)
    return packed


class _Paragraphs:
    """Each paragraph's sentences, found once and only when asked for."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.found: dict[Span, list[Span]] = {}

    def sentences(self, block: Span) -> list[Span]:
        if block not in self.found:
            self.found[block] = _sentences(self.text, block)
        return self.found[block]


def chunk_spans(
    text: str, max_chars: int, paragraphs: _Paragraphs | None = None
) -> list[tuple[Span, str]]:
    paragraphs = paragraphs or _Paragraphs(text)
    spans: list[tuple[Span, str]] = []
    for section in sections(text):
        if (
            spans
            and len(section.blocks) == 1
            and section.title == text[section.blocks[0].start : section.blocks[0].end].strip()
        ):
            # a heading with no text under it (a trailing label) joins the chunk before it
            last, title = spans[-1]
            if section.blocks[0].end - last.start <= max_chars:
                spans[-1] = (Span(last.start, section.blocks[0].end), title)
                continue
        units: list[Span] = []
        for block in section.blocks:
            if block.end - block.start <= max_chars:
                units.append(block)
            else:
                units.extend(_pieces(paragraphs.sentences(block), text, block, max_chars))
        spans.extend((span, section.title) for span in _pack(units, max_chars))
    return spans


def chunk_document(document: Document, max_chars: int = 1000) -> list[Chunk]:
    return chunk_and_segment(document, max_chars, sentences=False)[0]


def chunk_and_segment(
    document: Document, max_chars: int = 1000, sentences: bool = True
) -> tuple[list[Chunk], list[list[Span]]]:
    """The chunks of ``document`` and, per chunk, its sentences as spans of ``chunk.text``
    (empty lists when ``sentences`` is False). Every paragraph is segmented once, for
    chunking and for the sentences both."""
    text = document.text
    paragraphs = _Paragraphs(text)
    chunks = [
        Chunk(
            chunk_id=f"{document.doc_id}#{i:04d}",
            doc_id=document.doc_id,
            text=text[span.start : span.end],
            start=span.start,
            end=span.end,
            section=title[:200],
        )
        for i, (span, title) in enumerate(chunk_spans(text, max_chars, paragraphs))
    ]
    if not sentences:
        return chunks, [[] for _ in chunks]
    blocks = [Span(m.start(), m.end()) for m in _PARAGRAPH.finditer(text)]
    found: list[list[Span]] = []
    at = 0  # the first paragraph that may overlap the next chunk
    for chunk in chunks:
        while at < len(blocks) and blocks[at].end <= chunk.start:
            at += 1
        own = []
        for block in blocks[at:]:
            if block.start >= chunk.end:
                break
            for s in paragraphs.sentences(block):
                a, b = max(s.start, chunk.start), min(s.end, chunk.end)
                while a < b and text[a].isspace():  # a sentence cut where a chunk ends
                    a += 1
                while b > a and text[b - 1].isspace():
                    b -= 1
                if a < b:
                    own.append(Span(a - chunk.start, b - chunk.start))
        found.append(own)
    return chunks, found
