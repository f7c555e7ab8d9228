"""Statements and their vectors, embedded once at ingest instead of at every question.

The extractive engine ranks each *statement* of the retrieved passages (a sentence that is not
a question, a heading or a fragment) by its cosine to the question. Embedding those sentences
while the clinician waits was nine tenths of an answer's time, so ingest embeds every chunk's
statements and the store keeps them beside the chunk, with their spans, so answering needs
neither the model nor the sentence splitter for them. A digest of the statements' texts binds
them to the chunk's text; a chunk without them (a store written by an older version) has its
statements found and embedded while answering, as before.

Since every sentence is embedded anyway, a chunk's search vector is made from them
(``embed_chunks``): the length-weighted mean of its sentences' vectors and its context's, so
no text is embedded twice. ``embed_statements`` serves ``chunk_vectors="whole"``, where the
chunk is embedded as one text and its statements beside it.

In the store a chunk's vectors are one string: per statement a float32 scale and 384 int8
components, base64. Rounding moves a cosine by about 5e-4 (the standard deviation for a unit
question vector), far below what the answer bars tell apart, at a quarter of float32's size.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.embedding.embedder import Embedder
from assistant.language.text import Span, sentence_spans
from assistant.models import Chunk

_CLOSED = re.compile(r"[.!?;)\]\u201d\"']$")
_DIGIT = re.compile(r"\d")
# A trial registry's identifier states where the trial is registered, however short its line
# ("Clinicaltrials.gov, NCT00929708").
_REGISTRY_ID = re.compile(
    r"\b(NCT\d{8}|ISRCTN\d{6,}|ChiCTR[-A-Z]*\d{6,}|ACTRN\d{10,}|CTRI/\d{4}/\d+/\d+|"
    r"EudraCT\s*(?:No\.?|number)?\s*\d{4}-\d{6}-\d{2}|DRKS\d{8}|IRCT\d{6,}\w*|JPRN-\w+|"
    r"UMIN\d{9}|PACTR\d{10,}|NTR\d{3,}|KCT\d{7})\b"
)


def statements(chunk: Chunk, sentences: Sequence[Span] | None = None) -> list[Span]:
    """The spans of ``chunk.text`` that state something: not a question, not a heading or a
    label (a statement ends like a sentence or holds a figure), at least three words.
    ``sentences``: the chunk's sentence spans, when they are found already."""
    found = []
    for span in sentence_spans(chunk.text) if sentences is None else sentences:
        text = chunk.text[span.start : span.end]
        if _REGISTRY_ID.search(text) and not text.endswith("?"):
            found.append(span)
            continue
        if text.endswith("?") or len(text.split()) < 3 or text == chunk.section:
            continue
        if _CLOSED.search(text) or _DIGIT.search(text):
            found.append(span)
    return found


def digest(texts: Sequence[str]) -> str:
    return hashlib.sha256("\0".join(texts).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class SentenceVectors:
    """One chunk's statements, as spans of its text, and their vectors (unit rows, in order)."""

    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray  # (statements, dimension) float32
    digest: str  # of the statements' texts

    @classmethod
    def of(cls, chunk: Chunk, spans: Sequence[Span], vectors: np.ndarray) -> SentenceVectors:
        pairs = tuple((s.start, s.end) for s in spans)
        return cls(pairs, vectors, digest([chunk.text[a:b] for a, b in pairs]))

    def fits(self, chunk: Chunk) -> bool:
        """Whether these are the statements of this chunk's text (not of an older version)."""
        if len(self.spans) != len(self.vectors):
            return False
        return digest([chunk.text[a:b] for a, b in self.spans]) == self.digest

    def to_metadata(self) -> dict[str, Any]:
        v = np.asarray(self.vectors, dtype=np.float32)
        scales = np.maximum(np.abs(v).max(axis=1, initial=0.0), 1e-12) / 127.0
        q = np.clip(np.rint(v / scales[:, None]), -127, 127).astype(np.int8)
        rows = b"".join(
            np.float32(s).tobytes() + row.tobytes() for s, row in zip(scales, q, strict=True)
        )
        return {
            "digest": self.digest,
            "spans": " ".join(f"{a}:{b}" for a, b in self.spans),
            "dimension": int(v.shape[1]) if v.ndim == 2 else 0,
            "vectors": base64.b64encode(rows).decode("ascii"),
        }

    @classmethod
    def from_metadata(cls, meta: dict[str, Any]) -> SentenceVectors | None:
        """The statements a stored record holds, or None if it is not one this code wrote."""
        try:
            spans = tuple(
                (int(a), int(b)) for a, b in (pair.split(":") for pair in meta["spans"].split())
            )
            dim = int(meta["dimension"])
            raw = np.frombuffer(base64.b64decode(meta["vectors"], validate=True), dtype=np.uint8)
            rows = raw.reshape(len(spans), 4 + dim)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        scales = rows[:, :4].copy().view(np.float32)[:, 0]
        vectors = rows[:, 4:].copy().view(np.int8).astype(np.float32) * scales[:, None]
        return cls(spans, vectors, str(meta.get("digest", "")))


def chunk_pieces(
    chunks: Sequence[Chunk],
    headers: Sequence[str],
    sentences: Sequence[Sequence[Span]] | None = None,
) -> tuple[list[list[str]], list[list[Span]]]:
    """The texts ``embed_chunks`` embeds for each chunk (its header, if any, then each
    sentence; the whole text if it has none) and each chunk's sentence spans."""
    pieces, spans = [], []
    for n, (chunk, header) in enumerate(zip(chunks, headers, strict=True)):
        found = sentence_spans(chunk.text) if sentences is None else list(sentences[n])
        texts = [chunk.text[s.start : s.end] for s in found] or [chunk.text]
        pieces.append([header, *texts] if header else texts)
        spans.append(found)
    return pieces, spans


def _embedded(texts: Sequence[str], embedder: Embedder) -> tuple[dict[str, np.ndarray], int]:
    """Each distinct text's vector, every one embedded once, and the vectors' dimension."""
    distinct = list(dict.fromkeys(texts))
    encode = getattr(embedder, "encode", None)  # ours: an array, not lists of floats
    vectors = np.asarray(
        encode(distinct) if callable(encode) else embedder.embed_documents(distinct),
        dtype=np.float32,
    )
    dim = vectors.shape[1] if len(distinct) else 0
    return dict(zip(distinct, vectors, strict=True)), dim


def _kept(chunk: Chunk, spans: Sequence[Span], vector: dict[str, np.ndarray], dim: int):
    rows = [vector[chunk.text[s.start : s.end]] for s in spans]
    stacked = np.stack(rows) if rows else np.zeros((0, dim), np.float32)
    return SentenceVectors.of(chunk, spans, stacked)


def embed_chunks(
    chunks: Sequence[Chunk],
    headers: Sequence[str],
    embedder: Embedder,
    sentences: Sequence[Sequence[Span]] | None = None,
) -> tuple[np.ndarray, list[SentenceVectors]]:
    """Each chunk's vector and its statements' vectors, from one embedding of each distinct
    sentence and header, instead of embedding every chunk whole and its sentences again.

    A chunk's vector is the mean of its pieces' vectors (its ``header``, the context it is
    read in, and each of its sentences), each weighted by its length in characters, and
    normalised: the passage as the average of what it says. ``sentences``: each chunk's
    sentence spans, when they are found already."""
    pieces, spans = chunk_pieces(chunks, headers, sentences)
    vector, dim = _embedded([t for ts in pieces for t in ts], embedder)
    vectors = np.zeros((len(chunks), dim), np.float32)
    kept = []
    for i, (chunk, texts, found) in enumerate(zip(chunks, pieces, spans, strict=True)):
        weights = np.array([len(t) for t in texts], dtype=np.float32)
        mean = weights @ np.stack([vector[t] for t in texts])
        vectors[i] = mean / max(float(np.linalg.norm(mean)), 1e-12)
        kept.append(_kept(chunk, statements(chunk, found), vector, dim))
    return vectors, kept


def embed_statements(
    chunks: Sequence[Chunk],
    embedder: Embedder,
    sentences: Sequence[Sequence[Span]] | None = None,
) -> list[SentenceVectors]:
    """Every chunk's statements and their vectors, each distinct sentence embedded once."""
    found = sentences if sentences is not None else [None] * len(chunks)
    spans = [statements(c, s) for c, s in zip(chunks, found, strict=True)]
    texts = [c.text[s.start : s.end] for c, ss in zip(chunks, spans, strict=True) for s in ss]
    vector, dim = _embedded(texts, embedder)
    return [_kept(c, ss, vector, dim) for c, ss in zip(chunks, spans, strict=True)]
