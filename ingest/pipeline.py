"""Paths -> documents -> chunks -> embeddings -> store, file by file, with a report.

A file whose bytes hash the same as its stored, complete record is skipped ("unchanged") and
costs one hash. A failing file is reported and leaves the store as it was; the rest go on.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from assistant.embeddings import Embedder
from assistant.errors import IngestError, TrialQAError
from assistant.lexical import embedding_text
from assistant.models import Document
from assistant.settings import Settings
from assistant.store import VectorStore, chunk_metadata
from ingest.chunking import chunk_document
from ingest.loaders import display_source, load_file, supported


@dataclass
class FileResult:
    path: str
    status: str  # added | updated | unchanged | failed
    doc_id: str | None = None
    chunks: int = 0
    error: str | None = None


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def counts(self) -> Counter[str]:
        return Counter(r.status for r in self.results)

    @property
    def chunks_written(self) -> int:
        return sum(r.chunks for r in self.results if r.status in ("added", "updated"))

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    def summary(self) -> str:
        c = self.counts
        return (
            f"{c['added']} added, {c['updated']} updated, {c['unchanged']} unchanged, "
            f"{c['failed']} failed; {self.chunks_written} chunks written in {self.seconds:.1f}s"
        )


def expand_paths(paths: Iterable[Path]) -> Iterator[tuple[Path, str | None]]:
    """Each file to ingest, or (path, error) for a path that cannot be walked.

    Folders are walked without following links (no symlink loops); hidden entries and files
    of unsupported types inside folders are passed over.
    """
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    file = Path(root) / name
                    if not name.startswith(".") and supported(file):
                        yield file, None
        elif path.exists():
            yield path, None
        else:
            yield path, f"{path}: no such file or folder"


class Ingestor:
    def __init__(self, store: VectorStore, embedder: Embedder, settings: Settings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings

    def ingest(self, paths: Iterable[Path], progress: bool = False) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        files = list(expand_paths(paths))
        bar = tqdm(files, desc="ingest", unit="file", disable=not progress, leave=False)
        for path, problem in bar:
            bar.set_postfix_str(path.name[:40])
            if problem:
                report.results.append(FileResult(str(path), "failed", error=problem))
                continue
            report.results.append(self.ingest_file(path))
        report.seconds = time.perf_counter() - started
        return report

    def ingest_file(self, path: Path) -> FileResult:
        source = display_source(Path(path))
        try:
            document = load_file(Path(path))
            return self.ingest_document(document)
        except TrialQAError as exc:
            return FileResult(source, "failed", error=exc.message)

    def ingest_document(self, document: Document) -> FileResult:
        """Write one loaded document (skipped when its stored copy is complete and the same)."""
        document = self._resolve_id(document)
        state = self.store.document_state(document.doc_id)
        if state and state.get("complete") and state.get("sha256") == document.sha256:
            return FileResult(document.source, "unchanged", document.doc_id, state.get("chunks", 0))
        chunks = chunk_document(document, self.settings.chunking.max_chars)
        if not chunks:
            raise IngestError(f"{document.source}: produced no chunks")
        texts = [embedding_text(c, chunk_metadata(document, c, i)) for i, c in enumerate(chunks)]
        embeddings = self.embedder.embed_documents(texts)
        self.store.write_document(document, chunks, embeddings)
        status = "updated" if state else "added"
        return FileResult(document.source, status, document.doc_id, len(chunks))

    def _resolve_id(self, document: Document) -> Document:
        """Keep two different files from sharing an id: the later one gets a path suffix."""
        state = self.store.document_state(document.doc_id)
        if state is None or state.get("source") == document.source:
            return document
        suffix = hashlib.sha1(document.source.encode()).hexdigest()[:6]
        return document.model_copy(update={"doc_id": f"{document.doc_id}-{suffix}"})
