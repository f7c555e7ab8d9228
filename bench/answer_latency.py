"""Warm ``ask`` latency of the learned answer cascade against the engines before it.

Two scopes, as the answers issue sets them: the shipped corpus (the gold set's questions,
unfiltered) and one full-text paper of about 30,000 characters (an Evidence Inference
validation article, its prompts asked with a ``doc_id`` filter, so every sentence of the paper
is scored). Per question, interleaved (the order rotating): the default engine (the scorer's
shortlist reread by the reranker, ``rank_by=cascade``), the scorer alone (``rank_by=scorer``),
the first round's ranking (``rank_by=coverage``, ``decline_by=coverage``), and the previous
engine's scoring (``CoverageEngine`` below: cosine and idf-weighted word coverage over the
sentences of six retrieved passages, the hand-set mix it used until the scorer came) over the
same store and model. Prints p50/p95 of each and the default's p95 over the previous one's,
with the CPU they ran on.

    python -m bench.answer_latency [--questions 40]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answering.candidates import Candidate, cited_as, passage_context
from assistant.answering.engine import ExtractiveEngine
from assistant.embedding.sentences import statements
from assistant.language.query import analyse
from assistant.language.text import tokenize
from assistant.models import Answer, Filters
from bench import common

PAPER_CHARS = 30_000


class CoverageEngine(ExtractiveEngine):
    """The previous scoring, kept here as the latency baseline: each sentence of the six best
    passages scored 0.5 cosine + 0.3 coverage + 0.2 coverage with its context."""

    def answer(self, question, *, k=None, filters=None, conversation_id=None) -> Answer:
        query = analyse(question)
        passages = self.retriever.search(query, 6, filters)
        stored = self.retriever.store.sentence_vectors([p.chunk.chunk_id for p in passages])
        lexical = self.retriever.lexical
        weights = [lexical.idf(g.term) for g in query.groups]
        total = sum(weights) or 1.0
        q_vec = np.asarray(self.retriever.query_vector(query.dense_text))
        best: list[Candidate] = []
        for p in passages:
            kept = stored.get(p.chunk.chunk_id)
            spans = kept.spans if kept else [(s.start, s.end) for s in statements(p.chunk)]
            context = passage_context(p)
            for i, (a, b) in enumerate(spans):
                text = p.chunk.text[a:b]
                tokens = set(tokenize(text))
                vector = kept.vectors[i] if kept else self._vectors([text])[0]
                cover = sum(w for g, w in zip(query.groups, weights, strict=True)
                            if g.satisfied_by(tokens)) / total  # fmt: skip
                cover_ctx = sum(w for g, w in zip(query.groups, weights, strict=True)
                                if g.satisfied_by(tokens | context)) / total  # fmt: skip
                c = Candidate(p, p.chunk.start + a, p.chunk.start + b, text, tokens | context)
                c.score = 0.5 * float(vector @ q_vec) + 0.3 * cover + 0.2 * cover_ctx
                best.append(c)
        best.sort(key=lambda c: -c.score)
        chosen = best[:1]
        return Answer(question=question, answer=" ".join(f"{c.text} [1]" for c in chosen),
                      abstained=not chosen, citations=cited_as(chosen))  # fmt: skip


def cpu() -> dict[str, Any]:
    """The CPU model and the flags that decide the embedding precision."""
    model, flags = common.cpu_info()
    return {
        "model": model,
        "flags": sorted(flags & {"amx_bf16", "amx_tile", "avx512_bf16", "avx512f", "avx2"}),
    }


def paper(data: Path) -> tuple[str, str, list[str]] | None:
    """The EI2 validation article nearest 30,000 characters: (pmcid, text, its prompts)."""
    path = data / "evidence_inference" / "ei2_validation.json"
    if not path.is_file():
        return None
    loaded = json.loads(path.read_text())
    pmcid = min(loaded["articles"], key=lambda k: abs(len(loaded["articles"][k]) - PAPER_CHARS))
    from eval.public import evidence_question

    prompts = [evidence_question(p) for p in loaded["prompts"] if p["pmcid"] == pmcid]
    return pmcid, loaded["articles"][pmcid], prompts


def run(args: argparse.Namespace) -> dict[str, Any]:
    from assistant.factory import build
    from assistant.settings import Settings
    from eval.cases import GOLD, load_cases
    from eval.splits import DATA
    from ingest.pipeline import Ingestor

    folder = Path(tempfile.mkdtemp(prefix="trialqa-bench-answer-"))
    try:
        settings = Settings()
        settings.store.path = folder / "store"
        settings.store.kind = "embedded"
        services = build(settings)
        files = [common.GOLD_CORPUS]
        found = paper(DATA)
        if found:
            (folder / "paper").mkdir()
            (folder / "paper" / f"paper-{found[0].lower()}.txt").write_text(found[1])
            files.append(folder / "paper")
        Ingestor(services.store, services.embedder, settings).ingest(files)
        baseline = CoverageEngine(services.retriever, services.embedder, settings.answer)

        def engine(rank_by: str, decline_by: str) -> ExtractiveEngine:
            update = {"rank_by": rank_by, "decline_by": decline_by}
            answer = settings.answer.model_copy(update=update)
            return ExtractiveEngine(services.retriever, services.embedder, answer)

        gold = [c.user_input for c in load_cases(GOLD) if not c.turns][: args.questions]
        scopes = {"shipped corpus": (gold, None)}
        if found:
            doc = Filters(doc_id=f"paper-{found[0].lower()}")
            asks = (found[2] * (1 + args.questions // max(len(found[2]), 1)))[: args.questions]
            scopes[f"one paper ({len(found[1]):,} chars, filtered)"] = (asks, doc)
        engines = [
            ("cascade", engine("cascade", "probability")),
            ("scorer", engine("scorer", "probability")),
            ("coverage", engine("coverage", "coverage")),
            ("previous", baseline),
        ]
        for q in gold[:5]:  # warm up all of them
            for _, engine in engines:
                engine.answer(q)
        rows = []
        for name, (questions, filters) in scopes.items():
            times: dict[str, list[float]] = {label: [] for label, _ in engines}
            for i, q in enumerate(questions):
                turn = i % len(engines)  # the order rotates every question
                for label, engine in engines[turn:] + engines[:turn]:
                    started = time.perf_counter()
                    engine.answer(q, filters=filters)
                    times[label].append(time.perf_counter() - started)
            row = {label: common.percentiles(times[label]) for label, _ in engines}
            old = row["previous"]["p95"]
            ratio = row["cascade"]["p95"] / old if old else None
            rows.append({"scope": name, "questions": len(questions), **row, "p95_ratio": ratio})
        result = {"cpu": cpu(), "load": common.load(), "results": rows}
        show(result)
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def show(result: dict[str, Any]) -> None:
    c = result["cpu"]
    print(f"CPU: {c['model']} (flags: {', '.join(c['flags']) or 'none of note'}); "
          f"{result['load']}")  # fmt: skip
    labels = ("cascade", "scorer", "coverage", "previous")
    heads = "  ".join(f"{label + ' p50/p95':>19}" for label in labels)
    print(f"{'scope':40} {'n':>3}  {heads}  {'cascade/previous p95':>20}  (ms)")
    for r in result["results"]:
        cells = "  ".join(f"{r[k]['p50']:>9.1f}/{r[k]['p95']:<9.1f}" for k in labels)
        print(f"{r['scope']:40} {r['questions']:>3}  {cells}  {r['p95_ratio']:>19.2f}x")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--questions", type=int, default=40, help="questions per scope")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.answer_latency", description=__doc__)
    add_arguments(p)
    p.add_argument("--out", type=Path, help="folder for the JSON (default bench/results)")
    args = p.parse_args(argv)
    result = run(args)
    print(f"wrote {common.write_result('answer', result, args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
