"""Query latency and memory at growing index sizes: TrialQA vs LangChain's similarity_search.

For each size (chunks per index; 1k and 10k by default, 100k with ``--large``) two indexes
are built, one per stack, each from its own chunks of the same public texts: TrialQA's
store (``ChromaStore.write_document``: chunks, documents, offsets) and a LangChain Chroma
collection (``add_texts`` of ``RecursiveCharacterTextSplitter`` chunks).

Only the first ``--unique`` chunks of each stack are distinct texts; the rest are copies of
them with small perturbations (``perturb``): every digit shifted (``3`` -> ``4`` in copy 1, so
numbers, doses and ids differ), the case of every 7th character flipped (invisible to the
uncased model and to BM25, but no string cache mistakes a copy's sentence for the original's),
lengths and offsets kept, and the title marked ``(copy n)``. Index
vectors are made once per distinct text by ``--fill-backend`` (the int8 ONNX export by
default, to keep the build short) and a copy's vector is its original's plus a little noise
(cosine about 0.97), so the HNSW graph holds near neighbours, not exact duplicates. Building
is not timed; only queries are.

Then, per size and back to back, each in a fresh process (so its memory is its own):

- TrialQA in-process: ``engine.answer(q)`` (ask) and ``retriever.search(q, k=4)`` (search),
  interleaved, with each embedding backend of ``--backends``, after a few warm-up questions;
- LangChain in-process: ``Chroma.similarity_search(q, k=4)`` with ``HuggingFaceEmbeddings``;
- TrialQA over HTTP: ``POST /v1/ask`` and ``GET /v1/search?k=4`` against ``trialqa serve``
  (a subprocess on a free loopback port, first backend), one client, sequential.

Questions are PubMedQA questions and Evidence Inference prompts, each asked once (no cache
can answer a repeat). Latencies are wall-clock per call; RSS is read from /proc.

    python -m bench.query_latency [--sizes 1000,10000] [--large] [--queries 40]
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

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


def build_base(work: Path, unique: int, fill_backend: str) -> Base:
    from assistant.lexical import embedding_text
    from assistant.store import chunk_metadata
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
    embedder = common.trialqa_embedder(fill_backend)
    texts = [
        [embedding_text(c, chunk_metadata(d, c, i)) for i, c in enumerate(cs)]
        for d, cs in zip(documents, chunks, strict=True)
    ]
    print(f"  embedding {total} TrialQA chunks ({fill_backend})...", file=sys.stderr)
    flat = embedder.encode([t for ts in texts for t in ts])
    vectors, lo = [], 0
    for ts in texts:
        vectors.append(flat[lo : lo + len(ts)])
        lo += len(ts)
    lc_chunks = [common.langchain_split([f]) for f in files]
    print(
        f"  embedding {sum(map(len, lc_chunks))} LangChain chunks ({fill_backend})...",
        file=sys.stderr,
    )
    flat = embedder.encode([c.page_content for cs in lc_chunks for c in cs])
    lc_vectors, lo = [], 0
    for cs in lc_chunks:
        lc_vectors.append(flat[lo : lo + len(cs)])
        lo += len(cs)
    return Base(documents, chunks, vectors, lc_chunks, lc_vectors)


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


def fill_trialqa(base: Base, folder: Path, size: int) -> int:
    from assistant.models import Chunk
    from assistant.store import ChromaStore

    store = ChromaStore(folder)
    rng = np.random.default_rng(1)
    written = 0
    for copy, i in copies(len(base.documents), size, [len(c) for c in base.chunks]):
        doc, chunks, vectors = base.documents[i], base.chunks[i], base.vectors[i]
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
        store.write_document(doc, chunks, vectors.tolist())
        written += len(chunks)
    return written


def fill_langchain(base: Base, folder: Path, size: int) -> int:
    prepared = common.Prepared()
    store = common.langchain_open(folder, prepared)
    rng = np.random.default_rng(2)
    written = 0
    for copy, i in copies(len(base.lc_chunks), size, [len(c) for c in base.lc_chunks]):
        chunks, vectors = base.lc_chunks[i], base.lc_vectors[i]
        texts = [perturb(c.page_content, copy) for c in chunks]
        metas = [
            {**c.metadata, "source": c.metadata["source"] + (f"#copy{copy}" if copy else "")}
            for c in chunks
        ]
        prepared.next = (noisy(vectors, rng) if copy else vectors).tolist()
        store.add_texts(texts, metadatas=metas, ids=[f"{copy}-{i}-{n}" for n in range(len(texts))])
        written += len(texts)
    return written


def questions() -> list[str]:
    """Public questions in a fixed order: PubMedQA questions and EI prompts, interleaved."""
    out = []
    for _, _, qs in sources():
        out.extend(q.text for q in qs[:1])
    return out


# -- the workers (one process each) ---------------------------------------------------------
def worker_trialqa(store: Path, backend: str, qs: list[str], warmup: int) -> dict[str, Any]:
    from assistant.factory import build

    rss_start = common.rss_mb()
    services = build(
        common.trialqa_settings(store, backend), embedder=common.trialqa_embedder(backend)
    )
    rss_model = common.rss_mb()
    chunks = services.store.count_chunks()
    services.retriever.lexical  # noqa: B018 - the BM25 index, as the server builds it
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
        "rss_start_mb": rss_start,
        "rss_model_mb": rss_model,
        "rss_ready_mb": rss_ready,
        "rss_after_mb": common.rss_mb(),
        "ask": ask,
        "search": search,
    }


def worker_langchain(store: Path, qs: list[str], warmup: int) -> dict[str, Any]:
    rss_start = common.rss_mb()
    embeddings = common.langchain_embeddings()
    rss_model = common.rss_mb()
    vs = common.langchain_open(store, embeddings)
    chunks = vs._collection.count()
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
        "rss_start_mb": rss_start,
        "rss_model_mb": rss_model,
        "rss_ready_mb": rss_ready,
        "rss_after_mb": common.rss_mb(),
        "search": search,
    }


def run_worker(
    kind: str, store: Path, backend: str, qs: list[str], warmup: int, work: Path, in_process: bool
) -> dict[str, Any]:
    if in_process:
        if kind == "trialqa":
            return worker_trialqa(store, backend, qs, warmup)
        return worker_langchain(store, qs, warmup)
    qfile = work / "questions.json"
    qfile.write_text(json.dumps(qs))
    done = subprocess.run(
        [sys.executable, "-m", "bench.query_latency", "--worker", kind, "--store", str(store),
         "--backend", backend, "--questions", str(qfile), "--warmup", str(warmup)],
        cwd=common.ROOT, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{kind} worker failed: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def http_latency(store: Path, backend: str, qs: list[str], warmup: int) -> dict[str, Any]:
    import httpx

    with (
        common.serve(store, backend) as server,
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
            "rss_after_mb": common.rss_mb(server.process.pid),
            "ask": asks,
            "search": searches,
        }


# -- the benchmark --------------------------------------------------------------------------
def run(args: argparse.Namespace) -> dict[str, Any]:
    common.require_langchain()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.large:
        sizes.append(100_000)
    backends = [b for b in args.backends.split(",") if b]
    warmup = args.warmup
    qs = questions()[: warmup + args.queries]
    work = Path(tempfile.mkdtemp(prefix="trialqa-bench-query-"))
    results, latency_rows, memory_rows = [], [], []
    inf = args.in_process
    try:
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
            http = None if args.no_http else http_latency(tq_store, backends[0], qs, warmup)
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
                "memory": {"langchain": {k: v for k, v in lc.items() if k.startswith("rss")}},
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
                     w["rss_ready_mb"], w["rss_after_mb"], w["rss_after_mb"] - w["rss_model_mb"]]
                )  # fmt: skip
            if http:
                entry["memory"]["trialqa serve"] = {"rss_after_mb": http["rss_after_mb"]}
                entry["server_ready_seconds"] = http["ready_seconds"]
                nan = float("nan")
                memory_rows.append(
                    [size, f"trialqa serve, {backends[0]}", tq_chunks, nan, nan,
                     http["rss_after_mb"], nan]
                )  # fmt: skip
            results.append(entry)
            shutil.rmtree(tq_store, ignore_errors=True)
            shutil.rmtree(lc_store, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"Query latency (ms), {args.queries} distinct questions per operation after {warmup} "
        f"warm-up; load average now {common.load_average():.1f} on {common.os.cpu_count()} cores"
    )
    print(
        common.table(
            ["chunks", "operation", "n", "p50", "p95", "p99", "mean", "p50 vs LangChain"],
            latency_rows,
        )
    )
    where = "one process each" if not inf else "all in this process: not comparable"
    print(f"\nResident memory (MiB; {where}): model loaded, warmed up, after the questions")
    print(
        common.table(
            ["chunks", "process", "indexed", "model", "ready", "after", "growth"], memory_rows
        )
    )
    return {
        "sizes": sizes,
        "unique": unique,
        "backends": backends,
        "fill_backend": args.fill_backend,
        "queries": args.queries,
        "in_process": inf,
        "results": results,
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
        help="embedder of the index vectors (default onnx-int8)",
    )
    p.add_argument("--no-http", action="store_true", help="skip the HTTP measurements")
    p.add_argument(
        "--in-process",
        action="store_true",
        help="run the measurements in this process (quicker; memory figures then mix)",
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.query_latency", description=__doc__.split("\n")[0]
    )
    add_arguments(p)
    p.add_argument(
        "--backends",
        default="torch,onnx-int8",
        help="TrialQA embedding backends; HTTP uses the first (default torch,onnx-int8)",
    )
    p.add_argument("--backend", default="torch", help=argparse.SUPPRESS)  # a worker's backend
    p.add_argument("--out", type=Path, help="folder for the JSON (default bench/results)")
    p.add_argument("--worker", choices=["trialqa", "langchain"], help=argparse.SUPPRESS)
    p.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--questions", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        qs = json.loads(args.questions.read_text())
        if args.worker == "trialqa":
            out = worker_trialqa(args.store, args.backend, qs, args.warmup)
        else:
            out = worker_langchain(args.store, qs, args.warmup)
        print(json.dumps(out))
        return 0
    try:
        result = run(args)
    except common.MissingExtra as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {common.write_result('query', result, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
