"""Ingest of real full-text trial articles, whole processes: TrialQA vs LangChain vs the floor.

The Evidence Inference 2.0 validation articles (``evidence_inference/ei2_validation.json`` in
``../shared/data``; 90 articles, about 2.5 M characters), written as ``.txt`` files the way
the real-document gold set writes them (``eval.realdocs.materialise``), the first ``--docs``
in PMCID order. Each variant is a fresh process, timed from its start to its exit, so model
load, imports and the store's first write count as a new user's ingest would see them:

- **LangChain**: a script that builds ``HuggingFaceEmbeddings`` over the packaged model,
  reads the files, ``RecursiveCharacterTextSplitter`` (1000/200) and
  ``Chroma.from_documents`` into a fresh folder (``bench.common.langchain_ingest``);
- **TrialQA** (per ``--backends``): ``trialqa ingest --quiet FOLDER`` into a fresh store
  (``TRIALQA_EMBEDDING__BACKEND``; the torch backend's precision as ``auto`` chooses it, or
  ``TRIALQA_EMBEDDING__PRECISION`` when set);
- **floor**: a script that loads ``SentenceTransformer`` (float32, as LangChain runs it) and
  encodes LangChain's chunk texts, batch 32: the model's part of LangChain's run, nothing else.

Each TrialQA backend ingests one article first, untimed (the int8 ONNX export is made once per
machine, and the shared imports reach the page cache). Runs are interleaved, the order
rotating every repeat (``common.interleave``); the best run of each is reported (noise on a
shared machine only adds time) with the median, the CPU seconds and peak resident memory of
the process. Characters/s counts the articles' characters, the same for every variant.
Printed with the CPU model, the flags that decide the precision (``amx_bf16``,
``avx512_bf16``; ``avx512f``, ``avx2`` for context) and the precision chosen. Without the
data it stops with one line and exit status 2.

    python -m bench.ingest_real [--docs 90] [--repeats 2] [--backends torch,onnx-int8]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import common
from bench.corpus import DATA

ARTICLES = Path("evidence_inference") / "ei2_validation.json"
TARGET = 2.0  # issue 22: ingest at least twice the LangChain pipeline's characters per second
LANGCHAIN = "LangChain (splitter + HF + Chroma)"
FLOOR = "floor: ST.encode float32, LangChain's chunks"

LANGCHAIN_SCRIPT = """
import sys
from pathlib import Path
from bench import common
files = sorted(Path(sys.argv[1]).glob("*.txt"))
store, n = common.langchain_ingest(files, common.langchain_embeddings(), Path(sys.argv[2]))
print(f"chunks={n}")
"""

FLOOR_SCRIPT = """
import json, sys
from sentence_transformers import SentenceTransformer
from bench import common
texts = json.loads(open(sys.argv[1], encoding="utf-8").read())
model = SentenceTransformer(common.model_path(), device="cpu")
model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
print(f"chunks={len(texts)}")
"""


class MissingData(RuntimeError):
    """The public data folder (or its EI2 validation articles) is absent."""


def articles_path(data: Path) -> Path:
    path = Path(data) / ARTICLES
    if not path.is_file():
        raise MissingData(
            f"{path} not found: this benchmark ingests the EI2 validation articles of the "
            "public data folder (--data to point elsewhere)"
        )
    return path


def write_articles(data: Path, folder: Path, docs: int | None) -> list[Path]:
    """The first ``docs`` EI2 validation articles (PMCID order) as ``.txt`` files in
    ``folder``, written as the real-document gold set writes them."""
    from eval.realdocs import materialise

    pmcids = sorted(json.loads(articles_path(data).read_text(encoding="utf-8"))["articles"])
    keys = [f"ei2/{p}" for p in pmcids[:docs]]
    return sorted(materialise(keys, folder, Path(data)).values())


# -- the machine ----------------------------------------------------------------------------
def cpu() -> dict[str, Any]:
    """The CPU model, which of ``common.PRECISION_FLAGS`` it lists (the first two decide
    bfloat16), and the torch precision TrialQA chooses
    with the settings of this environment (``TRIALQA_EMBEDDING__PRECISION``, ``.env``)."""
    from assistant.embedding.embedder import SentenceTransformerEmbedder, hardware_bfloat16
    from assistant.settings import Settings

    model, flags = common.cpu_info()
    setting = Settings(_env_file=common.ROOT / ".env").embedding.precision
    return {
        "model": model,
        "flags": {f: f in flags for f in common.PRECISION_FLAGS},
        "hardware_bfloat16": hardware_bfloat16(),
        "precision_setting": setting,
        "precision": SentenceTransformerEmbedder(precision=setting).dtype,
    }


def cpu_line(c: dict[str, Any]) -> str:
    flags = ", ".join(f"{f} {'yes' if on else 'no'}" for f, on in c["flags"].items())
    why = (
        f"auto: hardware_bfloat16() is {c['hardware_bfloat16']} (amx_bf16 or avx512_bf16)"
        if c["precision_setting"] == "auto"
        else f"TRIALQA_EMBEDDING__PRECISION={c['precision_setting']}"
    )
    return (
        f"CPU: {c['model']} ({flags}); torch precision chosen: {c['precision']} ({why}); "
        f"torch {c.get('torch', '?')}; {common.load()}"
    )


# -- one process ----------------------------------------------------------------------------
def process(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``cmd`` to its end: wall seconds, its CPU seconds and peak resident memory (its own
    ``wait4`` accounting), and the ``chunks=N`` or ``N chunks written`` it printed."""
    with tempfile.TemporaryFile("w+") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=common.ROOT, env={**os.environ, **(env or {})},
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        out = log.read()
    if proc.returncode != 0:
        tail = out.strip().splitlines()[-1:] or ["(no output)"]
        raise RuntimeError(f"{' '.join(cmd[:4])} exited with {proc.returncode}: {tail[0]}")
    chunks = re.findall(r"chunks=(\d+)|(\d+) chunks written", out)
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,  # kilobytes on Linux
        "chunks": int("".join(chunks[-1])) if chunks else 0,
    }


def variants(files: list[Path], backends: list[str], work: Path) -> dict[str, Callable]:
    """name -> ``run(first)``: one whole process over the articles in ``files``' folder."""
    folder = files[0].parent
    texts = work / "langchain-chunks.json"
    texts.write_text(json.dumps([c.page_content for c in common.langchain_split(files)]))

    def fresh() -> str:
        return tempfile.mkdtemp(dir=work)

    def langchain(first: bool) -> dict[str, Any]:
        return process([sys.executable, "-c", LANGCHAIN_SCRIPT, str(folder), fresh()])

    def trialqa(backend: str) -> Callable[[bool], dict[str, Any]]:
        def go(first: bool) -> dict[str, Any]:
            cmd = [sys.executable, "-m", "api", "ingest", "--quiet", str(folder)]
            return process(cmd, common.store_env(Path(fresh()), backend))

        return go

    def floor(first: bool) -> dict[str, Any]:
        return process([sys.executable, "-c", FLOOR_SCRIPT, str(texts)])

    runs: dict[str, Callable] = {LANGCHAIN: langchain}
    runs |= {f"TrialQA {b} (trialqa ingest)": trialqa(b) for b in backends}
    runs[FLOOR] = floor
    return runs


class _AboveBar:
    """stderr while the bar is shown: lines written above it, not through it."""

    def __init__(self, bar) -> None:
        self.bar = bar

    def write(self, text: str) -> None:
        if text.strip():
            self.bar.write(text.rstrip("\n"), file=sys.__stderr__)

    def flush(self) -> None:
        pass


def measure(runs: dict[str, Callable], repeats: int) -> dict[str, list[dict[str, Any]]]:
    """``common.interleave`` of ``runs`` under a progress bar of the processes run."""
    from tqdm import tqdm

    bar = tqdm(
        total=repeats * len(runs), desc="ingest_real", unit="process", file=sys.__stderr__,
        disable=not sys.__stderr__.isatty(),
    )  # fmt: skip

    def counted(name: str, run: Callable) -> Callable:
        def go(first: bool) -> dict[str, Any]:
            bar.set_postfix_str(name.split(" (")[0])
            sample = run(first)
            bar.update(1)
            bar.write(
                f"    {name}: {sample['seconds']:.1f} s, {sample['chunks']:,} chunks",
                file=sys.__stderr__,
            )
            return sample

        return go

    with bar, contextlib.redirect_stderr(_AboveBar(bar)):
        return common.interleave({n: counted(n, r) for n, r in runs.items()}, repeats)


# -- the benchmark --------------------------------------------------------------------------
def run(args: argparse.Namespace) -> dict[str, Any]:
    common.require_langchain()
    articles_path(args.real_data)  # before anything else: one line when the data is absent
    import torch

    backends = common.backends(args)
    machine = cpu() | {"torch": torch.__version__}
    with common.scratch("real") as work:
        files = write_articles(args.real_data, work / "articles", args.real_docs)
        chars = sum(len(p.read_text(encoding="utf-8")) for p in files)
        print(
            f"ingest_real: {len(files)} EI2 articles, {chars:,} characters; warming up "
            f"({', '.join(backends)}: one article each, untimed)...",
            file=sys.stderr,
        )
        warm = work / "warm"
        warm.mkdir()
        (warm / files[0].name).write_text(files[0].read_text(encoding="utf-8"))
        for b in backends:
            process(
                [sys.executable, "-m", "api", "ingest", "--quiet", str(warm)],
                common.store_env(Path(tempfile.mkdtemp(dir=work)), b),
            )
        samples = measure(variants(files, backends, work), args.real_repeats)
    result = summarise(samples, len(files), chars, args.real_repeats, machine)
    show(result)
    return result


def summarise(
    samples: dict[str, list[dict[str, Any]]], docs: int, chars: int, repeats: int,
    machine: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    best = {n: min(s, key=lambda x: x["seconds"]) for n, s in samples.items()}
    base = best[LANGCHAIN]["seconds"]
    rows = []
    for name, runs in samples.items():
        b = best[name]
        rows.append({
            "name": name, "chunks": b["chunks"], "seconds": b["seconds"],
            "median_seconds": statistics.median(r["seconds"] for r in runs),
            "all_seconds": [r["seconds"] for r in runs], "cpu_seconds": b["cpu_seconds"],
            "peak_rss_mb": b["peak_rss_mb"], "chars_per_s": chars / b["seconds"],
            "speed_vs_langchain": base / b["seconds"],
        })  # fmt: skip
    trialqa = [r for r in rows if r["name"].startswith("TrialQA")]
    return {
        "docs": docs, "chars": chars, "repeats": repeats, "cpu": machine,
        "precision": machine["precision"], "target_vs_langchain": TARGET,
        "met": bool(trialqa) and all(r["speed_vs_langchain"] >= TARGET for r in trialqa),
        "met_by": [r["name"] for r in trialqa if r["speed_vs_langchain"] >= TARGET],
        "results": rows,
    }  # fmt: skip


def show(result: dict[str, Any]) -> None:
    print(
        f"Ingest of real articles: {result['docs']} EI2 validation articles, "
        f"{result['chars']:,} characters; whole processes, model load included; best of "
        f"{result['repeats']} interleaved run(s) each"
    )
    print(cpu_line(result["cpu"]))
    print(
        common.table(
            ["process", "chunks", "best s", "median s", "runs s", "cpu s", "peak RSS MiB",
             "chars/s", "vs LangChain"],
            [[r["name"], r["chunks"], r["seconds"], r["median_seconds"],
              " ".join(f"{s:.1f}" for s in r["all_seconds"]), r["cpu_seconds"],
              r["peak_rss_mb"], r["chars_per_s"], f"{r['speed_vs_langchain']:.2f}x"]
             for r in result["results"]],
        )
    )  # fmt: skip
    verdict = "met" if result["met"] else "NOT met"
    by = ", ".join(result.get("met_by", [])) or "none"
    print(f"target: every TrialQA row >= {TARGET:.1f}x LangChain's characters/s: {verdict} "
          f"(met by: {by})")  # fmt: skip


def positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {value!r}")
    return int(value)


def add_arguments(p: argparse.ArgumentParser, standalone: bool = False) -> None:
    """``--real-docs``, ``--real-repeats``, ``--real-data`` (beside the other benchmarks'
    options in ``python -m bench``); run alone, also ``--docs``, ``--repeats``, ``--data``."""

    names = common.option_names("real", standalone)

    p.add_argument(
        *names("docs"), dest="real_docs", type=positive, default=90, metavar="N",
        help="EI2 validation articles to ingest, the first N in PMCID order (default 90: all)",
    )  # fmt: skip
    p.add_argument(
        *names("repeats"), dest="real_repeats", type=positive, default=2, metavar="N",
        help="interleaved whole-process runs of each variant (default 2; the best is reported)",
    )  # fmt: skip
    p.add_argument(
        *names("data"), dest="real_data", type=Path, default=DATA, metavar="DIR",
        help=f"the public data folder holding {ARTICLES} (default {DATA})",
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.ingest_real",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Examples: python -m bench.ingest_real --docs 30 --repeats 3; "
        "python -m bench.ingest_real --backends torch --docs 2 --repeats 1 --out /tmp/r",
    )
    add_arguments(p, standalone=True)
    common.add_shared_arguments(p)
    args = p.parse_args(argv)
    try:
        result = run(args)
    except (MissingData, common.MissingExtra) as exc:
        print(f"bench.ingest_real: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {common.write_result('ingest_real', result, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
