"""Where chunks, their embeddings and the documents' texts live.

``VectorStore`` (``assistant.store.protocol``) is the seam; ``ChromaStore`` keeps three
collections in Chroma (an embedded ``PersistentClient``, or a Chroma server through
``HttpClient``): ``<prefix>_chunks`` (one record per chunk, cosine space),
``<prefix>_documents`` (one record per document holding its full normalised text, so quotes
can be checked against it) and ``<prefix>_sentences`` (one record per chunk holding its
statements and their vectors, ``assistant.embedding.sentences``). A document is written in
an order that survives a crash: its record is first marked incomplete, then its old chunks
(and their statements) are deleted and the new ones added, and only then is the record marked
complete with the new hash. An incomplete record is never "unchanged", so the next ingest
redoes it. The filters' ``where`` clause is made in ``assistant.store.where``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from assistant.embedding.sentences import SentenceVectors
from assistant.errors import ConfigError, NotFoundError, RetrievalError
from assistant.models import MATCH_FIELDS, Chunk, Document, DocumentInfo, Filters, match_values
from assistant.store.protocol import (
    FORMAT,
    ChunkHit,
    IncompleteDocument,
    StoredChunk,
    StoredDocument,
    Vectors,
)
from assistant.store.where import chroma_where

_RESERVED = {"doc_id", "start", "end", "section", "index", "doc_sha256", "title", "source"}


def chunk_metadata(document: Document, chunk: Chunk, index: int) -> dict[str, Any]:
    """Flat metadata stored with a chunk: its place, its document, the document's scalars."""
    meta: dict[str, Any] = {}
    for key, value in document.metadata.items():
        if key in _RESERVED or key.startswith("match_"):
            continue
        if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
            value = "; ".join(str(v) for v in value)  # shown as one string; filters use match_*
        if isinstance(value, str | int | float | bool):
            meta[key] = value
    for key in MATCH_FIELDS:
        if keys := match_values(document.metadata.get(key)):
            meta[f"match_{key}"] = keys
    meta.update(
        doc_id=document.doc_id,
        title=document.title,
        source=document.source,
        section=chunk.section,
        start=chunk.start,
        end=chunk.end,
        index=index,
        doc_sha256=document.sha256,
    )
    return meta


def _chunk_from(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        doc_id=meta["doc_id"],
        text=text,
        start=meta["start"],
        end=meta["end"],
        section=meta.get("section", ""),
    )


def _record_from(doc_id: str, meta: dict[str, Any]) -> StoredDocument:
    """A document record as stored (a record from before statement vectors has no format)."""
    return StoredDocument(
        doc_id=doc_id,
        title=meta.get("title", ""),
        source=meta.get("source", ""),
        sha256=meta.get("sha256", ""),
        chunks=meta.get("chunks", 0),
        chars=meta.get("chars", 0),
        format=meta.get("format", 1),
        complete=bool(meta.get("complete", False)),
    )


def _chroma_settings():
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def _persistent_client(path: Path):
    import chromadb

    if path.exists() and not path.is_dir():
        raise ConfigError(f"the store path {path} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
    except Exception as exc:  # chromadb raises many types; all mean the same here
        raise RetrievalError(f"cannot open the store at {path}: {exc}") from exc


def _http_client(host: str, port: int, ssl: bool):
    import chromadb

    url = f"{'https' if ssl else 'http'}://{host}:{port}"
    try:  # the client checks the server (tenant and database) before it returns
        return chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=_chroma_settings())
    except Exception as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise RetrievalError(f"cannot reach the Chroma server at {url}: {reason}") from exc


class ChromaStore:
    """Chroma embedded under one folder (``PersistentClient``, one process at a time), or a
    Chroma server (``chroma run``) through ``HttpClient`` when ``host`` is given; a server may
    be shared by several processes, an embedded folder may not (README, "Scaling out")."""

    def __init__(
        self,
        path: Path | None = None,
        prefix: str = "trialqa",
        *,
        host: str | None = None,
        port: int = 8001,
        ssl: bool = False,
    ) -> None:
        self.path = Path(path) if path is not None else None
        if host:
            self.location = f"{'https' if ssl else 'http'}://{host}:{port}"
            self._client = _http_client(host, port, ssl)
        elif self.path is not None:
            self.location = str(self.path)
            self._client = _persistent_client(self.path)
        else:
            raise ConfigError("a Chroma store needs a folder or a server host")
        try:
            self._chunks = self._client.get_or_create_collection(
                f"{prefix}_chunks",
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
            self._docs = self._client.get_or_create_collection(
                f"{prefix}_documents", embedding_function=None
            )
            self._sentences = self._client.get_or_create_collection(
                f"{prefix}_sentences", embedding_function=None
            )
        except Exception as exc:  # chromadb raises many types; all mean the same here
            raise RetrievalError(f"cannot open the store at {self.location}: {exc}") from exc
        self._max_batch = max(1, int(self._client.get_max_batch_size()))
        self._write_lock = threading.Lock()

    # -- documents -------------------------------------------------------------------------
    def document_state(self, doc_id: str) -> StoredDocument | None:
        meta = self._record_metadata(doc_id)
        return _record_from(doc_id, meta) if meta is not None else None

    def _record_metadata(self, doc_id: str) -> dict[str, Any] | None:
        got = self._docs.get(ids=[doc_id], include=["metadatas"])
        return got["metadatas"][0] if got["ids"] else None

    def write_document(
        self,
        document: Document,
        chunks: Sequence[Chunk],
        embeddings: Vectors,
        sentences: Sequence[SentenceVectors] | None = None,
    ) -> None:
        if len(chunks) != len(embeddings) or (
            sentences is not None and len(sentences) != len(chunks)
        ):
            raise ValueError("one embedding (and one set of sentence vectors) per chunk")
        record = {
            "title": document.title,
            "source": document.source,
            "sha256": document.sha256,
            "chunks": len(chunks),
            "chars": len(document.text),
            "metadata_json": json.dumps(document.metadata, sort_keys=True, default=str),
            "format": FORMAT if sentences is not None else 1,
        }
        with self._write_lock:
            self._put_record(document, {**record, "complete": False})
            self._delete_chunks(document.doc_id)
            for lo in range(0, len(chunks), self._max_batch):
                part = chunks[lo : lo + self._max_batch]
                self._chunks.upsert(
                    ids=[c.chunk_id for c in part],
                    embeddings=[list(map(float, e)) for e in embeddings[lo : lo + self._max_batch]],
                    documents=[c.text for c in part],
                    metadatas=[chunk_metadata(document, c, lo + i) for i, c in enumerate(part)],
                )
            stated = sentences or ()
            for lo in range(0, len(stated), self._max_batch):
                part = chunks[lo : lo + self._max_batch]
                # A key-value table like the documents': its one-dimensional vector is unused.
                self._sentences.upsert(
                    ids=[c.chunk_id for c in part],
                    embeddings=[[1.0]] * len(part),
                    metadatas=[
                        {"doc_id": document.doc_id, **v.to_metadata()}
                        for v in stated[lo : lo + self._max_batch]
                    ],
                )
            # Bumped before the record is complete: a crash in between leaves it incomplete, so
            # the write is redone (and bumped) rather than complete but unseen by other processes.
            self._bump_generation()
            self._mark_complete(document.doc_id, {**record, "complete": True})

    def _put_record(self, document: Document, meta: dict[str, Any]) -> None:
        # The documents collection is a key-value table; its one-dimensional vector is unused.
        self._docs.upsert(
            ids=[document.doc_id], embeddings=[[1.0]], documents=[document.text], metadatas=[meta]
        )

    def _mark_complete(self, doc_id: str, meta: dict[str, Any]) -> None:
        # The text was stored with the incomplete record: only the metadata changes.
        self._docs.update(ids=[doc_id], metadatas=[meta])

    def _delete_chunks(self, doc_id: str) -> None:
        self._chunks.delete(where={"doc_id": doc_id})
        self._sentences.delete(where={"doc_id": doc_id})

    def delete_document(self, doc_id: str) -> None:
        state = self._record_metadata(doc_id)
        if state is None:
            raise NotFoundError(f"no document with id '{doc_id}'")
        with self._write_lock:
            # Incomplete first: a crash part-way never leaves a complete record without chunks.
            self._docs.update(ids=[doc_id], metadatas=[{**state, "complete": False}])
            self._delete_chunks(doc_id)
            self._bump_generation()
            self._docs.delete(ids=[doc_id])

    def unfinished(self, doc_ids: Iterable[str]) -> set[str]:
        """Those of ``doc_ids`` whose record is not complete: being written or deleted, cut
        off by a crash, or gone. One read of those records, however many the store holds."""
        ids = list(dict.fromkeys(doc_ids))
        if not ids:
            return set()
        got = self._docs.get(ids=ids, include=["metadatas"])
        pairs = zip(got["ids"], got["metadatas"], strict=True)
        return set(ids) - {doc_id for doc_id, meta in pairs if meta.get("complete") is True}

    def incomplete_documents(self) -> list[IncompleteDocument]:
        """Every record whose write or delete was interrupted."""
        got = self._docs.get(where={"complete": False}, include=["metadatas"])
        pairs = zip(got["ids"], got["metadatas"], strict=True)
        return [IncompleteDocument(doc_id, str(meta.get("source", ""))) for doc_id, meta in pairs]

    def get_document(self, doc_id: str) -> Document:
        got = self._docs.get(ids=[doc_id], include=["metadatas", "documents"])
        if not got["ids"]:
            raise NotFoundError(f"no document with id '{doc_id}'")
        meta = got["metadatas"][0]
        return Document(
            doc_id=doc_id,
            title=meta["title"],
            source=meta["source"],
            text=got["documents"][0],
            metadata=json.loads(meta.get("metadata_json") or "{}"),
            sha256=meta["sha256"],
        )

    def list_documents(self) -> list[DocumentInfo]:
        got = self._docs.get(include=["metadatas"])
        infos = [
            DocumentInfo(
                doc_id=doc_id,
                title=meta["title"],
                source=meta["source"],
                sha256=meta["sha256"],
                chunks=meta["chunks"],
                chars=meta["chars"],
                metadata=json.loads(meta.get("metadata_json") or "{}"),
            )
            for doc_id, meta in zip(got["ids"], got["metadatas"], strict=True)
            if meta.get("complete")
        ]
        return sorted(infos, key=lambda info: info.doc_id)

    # -- chunks ----------------------------------------------------------------------------
    def similarity_search_by_vector(
        self, embedding: Sequence[float], k: int, filters: Filters | None = None
    ) -> list[ChunkHit]:
        n = self.count_chunks()
        if n == 0:
            return []
        where = chroma_where(filters) if filters else None
        try:
            got = self._chunks.query(
                query_embeddings=[list(map(float, embedding))],
                n_results=min(k, n),
                where=where,
                include=["documents", "metadatas", "distances"],
            )
        except Exception as exc:
            raise RetrievalError(f"dense search failed: {exc}") from exc
        return [
            ChunkHit(_chunk_from(cid, text, meta), meta, 1.0 - float(dist))
            for cid, text, meta, dist in zip(
                got["ids"][0],
                got["documents"][0],
                got["metadatas"][0],
                got["distances"][0],
                strict=True,
            )
        ]

    def sentence_vectors(self, chunk_ids: Sequence[str]) -> dict[str, SentenceVectors]:
        """The stored statement vectors of those chunks that have them."""
        if not chunk_ids:
            return {}
        try:
            got = self._sentences.get(ids=list(dict.fromkeys(chunk_ids)), include=["metadatas"])
        except Exception as exc:
            raise RetrievalError(f"reading sentence vectors failed: {exc}") from exc
        found = {}
        for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
            if meta and (vectors := SentenceVectors.from_metadata(meta)) is not None:
                found[cid] = vectors
        return found

    def get_chunks(self, chunk_ids: Sequence[str]) -> list[StoredChunk]:
        """Those chunks, in the order asked, leaving out any the store no longer holds."""
        if not chunk_ids:
            return []
        try:
            got = self._chunks.get(ids=list(chunk_ids), include=["documents", "metadatas"])
        except Exception as exc:
            raise RetrievalError(f"reading chunks failed: {exc}") from exc
        found = {
            cid: StoredChunk(_chunk_from(cid, text, meta), meta)
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        }
        return [found[cid] for cid in chunk_ids if cid in found]

    def chunks_matching(self, filters: Filters, limit: int) -> list[StoredChunk] | None:
        """Every chunk the filters select, in document order, or None when there are more
        than ``limit`` of them (a question scoped to one paper reads the whole paper)."""
        where = chroma_where(filters)
        if where is None:
            return None
        try:
            got = self._chunks.get(where=where, include=["documents", "metadatas"], limit=limit + 1)
        except Exception as exc:
            raise RetrievalError(f"reading chunks failed: {exc}") from exc
        if len(got["ids"]) > limit:
            return None
        found = [
            StoredChunk(_chunk_from(cid, text, meta), meta)
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]
        return sorted(found, key=lambda found: (found.chunk.doc_id, found.chunk.start))

    def iter_chunks(self) -> Iterator[StoredChunk]:
        total = self.count_chunks()
        page = 5000
        for offset in range(0, total, page):
            got = self._chunks.get(include=["documents", "metadatas"], limit=page, offset=offset)
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                yield StoredChunk(_chunk_from(cid, text, meta), meta)

    def count_chunks(self) -> int:
        return self._chunks.count()

    # -- change tracking -------------------------------------------------------------------
    def generation(self) -> int:
        """A number that changes whenever chunks are written or deleted, by any process."""
        col = self._client.get_collection(self._chunks.name, embedding_function=None)
        return int((col.metadata or {}).get("generation", 0))

    def _bump_generation(self) -> None:
        self._chunks.modify(metadata={"generation": self.generation() + 1})
