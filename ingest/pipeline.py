"""Paths -> documents -> chunks -> embeddings -> store, file by file, with a report.

A file whose bytes hash the same as its stored, complete record is skipped ("unchanged") and
costs one hash. A failing file is reported and leaves the store as it was; the rest go on.
While one document is written to the store (a thread of its own) the next is chunked and
embedded; PyTorch lets go of the interpreter lock while it computes, so the two overlap.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from assistant.embedding import (
    Embedder,
    SentenceVectors,
    embed_chunks,
    embed_statements,
    embedding_header,
    embedding_text,
)
from assistant.errors import IngestError, TrialQAError
from assistant.language import Span
from assistant.models import Chunk, Document
from assistant.settings import Settings
from assistant.store import FORMAT, Vectors, VectorStore, chunk_metadata
from ingest.chunking import chunk_and_segment
from ingest.loaders import display_source, load_file, supported
from ingest.report import FileResult, IngestReport


def expand_paths(paths: Iterable[Path]) -> Iterator[tuple[Path, str | None]]:
    """Each file to ingest, or (path, error) for a path that cannot be walked.

    Folders are walked without following links to folders (no symlink loops); hidden entries
    and files of unsupported types inside folders are passed over. A link inside a folder to a
    file outside it is refused (a folder from elsewhere must not pull in, say, a credentials
    file); name the file itself to ingest it.
    """
    for path in paths:
        path = Path(path)
        if path.is_dir():
            top = Path(os.path.realpath(path))
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    file = Path(root) / name
                    if not name.startswith(".") and supported(file):
                        yield file, _outside(file, top)
        elif path.exists() or path.is_symlink():  # a broken link: reading it says how
            yield path, None
        else:
            yield path, f"{path}: no such file or folder"


def _outside(file: Path, top: Path) -> str | None:
    """Why a link found inside folder ``top`` is not followed, or None for a plain file."""
    if not file.is_symlink():
        return None
    target = Path(os.path.realpath(file))
    if not file.exists():
        return None  # a loop or a dangling link: reading it says which
    if target.is_relative_to(top):
        return None
    return f"{file}: a link to {target}, outside the folder; name that file itself to ingest it"


def one_line(message: str, limit: int = 400) -> str:
    """An error as one bounded line (the CLI prints one line per failed file)."""
    line = " ".join(str(message).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


# Changed documents are embedded together until their chunks reach this many (at least one
# document per call): fewer, fuller batches than a call per document.
GROUP_CHUNKS = 256


@dataclass
class _Plan:
    """A changed document, chunked and segmented, to be embedded and written."""

    document: Document
    chunks: list[Chunk]
    spans: list[list[Span]]  # each chunk's sentences
    metas: list[dict[str, Any]]
    status: str  # added | updated

    def failed(self, error: str) -> FileResult:
        d = self.document
        return FileResult(d.source, "failed", d.doc_id, error=one_line(error))

    def written(self) -> FileResult:
        d = self.document
        return FileResult(d.source, self.status, d.doc_id, len(self.chunks))


@dataclass
class _Write:
    """A document with its vectors, ready to be written."""

    plan: _Plan
    vectors: Vectors
    sentences: list[SentenceVectors]


class _Flow:
    """One ingest under way: its report, the group being gathered, groups being embedded and
    documents being written, each in file order.

    ``gather`` keeps a changed document's slot in the report and adds it to the group; a full
    group goes to ``embed``, which hands it to a worker thread, so the next group is read and
    chunked while it is embedded (with ``trialqa ingest``'s child processes the encode holds
    no interpreter lock in this process); once the group before it is embedded, that one's
    documents go to the writer. One group is embedded at a time. Leaving the ``with`` block
    waits for every group and write; each file's result goes to its slot of the report.
    """

    def __init__(self, ingestor: Ingestor, report: IngestReport) -> None:
        self.ingestor = ingestor
        self.report = report
        self.group: list[tuple[int, _Plan]] = []  # (result slot, plan), not yet embedded
        self.embedding: deque[tuple[list[tuple[int, _Plan]], Future[list[_Write]]]] = deque()
        self.writing: deque[tuple[int, str, Future[FileResult]]] = deque()
        self._stack = ExitStack()

    def __enter__(self) -> _Flow:
        # Closed last-in first-out: the writer outlives the embedder it takes from.
        self.writer = self._stack.enter_context(
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="trialqa-write")
        )
        self.embedder = self._stack.enter_context(
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="trialqa-embed")
        )
        return self

    def __exit__(self, kind, error, trace) -> None:
        try:
            if kind is None:
                self.finish()
        finally:
            self._stack.close()

    def busy(self) -> set[str]:
        """Ids of the documents in a group being embedded or a write under way."""
        embedding = {p.document.doc_id for group, _ in self.embedding for _, p in group}
        return embedding | {doc_id for _, doc_id, _ in self.writing}

    def gather(self, plan: _Plan) -> None:
        """Keep ``plan``'s slot in the report and add it to the group, embedded once full."""
        self.report.results.append(plan.failed(""))  # until its write settles
        self.group.append((len(self.report.results) - 1, plan))
        if sum(len(p.chunks) for _, p in self.group) >= GROUP_CHUNKS:
            self.embed_gathered()

    def wait_for(self, doc_id: str) -> None:
        """Embed and write everything under way when ``doc_id`` is among it: a document's id
        and whether it changed depend on its stored record."""
        if doc_id in self.busy() | {p.document.doc_id for _, p in self.group}:
            self.embed_gathered()
            self.finish()

    def embed_gathered(self) -> None:
        self.embed(self.group)
        self.group = []

    def embed(self, group: list[tuple[int, _Plan]]) -> None:
        if not group:
            return
        made = self.embedder.submit(self.ingestor._embed, [plan for _, plan in group])
        self.embedding.append((group, made))
        while len(self.embedding) > 1:
            self._write_oldest()

    def finish(self) -> None:
        """Every group embedded and every document written."""
        while self.embedding:
            self._write_oldest()
        while self.writing:
            self._settle_oldest()

    def _write_oldest(self) -> None:
        group, future = self.embedding.popleft()
        try:
            made = future.result()
        except TrialQAError as exc:
            for slot, plan in group:
                self.report.results[slot] = plan.failed(exc.message)
            made = []
        while self.writing and self.writing[0][2].done():
            self._settle_oldest()
        for (slot, _), write in zip(group, made, strict=False):
            job = self.writer.submit(self.ingestor._write, write)
            self.writing.append((slot, write.plan.document.doc_id, job))

    def _settle_oldest(self) -> None:
        slot, _, job = self.writing.popleft()
        self.report.results[slot] = job.result()


class Ingestor:
    def __init__(self, store: VectorStore, embedder: Embedder, settings: Settings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings

    def ingest(self, paths: Iterable[Path], progress: bool = False) -> IngestReport:
        """Ingest every file below ``paths``, in order.

        Changed documents are embedded in groups (one call for up to ``GROUP_CHUNKS`` chunks:
        fewer, fuller batches), each while the next group is read and chunked, and written
        one by one, in file order, by a background thread. A file whose id is in a group or a
        write under way waits for them: its id and whether it changed depend on that record.
        """
        started = time.perf_counter()
        report = IngestReport()
        paths = [Path(p) for p in paths]
        self.drop_abandoned(paths)
        files = list(expand_paths(paths))
        bar = tqdm(files, desc="ingest", unit="file", disable=not progress, leave=False)
        with _Flow(self, report) as flow:
            for path, problem in bar:
                bar.set_postfix_str(path.name[:40])
                self._take(flow, path, problem)
            flow.embed_gathered()
        report.seconds = time.perf_counter() - started
        return report

    def _take(self, flow: _Flow, path: Path, problem: str | None) -> None:
        """One file of an ingest: its result at once when it fails or is unchanged, else its
        plan gathered to be embedded and written."""
        loaded = self._load(path, problem)
        if isinstance(loaded, FileResult):
            flow.report.results.append(loaded)
            return
        flow.wait_for(loaded.doc_id)
        step = self._guarded(loaded, self._plan)
        if isinstance(step, FileResult):
            flow.report.results.append(step)
        else:
            flow.gather(step)

    def ingest_file(self, path: Path) -> FileResult:
        loaded = self._load(path)
        return loaded if isinstance(loaded, FileResult) else self.ingest_document(loaded)

    def _load(self, path: Path, problem: str | None = None) -> Document | FileResult:
        if problem:  # found while walking the folders
            return FileResult(str(path), "failed", error=one_line(problem))
        source = display_source(Path(path))
        try:
            return load_file(Path(path))
        except TrialQAError as exc:
            return FileResult(source, "failed", error=one_line(exc.message))
        except Exception as exc:  # a loader meeting a file it was not written for: this file fails
            problem = f"{Path(path).name}: cannot be read ({exc.__class__.__name__}: {exc})"
            return FileResult(source, "failed", error=one_line(problem))

    def ingest_document(self, document: Document) -> FileResult:
        """Write one loaded document (skipped when its stored copy is complete and the same)."""
        step = self._guarded(document, self._plan)
        if isinstance(step, FileResult):
            return step
        try:
            [write] = self._embed([step])
        except TrialQAError as exc:
            return step.failed(exc.message)
        return self._write(write)

    @staticmethod
    def _guarded(document: Document, work):
        try:
            return work(document)
        except TrialQAError as exc:
            return FileResult(document.source, "failed", error=one_line(exc.message))

    def _write(self, write: _Write) -> FileResult:
        plan = write.plan
        try:
            self.store.write_document(plan.document, plan.chunks, write.vectors, write.sentences)
        except TrialQAError as exc:
            return plan.failed(exc.message)
        return plan.written()

    def _plan(self, document: Document) -> _Plan | FileResult:
        """``document``'s chunks and sentences, ready to embed, or its result if unchanged."""
        document = self._resolve_id(document)
        state = self.store.document_state(document.doc_id)
        if (
            state
            and state.complete
            and state.sha256 == document.sha256
            and state.format >= FORMAT  # older records lack sentence vectors
        ):
            return FileResult(document.source, "unchanged", document.doc_id, state.chunks)
        chunks, spans = chunk_and_segment(document, self.settings.chunking.max_chars)
        if not chunks:
            raise IngestError(f"{document.source}: produced no chunks")
        metas = [chunk_metadata(document, c, i) for i, c in enumerate(chunks)]
        return _Plan(document, chunks, spans, metas, "updated" if state else "added")

    def _embed(self, plans: list[_Plan]) -> list[_Write]:
        """The vectors of several documents' chunks and statements, from one embedding call."""
        chunks = [c for p in plans for c in p.chunks]
        spans = [s for p in plans for s in p.spans]
        metas = [m for p in plans for m in p.metas]
        vectors: Vectors
        if self.settings.embedding.chunk_vectors == "sentences":
            headers = [embedding_header(c, m) for c, m in zip(chunks, metas, strict=True)]
            vectors, sentences = embed_chunks(chunks, headers, self.embedder, spans)
        else:
            texts = [embedding_text(c, m) for c, m in zip(chunks, metas, strict=True)]
            vectors = self.embedder.embed_documents(texts)
            sentences = embed_statements(chunks, self.embedder, spans)
        made, at = [], 0
        for p in plans:
            n = len(p.chunks)
            made.append(_Write(p, vectors[at : at + n], sentences[at : at + n]))
            at += n
        return made

    def drop_abandoned(self, paths: Iterable[Path]) -> list[str]:
        """Remove what an interrupted write left of files that are gone since.

        A write killed part-way leaves its record incomplete (and maybe some chunks); the next
        ingest of the file redoes it. When the file itself was deleted meanwhile, nothing would
        ever redo it: its partial chunks would stay searchable and its id taken. Only records
        of files below ``paths`` (as given now) are considered, and only when the file is gone.
        """
        roots = [display_source(p) for p in paths]
        dropped = []
        for record in self.store.incomplete_documents():
            if any(_below(record.source, root) for root in roots) and not _exists(record.source):
                self.store.delete_document(record.doc_id)
                dropped.append(record.doc_id)
        return dropped

    def _resolve_id(self, document: Document) -> Document:
        """Keep two different files from sharing an id: the later one gets a path suffix.

        An id held only by an interrupted write of a file that no longer exists is free.
        """
        state = self.store.document_state(document.doc_id)
        if state is None or state.source == document.source:
            return document
        if not state.complete and not _exists(state.source):
            return document  # write_document replaces the record and drops its chunks
        suffix = hashlib.sha1(document.source.encode()).hexdigest()[:6]
        return document.model_copy(update={"doc_id": f"{document.doc_id}-{suffix}"})


def _below(source: str, root: str) -> bool:
    """Whether a stored source lies in (or is) ``root``, both as ``display_source`` gives them."""
    if root == ".":  # the working directory: every relative source
        return not Path(source).is_absolute()
    return source == root or source.startswith(root.rstrip("/") + "/")


def _exists(source: str) -> bool:
    """Whether a stored source (relative to the working directory, or absolute) is a file."""
    return bool(source) and Path(source).is_file()
