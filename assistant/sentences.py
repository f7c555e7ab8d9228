"""Statements and their vectors, embedded once at ingest instead of at every question.

The extractive engine ranks each *statement* of the retrieved passages (a sentence that is not
a question, a heading or a fragment) by its cosine to the question. Embedding those sentences
while the clinician waits was nine tenths of an answer's time, so ingest embeds every chunk's
statements and the store keeps them beside the chunk. A chunk's vectors are bound to its
statements by a digest of their texts: if the sentence splitter ever reads a chunk differently
from how it was read at ingest, the digest differs and the engine embeds that chunk's
statements itself, as it did before.

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

from assistant.embeddings import Embedder
from assistant.models import Chunk
from assistant.text import Span, sentence_spans

_CLOSED = re.compile(r"[.!?;)\]\u201d\"']$")
_DIGIT = re.compile(r"\d")


def statements(chunk: Chunk) -> list[Span]:
    """The spans of ``chunk.text`` that state something: not a question, not a heading or a
    label (a statement ends like a sentence or holds a figure), at least three words."""
    found = []
    for span in sentence_spans(chunk.text):
        text = chunk.text[span.start : span.end]
        if text.endswith("?") or len(text.split()) < 3 or text == chunk.section:
            continue
        if _CLOSED.search(text) or _DIGIT.search(text):
            found.append(span)
    return found


def digest(texts: Sequence[str]) -> str:
    return hashlib.sha256("\0".join(texts).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class SentenceVectors:
    """One chunk's statement vectors, in the order ``statements`` gives, unit rows."""

    digest: str
    vectors: np.ndarray  # (statements, dimension) float32

    def matches(self, texts: Sequence[str]) -> bool:
        return len(texts) == len(self.vectors) and digest(texts) == self.digest

    def to_metadata(self) -> dict[str, Any]:
        v = np.asarray(self.vectors, dtype=np.float32)
        scales = np.maximum(np.abs(v).max(axis=1, initial=0.0), 1e-12) / 127.0
        q = np.clip(np.rint(v / scales[:, None]), -127, 127).astype(np.int8)
        rows = b"".join(
            np.float32(s).tobytes() + row.tobytes() for s, row in zip(scales, q, strict=True)
        )
        return {
            "digest": self.digest,
            "count": len(v),
            "dimension": int(v.shape[1]) if v.ndim == 2 else 0,
            "vectors": base64.b64encode(rows).decode("ascii"),
        }

    @classmethod
    def from_metadata(cls, meta: dict[str, Any]) -> SentenceVectors | None:
        """The vectors a stored record holds, or None if it is not one this code wrote."""
        try:
            count, dim = int(meta["count"]), int(meta["dimension"])
            raw = np.frombuffer(base64.b64decode(meta["vectors"]), dtype=np.uint8)
            rows = raw.reshape(count, 4 + dim)
        except (KeyError, TypeError, ValueError):
            return None
        scales = rows[:, :4].copy().view(np.float32)[:, 0]
        vectors = rows[:, 4:].copy().view(np.int8).astype(np.float32) * scales[:, None]
        return cls(str(meta.get("digest", "")), vectors)


def embed_statements(chunks: Sequence[Chunk], embedder: Embedder) -> list[SentenceVectors]:
    """Every chunk's statement vectors, each distinct sentence embedded once."""
    per_chunk = [[c.text[s.start : s.end] for s in statements(c)] for c in chunks]
    distinct = list(dict.fromkeys(t for texts in per_chunk for t in texts))
    embedded = np.asarray(embedder.embed_documents(distinct), dtype=np.float32)
    row = {t: i for i, t in enumerate(distinct)}
    dim = embedded.shape[1] if len(distinct) else 0
    return [
        SentenceVectors(
            digest(texts),
            embedded[[row[t] for t in texts]] if texts else np.zeros((0, dim), np.float32),
        )
        for texts in per_chunk
    ]
