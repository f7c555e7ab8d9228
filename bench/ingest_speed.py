"""Ingest speed: TrialQA's pipeline vs the textbook LangChain pipeline vs the bare model.

On the same files (``bench/corpus.py``), with every model loaded and warmed first:

- **LangChain**: read the files, ``RecursiveCharacterTextSplitter`` (1000/200),
  ``HuggingFaceEmbeddings`` over the packaged model, ``Chroma.from_documents`` to a folder;
- **TrialQA** (per embedding backend): ``assistant.factory.build`` over a temporary store and
  ``ingest.pipeline.Ingestor`` (load, normalise, chunk, embed in context, write);
- **floor**: ``SentenceTransformer.encode`` (float32, as LangChain runs it) alone of the texts
  each pipeline embeds, and TrialQA's own encoders (torch: bfloat16 where the CPU has AMX,
  packed; int8 ONNX) alone of TrialQA's texts: the part no pipeline can avoid;
- **re-ingest**: TrialQA over its own store again, nothing changed: hashes, no embeddings.

Runs are interleaved (the order rotates each repeat) and the best of them is reported (noise
on a shared machine only adds time), with the CPU seconds the process used, so a busy machine
weighs on all of them alike. Characters/s counts the files' characters, the same for
every pipeline; chunks/s counts each pipeline's own chunks. After the first repeat, each
store answers the corpus's retrieval checks (recall@1 and @4: a PubMedQA question finds its
abstract; an Evidence Inference prompt finds a passage holding its evidence).

Then retrieval on the evaluation's gold set (``eval/gold/trialqa.jsonl`` over ``corpus/``, as
``trialqa eval`` ingests it): LangChain's pipeline over the same files and
``similarity_search``, vs TrialQA's ``Retriever.search`` per backend; recall@1/@4/@5 and MRR of
the documents each case names, and the share of expected facts the top passages hold.

    python -m bench.ingest_speed [--docs 24] [--repeats 3] [--gold-cases N] [--backends ...]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import common
from bench.corpus import Corpus, evidence_hit, write_corpus

PROCESSES = "embedding processes"


@dataclass
class Sample:
    seconds: float  # wall clock
    cpu: float  # CPU seconds of this process, all threads
    embedding: float  # wall seconds inside the embedder
    chunks: int


class CountingEmbedder:
    """Passes through to an embedder; counts the texts it embeds and the time that takes."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.texts = 0
        self.seconds = 0.0

    @property
    def loaded(self) -> bool:
        return True

    def embed_documents(self, texts: list[str]) -> list[list[float]]:  # LangChain's call
        return self._timed(self.inner.embed_documents, texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    def encode(self, texts):  # TrialQA's ingest calls this (``assistant.embedding.sentences``)
        return self._timed(self.inner.encode, texts)

    def _timed(self, call, texts):
        self.texts += len(texts)
        with common.timer() as t:
            vectors = call(texts)
        self.seconds += t[0]
        return vectors


def trialqa_texts(files: list[Path], settings) -> list[str]:
    """What TrialQA's pipeline embeds for ``files`` with ``settings``: each distinct sentence
    and context header of a document (``chunk_vectors="sentences"``), or every chunk in its
    document's context and each distinct statement (``"whole"``)."""
    from assistant.embedding.sentences import chunk_pieces, statements
    from assistant.embedding.texts import embedding_header, embedding_text
    from assistant.store.chroma import chunk_metadata
    from ingest.chunking import chunk_and_segment
    from ingest.loaders import load_file

    texts = []
    for path in files:
        doc = load_file(path)
        chunks, spans = chunk_and_segment(doc, settings.chunking.max_chars)
        metas = [chunk_metadata(doc, c, i) for i, c in enumerate(chunks)]
        if settings.embedding.chunk_vectors == "sentences":
            headers = [embedding_header(c, m) for c, m in zip(chunks, metas, strict=True)]
            pieces, _ = chunk_pieces(chunks, headers, spans)
            texts += dict.fromkeys(t for ts in pieces for t in ts)
        else:
            texts += [embedding_text(c, m) for c, m in zip(chunks, metas, strict=True)]
            found = (c.text[s.start : s.end] for c, ss in zip(chunks, spans, strict=True)
                     for s in statements(c, ss))  # fmt: skip
            texts += dict.fromkeys(found)
    return texts


def recall(hits: list[list[bool]]) -> dict[str, float]:
    n = len(hits) or 1
    return {
        "recall@1": sum(h[:1] == [True] for h in hits) / n,
        f"recall@{common.LANGCHAIN_K}": sum(any(h) for h in hits) / n,
        "queries": len(hits),
    }


def trialqa_quality(services, corpus: Corpus) -> dict[str, float]:
    hits = []
    for q in corpus.queries:
        passages = services.retriever.search(q.text, common.LANGCHAIN_K)
        hits.append([evidence_hit(q, p.chunk.doc_id, p.chunk.text) for p in passages])
    return recall(hits)


def langchain_quality(store, corpus: Corpus) -> dict[str, float]:
    hits = []
    for q in corpus.queries:
        found = store.similarity_search(q.text, k=common.LANGCHAIN_K)
        hits.append(
            [evidence_hit(q, Path(d.metadata["source"]).stem, d.page_content) for d in found]
        )
    return recall(hits)


# -- the gold set --------------------------------------------------------------------------
GOLD_K = (1, 4, 5)


def gold_files(cases: list) -> list[Path]:
    """The files of ``corpus/`` TrialQA ingests; with only some ``cases``, just the files they
    name (the smoke test's tiny size)."""
    from eval.cases import load_cases
    from ingest.loaders import load_file
    from ingest.pipeline import expand_paths

    files = [p for p, error in expand_paths([common.GOLD_CORPUS]) if error is None]
    if len(cases) < len(load_cases()):
        named = {d for c in cases for d in c.reference_context_ids}
        files = [p for p in files if load_file(p).doc_id in named]
    return files


def gold_scores(cases: list, rank) -> dict[str, Any]:
    """The evaluation's retrieval metrics (``eval.metrics``) of ``rank(question)``, a list of
    (doc_id, passage text) best first, over the gold ``cases``:

    - ``recall@k``: share of a case's ``reference_context_ids`` among the first k passages
      (a must-abstain case names the documents nearest its answer), averaged as ``trialqa eval``
      does;
    - ``mrr``: 1 / rank of the first passage from an expected document;
    - ``facts@k``: share of an answerable case's expected facts and numbers that the first k
      passages' text holds (``citation_support`` of those passages; a calculator case's numbers
      come from a calculation and are left out)."""
    from eval import metrics as m
    from eval.runner import SEARCH_K

    found: dict[str, list] = {}
    for case in cases:
        hits = rank(case.user_input)[:SEARCH_K]
        ids = [doc_id for doc_id, _ in hits]
        scores = {f"recall@{k}": m.recall_at_k(ids, case.reference_context_ids, k) for k in GOLD_K}
        scores["mrr"] = m.reciprocal_rank(ids, case.reference_context_ids)
        if not case.must_abstain:
            numbers = [] if "calculator" in case.tags else case.expected_numbers
            for k in GOLD_K[1:]:
                texts = [text for _, text in hits[:k]]
                scores[f"facts@{k}"] = m.citation_support(texts, case.expected_facts, numbers)
        for key, value in scores.items():
            found.setdefault(key, []).append(value)
    return {
        "cases": len(cases),
        "with_documents": sum(bool(c.reference_context_ids) for c in cases),
        **{key: m.mean(values) for key, values in found.items()},
    }


def ranking(retriever):
    """``rank(question)`` of TrialQA's retriever, as ``trialqa eval`` ranks (k=10)."""
    from eval.runner import SEARCH_K

    def rank(question: str) -> list[tuple[str, str]]:
        return [(p.chunk.doc_id, p.chunk.text) for p in retriever.search(question, SEARCH_K)]

    return rank


def gold_retrieval(
    backends: list[str], embedders: dict, lc_embeddings, work: Path, limit: int | None
) -> dict[str, Any]:
    """Retrieval on the gold set over ``corpus/``: LangChain's ``similarity_search`` over its
    own index of the same files, and TrialQA's ``Retriever.search`` (what ``trialqa eval``
    ranks) per backend. Ingesting is not timed here."""
    from eval.cases import load_cases
    from eval.runner import SEARCH_K, InProcessTarget
    from ingest.loaders import load_file

    cases = load_cases()[:limit] if limit else load_cases()
    files = gold_files(cases)
    print(f"gold: {len(cases)} cases over {len(files)} files of corpus/...", file=sys.stderr)
    doc_id = {str(p): load_file(p).doc_id for p in files}
    store, lc_chunks = common.langchain_ingest(files, lc_embeddings, work / "gold-langchain")

    def langchain(question: str) -> list[tuple[str, str]]:
        found = store.similarity_search(question, k=SEARCH_K)
        return [(doc_id[d.metadata["source"]], d.page_content) for d in found]

    results = [
        {"name": "LangChain similarity_search", "chunks": lc_chunks,
         **gold_scores(cases, langchain)}
    ]  # fmt: skip
    for b in backends:
        settings = common.trialqa_settings(work / "unused", b)
        target = InProcessTarget.from_corpus(files, settings, embedder=embedders[b])
        try:
            results.append(
                {"name": f"TrialQA Retriever.search, {b}",
                 "chunks": target.services.store.count_chunks(),
                 **gold_scores(cases, ranking(target.services.retriever))}
            )  # fmt: skip
        finally:
            target.close()
    return {"corpus": "corpus/", "files": len(files), "cases": len(cases), "results": results}


def gold_table(gold: dict[str, Any]) -> str:
    keys = [*(f"recall@{k}" for k in GOLD_K), "mrr", *(f"facts@{k}" for k in GOLD_K[1:])]
    rows = [
        [r["name"], r["chunks"], *(f"{r[k]:.3f}" if r.get(k) is not None else "-" for k in keys)]
        for r in gold["results"]
    ]
    return common.table(["retriever", "chunks", *keys], rows)


def run(args: argparse.Namespace) -> dict[str, Any]:
    common.require_langchain()
    from assistant.factory import build, make_ingest_embedder
    from ingest.pipeline import Ingestor

    backends = common.backends(args)
    with common.scratch("ingest") as work, ExitStack() as work_stack:
        corpus = write_corpus(work / "docs", args.docs)
        print(
            f"ingest: {len(corpus.files)} files, {corpus.chars:,} characters; warming models...",
            file=sys.stderr,
        )
        lc_embeddings = common.langchain_embeddings()
        embedders = {b: common.trialqa_embedder(b) for b in backends}
        settings = common.trialqa_settings(work / "unused")
        tq_texts = trialqa_texts(corpus.files, settings)
        lc_texts = [c.page_content for c in common.langchain_split(corpus.files)]
        bare = lc_embeddings._client  # the SentenceTransformer HuggingFaceEmbeddings holds

        def floor(encode, texts):
            def go(first: bool):
                with common.timer() as t:
                    encode(texts)
                return Sample(t[0], t[1], t[0], len(texts)), None, None

            return go

        def st_encode(texts):
            bare.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)

        def langchain(first: bool):
            folder = Path(tempfile.mkdtemp(dir=work))
            counting = CountingEmbedder(lc_embeddings)
            with common.timer() as t:
                store, n = common.langchain_ingest(corpus.files, counting, folder)
            quality = langchain_quality(store, corpus) if first else None
            del store
            shutil.rmtree(folder, ignore_errors=True)
            return Sample(t[0], t[1], counting.seconds, n), quality, None

        def trialqa(backend: str, embedder=None):
            def go(first: bool):
                folder = Path(tempfile.mkdtemp(dir=work))
                counting = CountingEmbedder(embedder or embedders[backend])
                services = build(common.trialqa_settings(folder, backend), embedder=counting)
                ingestor = Ingestor(services.store, counting, services.settings)
                with common.timer() as t:
                    report = ingestor.ingest([corpus.folder])
                assert not report.failed, report.failed
                embedded, embedding = counting.texts, counting.seconds
                with common.timer() as again:
                    second = ingestor.ingest([corpus.folder])
                reingest = {
                    "seconds": again[0],
                    "unchanged": second.counts["unchanged"],
                    "texts_embedded": counting.texts - embedded,
                }
                quality = trialqa_quality(services, corpus) if first else None
                del services, ingestor
                shutil.rmtree(folder, ignore_errors=True)
                sample = Sample(t[0], t[1], embedding, report.chunks_written)
                return sample, quality, reingest

            return go

        runs: dict[str, Any] = {"LangChain (splitter + HF + Chroma)": langchain}
        for b in backends:
            runs[f"TrialQA {b}"] = trialqa(b)
        if "torch" in embedders and (processes := make_ingest_embedder(settings)) is not None:
            # What `trialqa ingest` runs: the model in a child process per core, warmed first.
            work_stack.enter_context(processes)
            processes.encode(["warm up"])
            runs[f"TrialQA torch, {PROCESSES} (trialqa ingest)"] = trialqa("torch", processes)
        runs["floor: ST.encode, TrialQA's texts"] = floor(st_encode, tq_texts)
        runs["floor: ST.encode, LangChain's chunks"] = floor(st_encode, lc_texts)
        if "torch" in embedders:
            precision = embedders["torch"].dtype
            runs[f"floor: TrialQA torch ({precision}, packed), TrialQA's texts"] = floor(
                embedders["torch"].encode, tq_texts
            )
        if "onnx-int8" in embedders:
            runs["floor: ONNX int8 encode, TrialQA's texts"] = floor(
                embedders["onnx-int8"].encode, tq_texts
            )

        names = list(runs)
        done = common.interleave(runs, args.repeats)
        samples = {n: [sample for sample, _, _ in done[n]] for n in names}
        quality = {n: q for n in names for _, q, _ in done[n] if q}
        reingest = {n: [a for _, _, a in done[n] if a] for n in names if done[n][0][2]}

        # Noise only ever adds time: the best of the interleaved runs is the estimate.
        best = {n: min(samples[n], key=lambda x: x.seconds) for n in names}
        base = best[names[0]]
        rows, out = [], []
        k = f"recall@{common.LANGCHAIN_K}"
        nan = float("nan")
        for name in names:
            b = best[name]
            entry = {
                "name": name,
                "chunks": b.chunks,
                "seconds": b.seconds,
                "cpu_seconds": b.cpu,
                "embedding_seconds": b.embedding,
                "median_seconds": statistics.median(x.seconds for x in samples[name]),
                "all_seconds": [x.seconds for x in samples[name]],
                "chunks_per_s": b.chunks / b.seconds,
                "chars_per_s": corpus.chars / b.seconds,
                "speed_vs_langchain": base.seconds / b.seconds,
                "cpu_vs_langchain": base.cpu / b.cpu,
                **quality.get(name, {}),
            }
            out.append(entry)
            q = quality.get(name, {})
            rows.append([
                name, b.chunks, b.seconds, b.embedding, b.cpu, entry["chunks_per_s"],
                entry["chars_per_s"], f"{entry['speed_vs_langchain']:.2f}x",
                f"{entry['cpu_vs_langchain']:.2f}x",
                f"{q['recall@1']:.2f}" if q else "-", f"{q[k]:.2f}" if q else "-",
            ])  # fmt: skip
        for name, again in reingest.items():
            secs = min(a["seconds"] for a in again)
            entry = {
                "name": f"{name} re-ingest, unchanged",
                "files": len(corpus.files),
                "seconds": secs,
                "files_per_s": len(corpus.files) / secs,
                "share_of_fresh_ingest": secs / best[name].seconds,
                "texts_embedded": max(a["texts_embedded"] for a in again),
                "unchanged": again[0]["unchanged"],
            }
            out.append(entry)
            rows.append([
                f"{name} re-ingest, unchanged ({entry['texts_embedded']} texts embedded)",
                0, secs, 0.0, nan, nan, corpus.chars / secs, "-", "-", "-", "-",
            ])  # fmt: skip
        print(
            f"Ingest: {len(corpus.files)} files, {corpus.chars:,} characters, "
            f"{len(corpus.queries)} retrieval checks; best of {args.repeats} interleaved run(s) "
            f"each; {common.machine()}"
        )
        print(
            common.table(
                ["pipeline", "chunks", "seconds", "embedding s", "cpu s", "chunks/s", "chars/s",
                 "vs LangChain", "(cpu)", "recall@1", k],
                rows,
            )
        )  # fmt: skip
        gold = None
        if args.gold_cases != 0:
            gold = gold_retrieval(backends, embedders, lc_embeddings, work, args.gold_cases)
            print(
                f"\nRetrieval on the gold set: {gold['cases']} cases of eval/gold/trialqa.jsonl "
                f"over {gold['files']} files of corpus/, k=10 as `trialqa eval` ranks; "
                f"{common.machine()}"
            )
            print(gold_table(gold))
        return {
            "docs": len(corpus.files),
            "chars": corpus.chars,
            "repeats": args.repeats,
            "queries": len(corpus.queries),
            "results": out,
            "gold": gold,
        }


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--docs", type=int, default=24, help="files in the corpus (default 24)")
    p.add_argument("--repeats", type=int, default=3, help="interleaved runs of each (default 3)")
    p.add_argument(
        "--gold-cases",
        type=int,
        help="gold cases in the retrieval comparison (default all; fewer: only the files they "
        "name are indexed; 0 skips it)",
    )


def main(argv: list[str] | None = None) -> int:
    return common.main("ingest", __doc__, run, add_arguments, argv, prog="bench.ingest_speed")


if __name__ == "__main__":
    sys.exit(main())
