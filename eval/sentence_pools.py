"""Each training document's statement pool, as the product builds it (chunked and split into
statements by its own code), the pool's sentence vectors (cached by content) and the idf table
over the training documents."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from tqdm import tqdm

from eval.training_data import Doc


def build_pools(docs: dict[str, Doc], max_chars: int) -> None:
    from assistant.embedding import statements
    from assistant.models import Document
    from assistant.scoring import PoolChunk, build_pool
    from ingest.chunking import chunk_and_segment

    for doc in tqdm(docs.values(), desc="split", unit="doc", leave=False):
        document = Document(doc_id="d", title=doc.title, source=doc.key, text=doc.text)
        chunks, sentences = chunk_and_segment(document, max_chars)
        doc.chunks = [
            PoolChunk(
                doc.key,
                c.start,
                c.text,
                c.section,
                doc.title,
                tuple((s.start, s.end) for s in statements(c, found)),
            )
            for c, found in zip(chunks, sentences, strict=True)
        ]
        doc.pool, where = build_pool(doc.chunks)
        doc.starts = []
        for ci, si in where:
            ch = doc.chunks[ci]
            a, b = ch.spans[si]
            doc.starts.append((ch.start + a, ch.start + b))


def embed_pools(docs: dict[str, Doc], cache: Path) -> None:
    from assistant.factory import make_embedder
    from assistant.settings import Settings

    cache.mkdir(parents=True, exist_ok=True)
    embedder = None
    pending = []
    for doc in docs.values():
        digest = hashlib.sha256("\0".join(c.text for c in doc.pool).encode()).hexdigest()[:20]
        path = cache / f"{digest}.npy"
        if path.is_file():
            doc.vectors = np.load(path)
        else:
            pending.append((doc, path))
    if not pending:
        return
    embedder = make_embedder(Settings())
    bar = tqdm(total=sum(len(d.pool) for d, _ in pending), desc="embed", unit="sent")
    for doc, path in pending:
        texts = [c.text for c in doc.pool]
        vectors = np.asarray(embedder.embed_documents(texts), dtype=np.float32)
        doc.vectors = vectors.reshape(len(texts), -1)
        np.save(path, doc.vectors)
        bar.update(len(texts))
    bar.close()


def idf_table(docs: list[Doc]) -> tuple[list[str], np.ndarray, float]:
    from assistant.language import tokenize

    df: dict[str, int] = {}
    for doc in docs:
        for term in set(tokenize(doc.text)):
            df[term] = df.get(term, 0) + 1
    n = len(docs)

    def idf(count: int) -> float:
        return float(np.log(1.0 + (n - count + 0.5) / (count + 0.5)))

    kept = sorted(t for t, c in df.items() if c >= 2)
    return kept, np.array([idf(df[t]) for t in kept], dtype=np.float32), idf(1)
