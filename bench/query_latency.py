"""Query latency and memory at growing index sizes: TrialQA vs LangChain's similarity_search.

For each size (chunks per index; 1k and 10k by default, 100k with ``--large``) two indexes
are built, one per stack, each from its own chunks of the same public texts: TrialQA's
store (``ChromaStore.write_document``: chunks, documents, offsets; its Chroma writes gathered
into batches by ``Batched``) and a LangChain Chroma collection (``add_texts`` of
``RecursiveCharacterTextSplitter`` chunks, 5,000 at a time).

Only the first ``--unique`` chunks of each stack are distinct texts (1,000; 4,000 with
``--large``); the rest are copies of them with small perturbations (``perturb``), each with
ids of its own: every digit shifted (``3`` -> ``4`` in copy 1, so numbers, doses and ids
differ), the case of every 7th character flipped (invisible to the uncased model and to BM25,
but no string cache mistakes a copy's sentence for the original's), lengths and offsets kept,
and the title marked ``(copy n)``. So BM25 and Chroma index that many distinct records.
Vectors are made once per distinct text by ``--fill-backend`` (the int8 ONNX export by
default) and kept in ``~/.cache/trialqa-bench`` (embedding 100k chunks would take over an
hour here; the 4,000 distinct chunks of each stack took about 15 minutes, once); a copy's
vector is its original's plus a little noise (cosine about 0.97), so the HNSW graph holds
near neighbours, not exact duplicates. Building is not timed; only queries are.

Then, per size and back to back, each in a fresh process (so its memory is its own):

- TrialQA in-process: ``engine.answer(q)`` (ask) and ``retriever.search(q, k=4)`` (search),
  interleaved, with each embedding backend of ``--backends``, after a few warm-up questions;
- LangChain in-process: ``Chroma.similarity_search(q, k=4)`` with ``HuggingFaceEmbeddings``;
- TrialQA over HTTP: ``POST /v1/ask`` and ``GET /v1/search?k=4`` against ``trialqa serve``
  (a subprocess on a free loopback port, first backend), one client, sequential.

Questions are PubMedQA questions and Evidence Inference prompts, each asked once (no cache
can answer a repeat). Latencies are wall-clock per call; RSS is read from /proc at each step
(model loaded, index open and BM25 built, warmed up, after the questions). ``--profile DIR``
runs the largest size's TrialQA workers once more under ``py-spy`` and prints the functions
``engine.answer`` spends its samples in.

    python -m bench.query_latency [--sizes 1000,10000] [--large] [--queries 40] [--profile DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.language.text import Span
from bench import common
from bench.corpus import sources

NOISE = 0.25  # |noise| relative to a unit vector: cosine(copy, original) ~ 1/sqrt(1+0.25^2)


def perturb(text: str, copy: int) -> str:
    """Copy ``copy`` of ``text``, as long as it: every digit shifted by ``copy`` (numbers, doses
    and ids differ) and the case of every 7th character flipped from an offset set by ``copy``
    (the model and BM25 fold case, so meaning stays; string caches no longer match)."""
    if not copy:
        return text
    shift = copy % 10
    digits = str.maketrans("0123456789", "".join(str((d + shift) % 10) for d in range(10)))
    chars = list(text.translate(digits))
    for i in range(copy % 7, len(chars), 7):
        chars[i] = chars[i].swapcase()
    return "".join(chars)


def noisy(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noise = (
        rng.standard_normal(vectors.shape).astype(np.float32) * NOISE / math.sqrt(vectors.shape[1])
    )
    out = vectors + noise
    return out / np.linalg.norm(out, axis=1, keepdims=True)


# -- building the indexes -------------------------------------------------------------------
@dataclass
class Base:
    """The distinct chunks of each stack, with their vectors."""

    documents: list  # TrialQA Documents
    chunks: list[list]  # TrialQA chunks per document
    vectors: list[np.ndarray]  # per document
    lc_chunks: list[list]  # LangChain chunk Documents per file
    lc_vectors: list[np.ndarray]
    sentences: list[list]  # TrialQA statement vectors (SentenceVectors) per chunk, per document


def build_base(work: Path, unique: int, fill_backend: str) -> Base:
    from assistant.embedding.texts import embedding_text
    from assistant.store.chroma import chunk_metadata
    from ingest.chunking import chunk_document
    from ingest.loaders import load_file

    folder = work / "base"
    folder.mkdir(parents=True, exist_ok=True)
    documents, chunks, files, total = [], [], [], 0
    for stem, text, _ in sources():
        if total >= unique:
            break
        path = folder / f"{stem}.txt"
        path.write_text(text, encoding="utf-8")
        doc = load_file(path)
        cs = chunk_document(doc)
        documents.append(doc)
        chunks.append(cs)
        files.append(path)
        total += len(cs)
    texts = [
        [embedding_text(c, chunk_metadata(d, c, i)) for i, c in enumerate(cs)]
        for d, cs in zip(documents, chunks, strict=True)
    ]
    vectors = embedded(texts, fill_backend, "TrialQA")
    lc_chunks = [common.langchain_split([f]) for f in files]
    lc_vectors = embedded(
        [[c.page_content for c in cs] for cs in lc_chunks], fill_backend, "LangChain"
    )
    return Base(documents, chunks, vectors, lc_chunks, lc_vectors,
                statement_vectors(chunks, fill_backend))  # fmt: skip


def statement_vectors(chunks: list[list], backend: str) -> list[list]:
    """What ingest stores beside each chunk: its statements and their vectors
    (``embed_statements``), the vectors made by ``embedded`` so that they are cached on disk."""
    from assistant.embedding.sentences import SentenceVectors, statements

    spans = [[statements(c) for c in cs] for cs in chunks]
    texts = [
        [[c.text[s.start : s.end] for s in ss] for c, ss in zip(cs, per, strict=True)]
        for cs, per in zip(chunks, spans, strict=True)
    ]
    vectors = iter(embedded([ts for per in texts for ts in per], backend, "statement"))
    return [
        [SentenceVectors.of(c, ss, next(vectors)) for c, ss in zip(cs, per, strict=True)]
        for cs, per in zip(chunks, spans, strict=True)
    ]


def copied_statements(copy, vectors, rng: np.random.Generator):
    """The copy's statements: the original's spans (a copy is as long as its original, with
    the same offsets), their vectors the original's plus noise."""
    from assistant.embedding.sentences import SentenceVectors

    spans = [Span(a, b) for a, b in vectors.spans]
    return SentenceVectors.of(copy, spans, noisy(vectors.vectors, rng))


def embedded(groups: list[list[str]], backend: str, whose: str) -> list[np.ndarray]:
    """The vectors of every text, grouped as ``groups`` is; kept on disk under ``common.CACHE``
    by the texts' hash and the backend, so only the first run of a size pays for them."""
    flat = [t for ts in groups for t in ts]
    key = hashlib.sha256("\0".join([backend, common.model_path(), *flat]).encode()).hexdigest()
    path = common.CACHE / f"vectors-{key[:24]}.npy"
    if path.exists():
        print(f"  {len(flat)} {whose} vectors from {path}", file=sys.stderr)
        vectors = np.load(path)
    else:
        print(f"  embedding {len(flat)} {whose} chunks ({backend})...", file=sys.stderr)
        vectors = np.asarray(common.trialqa_embedder(backend).encode(flat), dtype=np.float32)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path.with_suffix(".tmp.npy"), vectors)
        path.with_suffix(".tmp.npy").replace(path)
    out, lo = [], 0
    for ts in groups:
        out.append(vectors[lo : lo + len(ts)])
        lo += len(ts)
    return out


def copies(n_docs: int, target: int, sizes: list[int]):
    """(copy number, document index) in writing order until ``target`` chunks are reached."""
    copy, written = 0, 0
    while written < target:
        for i in range(n_docs):
            if written >= target:
                return
            yield copy, i
            written += sizes[i]
        copy += 1


class Batched:
    """Stands in for a collection of a new ``ChromaStore`` while a benchmark index is filled:
    ``write_document`` runs as it always does, but its upserts are gathered (the last one per
    id) and sent to Chroma ``size`` records at a time, its deletes by document are skipped (the
    store is new; every id is too) and so is its generation bump (done once at the end).
    Writing document by document costs five Chroma writes each, an hour at 100k chunks."""

    def __init__(self, collection, size: int) -> None:
        self.collection, self.size = collection, size
        self.pending: dict[str, tuple] = {}

    def upsert(self, ids, embeddings, documents=None, metadatas=None) -> None:
        documents = [None] * len(ids) if documents is None else documents
        for row in zip(ids, embeddings, documents, metadatas, strict=True):
            self.pending[row[0]] = row
        if len(self.pending) >= self.size:
            self.flush()

    def update(self, ids, metadatas) -> None:
        """A record marked complete: the gathered upsert carries the new metadata."""
        for id_, meta in zip(ids, metadatas, strict=True):
            if id_ in self.pending:
                self.pending[id_] = (*self.pending[id_][:3], meta)
            else:
                self.collection.update(ids=[id_], metadatas=[meta])

    def delete(self, **_) -> None:
        pass

    def modify(self, **_) -> None:
        pass

    def flush(self) -> None:
        rows, self.pending = list(self.pending.values()), {}
        for lo in range(0, len(rows), self.size):
            ids, embeddings, documents, metadatas = map(
                list, zip(*rows[lo : lo + self.size], strict=True)
            )
            texts = None if all(d is None for d in documents) else documents
            self.collection.upsert(
                ids=ids, embeddings=embeddings, documents=texts, metadatas=metadatas
            )

    def __getattr__(self, name: str):
        return getattr(self.collection, name)


def fill_trialqa(base: Base, folder: Path, size: int) -> int:
    from assistant.models import Chunk
    from assistant.store.chroma import ChromaStore

    store = ChromaStore(folder)
    chunks_col, docs_col, sentences_col = store._chunks, store._docs, store._sentences
    store._chunks = Batched(chunks_col, store._max_batch)
    store._docs = Batched(docs_col, store._max_batch)
    store._sentences = Batched(sentences_col, store._max_batch)
    rng = np.random.default_rng(1)
    written = 0
    try:
        for copy, i in copies(len(base.documents), size, [len(c) for c in base.chunks]):
            doc, chunks, vectors = base.documents[i], base.chunks[i], base.vectors[i]
            sentences = base.sentences[i]
            if copy:
                doc_id = f"{doc.doc_id}-copy{copy}"
                doc = doc.model_copy(
                    update={
                        "doc_id": doc_id,
                        "title": f"{perturb(doc.title, copy)} (copy {copy})",
                        "text": perturb(doc.text, copy),
                        "source": f"{doc.source}#copy{copy}",
                        "sha256": f"{doc.sha256[:56]}{copy:08d}",
                    }
                )
                chunks = [
                    Chunk(
                        chunk_id=f"{doc_id}#{n:04d}",
                        doc_id=doc_id,
                        text=doc.text[c.start : c.end],  # a chunk is always its document's span
                        start=c.start,
                        end=c.end,
                        section=perturb(c.section, copy),
                    )
                    for n, c in enumerate(chunks)
                ]
                vectors = noisy(vectors, rng)
                sentences = [
                    copied_statements(c, v, rng) for c, v in zip(chunks, sentences, strict=True)
                ]
            store.write_document(doc, chunks, vectors.tolist(), sentences)
            written += len(chunks)
        store._chunks.flush()  # chunks and their statements before the records saying complete
        store._sentences.flush()
        store._docs.flush()
    finally:
        store._chunks, store._docs, store._sentences = chunks_col, docs_col, sentences_col
    store._bump_generation()
    if store.count_chunks() != written:
        raise RuntimeError(f"wrote {written} chunks, the store holds {store.count_chunks()}")
    if unfinished := store.incomplete_documents():  # retrieval would leave them out
        raise RuntimeError(f"{len(unfinished)} documents were left incomplete")
    return written


def fill_langchain(base: Base, folder: Path, size: int, batch: int = 5000) -> int:
    prepared = common.Prepared()
    store = common.langchain_open(folder, prepared)
    rng = np.random.default_rng(2)
    texts, metas, ids, vectors = [], [], [], []

    def flush() -> None:
        prepared.next = vectors[:]
        store.add_texts(texts, metadatas=metas, ids=ids)
        for pending in (texts, metas, ids, vectors):
            pending.clear()

    written = 0
    for copy, i in copies(len(base.lc_chunks), size, [len(c) for c in base.lc_chunks]):
        chunks = base.lc_chunks[i]
        texts += [perturb(c.page_content, copy) for c in chunks]
        metas += [
            {**c.metadata, "source": c.metadata["source"] + (f"#copy{copy}" if copy else "")}
            for c in chunks
        ]
        ids += [f"{copy}-{i}-{n}" for n in range(len(chunks))]
        vectors += (noisy(base.lc_vectors[i], rng) if copy else base.lc_vectors[i]).tolist()
        written += len(chunks)
        if len(texts) >= batch:
            flush()
    if texts:
        flush()
    return written


def questions() -> list[str]:
    """Public questions in a fixed order: PubMedQA questions and EI prompts, interleaved."""
    out = []
    for _, _, qs in sources():
        out.extend(q.text for q in qs[:1])
    return out


# -- the workers (one process each) ---------------------------------------------------------
def memory(rss_start: float, rss_model: float, rss_index: float, rss_ready: float):
    """Resident memory at each step of a worker: started, model loaded, index open (and for
    TrialQA its BM25 index built), warmed up, and now, after the questions."""
    return {
        "rss_start_mb": rss_start,
        "rss_model_mb": rss_model,
        "rss_index_mb": rss_index,
        "rss_ready_mb": rss_ready,
        "rss_after_mb": common.rss_mb(),
    }


def worker_trialqa(store: Path, backend: str, qs: list[str], warmup: int) -> dict[str, Any]:
    from assistant.factory import build, warm_up

    rss_start = common.rss_mb()
    services = build(
        common.trialqa_settings(store, backend), embedder=common.trialqa_embedder(backend)
    )
    rss_model = common.rss_mb()
    chunks = services.store.count_chunks()
    with common.timer() as lexical:
        services.retriever.lexical  # noqa: B018 - the BM25 index, as the server builds it
    rss_index = common.rss_mb()
    warm_up(services)  # the answer models, as `trialqa serve` loads them before it is ready
    for q in qs[:warmup]:
        services.engine.answer(q)
        services.retriever.search(q, common.LANGCHAIN_K)
    rss_ready = common.rss_mb()
    ask, search = [], []
    for q in qs[warmup:]:
        with common.timer() as t:
            services.engine.answer(q)
        ask.append(t[0])
        with common.timer() as t:
            services.retriever.search(q, common.LANGCHAIN_K)
        search.append(t[0])
    return {
        "chunks": chunks,
        "lexical_build_seconds": lexical[0],
        **memory(rss_start, rss_model, rss_index, rss_ready),
        "ask": ask,
        "search": search,
    }


def worker_langchain(store: Path, qs: list[str], warmup: int) -> dict[str, Any]:
    rss_start = common.rss_mb()
    embeddings = common.langchain_embeddings()
    rss_model = common.rss_mb()
    vs = common.langchain_open(store, embeddings)
    chunks = vs._collection.count()
    rss_index = common.rss_mb()
    for q in qs[:warmup]:
        vs.similarity_search(q, k=common.LANGCHAIN_K)
    rss_ready = common.rss_mb()
    search = []
    for q in qs[warmup:]:
        with common.timer() as t:
            vs.similarity_search(q, k=common.LANGCHAIN_K)
        search.append(t[0])
    return {
        "chunks": chunks,
        **memory(rss_start, rss_model, rss_index, rss_ready),
        "search": search,
    }


def run_worker(
    kind: str, store: Path, backend: str, qs: list[str], warmup: int, work: Path,
    in_process: bool, profile: Path | None = None,
) -> dict[str, Any]:  # fmt: skip
    """One worker, in a fresh process unless ``in_process``; under ``py-spy record`` writing
    raw folded stacks to ``profile`` if given."""
    if in_process:
        if kind == "trialqa":
            return worker_trialqa(store, backend, qs, warmup)
        return worker_langchain(store, qs, warmup)
    qfile = work / "questions.json"
    qfile.write_text(json.dumps(qs))
    cmd = [sys.executable, "-m", "bench.query_latency", "--worker", kind, "--store", str(store),
           "--backend", backend, "--questions", str(qfile), "--warmup", str(warmup)]  # fmt: skip
    if profile:
        spy = Path(sys.executable).with_name("py-spy")
        if not spy.exists():
            raise common.MissingExtra("py-spy is not installed: pip install -e '.[bench]'")
        cmd = [str(spy), "record", "--format", "raw", "--rate", "100", "--output", str(profile),
               "--", *cmd]  # fmt: skip
    done = subprocess.run(cmd, cwd=common.ROOT, capture_output=True, text=True, timeout=7200)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} worker failed: {done.stderr[-3000:]}")
    # the worker's JSON is its last line; py-spy may add lines of its own after it
    return json.loads(next(x for x in reversed(done.stdout.splitlines()) if x.startswith("{")))


FIRST_PARTY = ("assistant/", "ingest/", "api/")


def profile_summary(raw: Path, root: str = "ExtractiveEngine.answer (", top: int = 12):
    """From py-spy's raw folded stacks: the samples under ``root`` (``engine.answer``), and the
    functions on the stack in the largest shares of them (inclusive time). Only TrialQA's own
    functions are named, and the library function each of them calls ("Session.run", "BM25
    .retrieve"), not the library's insides."""

    def ours(frame: str) -> bool:
        return frame.partition(" (")[2].startswith(FIRST_PARTY)

    inside: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        at = next((n for n, f in enumerate(frames) if f.startswith(root)), None)
        if at is None:
            continue
        total += int(count)
        named = {
            f for n, f in enumerate(frames[at + 1 :], at + 1) if ours(f) or ours(frames[n - 1])
        }
        # "func (file:line)" -> "func (file)": one entry per function, whatever the line
        for name in {f.rsplit(":", 1)[0] + ")" for f in named}:
            inside[name] = inside.get(name, 0) + int(count)
    ranked = sorted(inside.items(), key=lambda kv: -kv[1])[:top]
    return {"samples": total, "top": [(name, n / total) for name, n in ranked] if total else []}


def http_latency(
    store: Path, backend: str, qs: list[str], warmup: int, timeout: float
) -> dict[str, Any]:
    import httpx

    with (
        common.serve(store, backend, timeout=timeout) as server,
        httpx.Client(base_url=server.url, timeout=120) as client,
    ):

        def ask(q: str) -> None:
            client.post("/v1/ask", json={"question": q}).raise_for_status()

        def search(q: str) -> None:
            client.get("/v1/search", params={"q": q, "k": common.LANGCHAIN_K}).raise_for_status()

        for q in qs[:warmup]:
            ask(q)
            search(q)
        asks, searches = [], []
        for q in qs[warmup:]:
            with common.timer() as t:
                ask(q)
            asks.append(t[0])
            with common.timer() as t:
                search(q)
            searches.append(t[0])
        return {
            "ready_seconds": server.ready_seconds,
            "rss_after_mb": server.rss_mb(),
            "ask": asks,
            "search": searches,
        }


# -- the benchmark --------------------------------------------------------------------------
def run(args: argparse.Namespace) -> dict[str, Any]:
    common.require_langchain()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.large:
        sizes.append(100_000)
    backends = common.backends(args)
    warmup = args.warmup
    qs = questions()[: warmup + args.queries]
    results, latency_rows, memory_rows, profiles = [], [], [], []
    inf = args.in_process
    nan = float("nan")
    with common.scratch("query") as work:
        unique = args.unique or min(max(sizes), 1000 if max(sizes) <= 10_000 else 4000)
        print(f"query: building indexes of {sizes} chunks ({unique} distinct)...", file=sys.stderr)
        base = build_base(work, unique, args.fill_backend)
        for size in sizes:
            tq_store, lc_store = work / f"trialqa-{size}", work / f"langchain-{size}"
            with common.timer() as t:
                tq_chunks = fill_trialqa(base, tq_store, size)
                lc_chunks = fill_langchain(base, lc_store, size)
            print(f"  {size}: indexes written in {t[0]:.0f} s; measuring...", file=sys.stderr)
            # back to back: the baseline, TrialQA per backend, then TrialQA over HTTP
            lc = run_worker("langchain", lc_store, "torch", qs, warmup, work, inf)
            tq = {b: run_worker("trialqa", tq_store, b, qs, warmup, work, inf) for b in backends}
            timeout = 300 + size / 50  # the server builds its BM25 index before it is ready
            http = (
                None if args.no_http else http_latency(tq_store, backends[0], qs, warmup, timeout)
            )
            if args.profile and size == max(sizes):
                args.profile.mkdir(parents=True, exist_ok=True)
                for b in backends:
                    raw = args.profile / f"ask-{size}-{b}.txt"
                    print(f"  profiling ask, {size} chunks, {b} -> {raw}", file=sys.stderr)
                    run_worker("trialqa", tq_store, b, qs, warmup, work, False, profile=raw)
                    profiles.append({"size": size, "backend": b, "raw": str(raw),
                                     **profile_summary(raw)})  # fmt: skip
            base_p50 = common.percentiles(lc["search"])["p50"]
            ops = [("LangChain similarity_search k=4", lc["search"])]
            for b in backends:
                ops += [
                    (f"TrialQA search k=4, in-process, {b}", tq[b]["search"]),
                    (f"TrialQA ask, in-process, {b}", tq[b]["ask"]),
                ]
            if http:
                ops += [
                    (f"TrialQA search k=4, HTTP, {backends[0]}", http["search"]),
                    (f"TrialQA ask, HTTP, {backends[0]}", http["ask"]),
                ]
            entry: dict[str, Any] = {
                "size": size,
                "trialqa_chunks": tq_chunks,
                "langchain_chunks": lc_chunks,
                "ops": {},
                "memory": {},
                "lexical_build_seconds": {b: tq[b]["lexical_build_seconds"] for b in backends},
            }
            for name, samples in ops:
                p = common.percentiles(samples)
                entry["ops"][name] = {**p, "vs_langchain_p50": p["p50"] / base_p50}
                latency_rows.append(
                    [size, name, p["n"], p["p50"], p["p95"], p["p99"], p["mean"],
                     f"{p['p50'] / base_p50:.2f}x"]
                )  # fmt: skip
            for name, w in [("LangChain", lc), *((f"TrialQA {b}", tq[b]) for b in backends)]:
                entry["memory"][name] = {k: v for k, v in w.items() if k.startswith("rss")}
                memory_rows.append(
                    [size, f"{name}, in-process", w["chunks"], w["rss_model_mb"],
                     w["rss_index_mb"], w["rss_ready_mb"], w["rss_after_mb"],
                     w["rss_after_mb"] - w["rss_model_mb"]]
                )  # fmt: skip
            if http:
                entry["memory"]["trialqa serve"] = {"rss_after_mb": http["rss_after_mb"]}
                entry["server_ready_seconds"] = http["ready_seconds"]
                memory_rows.append(
                    [size, f"trialqa serve, {backends[0]}", tq_chunks, nan, nan, nan,
                     http["rss_after_mb"], nan]
                )  # fmt: skip
            results.append(entry)
            shutil.rmtree(tq_store, ignore_errors=True)
            shutil.rmtree(lc_store, ignore_errors=True)
    print(
        f"Query latency (ms), {args.queries} distinct questions per operation after {warmup} "
        f"warm-up; indexes of {unique:,} distinct chunks and perturbed copies; {common.machine()}"
    )
    print(
        common.table(
            ["chunks", "operation", "n", "p50", "p95", "p99", "mean", "p50 vs LangChain"],
            latency_rows,
        )
    )
    where = "one process each" if not inf else "all in this process: not comparable"
    print(
        f"\nResident memory (MiB; {where}): model loaded, index open (TrialQA: BM25 built), "
        "warmed up, after the questions; growth = after - model"
    )
    print(
        common.table(
            ["chunks", "process", "indexed", "model", "index", "ready", "after", "growth"],
            memory_rows,
        )
    )
    for prof in profiles:
        print(
            f"\nWhere ask spends its time: {prof['size']:,} chunks, {prof['backend']}, "
            f"py-spy, {prof['samples']} samples inside engine.answer (inclusive shares)"
        )
        print(common.table(["function (file)", "share"], [[n, f"{v:.0%}"] for n, v in prof["top"]]))
    return {
        "sizes": sizes,
        "unique": unique,
        "backends": backends,
        "fill_backend": args.fill_backend,
        "queries": args.queries,
        "in_process": inf,
        "results": results,
        "profiles": profiles,
    }


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--sizes",
        default="1000,10000",
        help="chunks per index, comma-separated (default 1000,10000)",
    )
    p.add_argument("--large", action="store_true", help="add an index of 100,000 chunks")
    p.add_argument(
        "--queries", type=int, default=40, help="questions timed per operation (default 40)"
    )
    p.add_argument("--warmup", type=int, default=5, help="untimed questions first (default 5)")
    p.add_argument(
        "--unique", type=int, help="distinct chunks before copies (default 1000; 4000 with --large)"
    )
    p.add_argument(
        "--fill-backend",
        default="onnx-int8",
        help="embedder of the index vectors (default onnx-int8; cached in ~/.cache/trialqa-bench)",
    )
    p.add_argument("--no-http", action="store_true", help="skip the HTTP measurements")
    p.add_argument(
        "--in-process",
        action="store_true",
        help="run the measurements in this process (quicker; memory figures then mix)",
    )
    p.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="after the largest size's measurements, run its TrialQA workers again under "
        "py-spy, write their folded stacks to DIR and print where ask spends its time",
    )


def worker_main(argv: list[str]) -> int:
    """``--worker``: one measurement in this process, its JSON on the last line of stdout."""
    p = argparse.ArgumentParser()
    p.add_argument("--worker", choices=["trialqa", "langchain"], required=True)
    p.add_argument("--store", type=Path, required=True)
    p.add_argument("--backend", default="torch")
    p.add_argument("--questions", type=Path, required=True)
    p.add_argument("--warmup", type=int, default=5)
    args = p.parse_args(argv)
    qs = json.loads(args.questions.read_text())
    if args.worker == "trialqa":
        out = worker_trialqa(args.store, args.backend, qs, args.warmup)
    else:
        out = worker_langchain(args.store, qs, args.warmup)
    print(json.dumps(out))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--worker" in argv:
        return worker_main(argv)
    return common.main("query", __doc__, run, add_arguments, argv, prog="bench.query_latency")


if __name__ == "__main__":
    sys.exit(main())
