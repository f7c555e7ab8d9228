"""Load: concurrent HTTP clients against ``trialqa serve`` for a bounded time.

A store of the bench corpus (``--load-docs`` files) is served on a free loopback port, once per
embedding backend of ``--backends``. For each operation (``POST /v1/ask``, ``GET /v1/search``)
and each client count (``--clients``, 1 first, the baseline every other count is compared
with), that many ``httpx.AsyncClient`` tasks send requests back to back for ``--seconds``,
each a different public question. Reported:
requests completed, errors (non-200 answers and failed connections), throughput and latency
percentiles, and the server's resident memory at the end.

    python -m bench.load [--clients 1,8] [--seconds 10] [--load-docs 40]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import common
from bench.corpus import write_corpus
from bench.query_latency import questions


async def hammer(url: str, op: str, clients: int, seconds: float, qs: list[str]) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    errors: dict[str, int] = {}
    deadline = time.perf_counter() + seconds

    async def one(client: httpx.AsyncClient, n: int) -> None:
        i = n
        while time.perf_counter() < deadline:
            q = qs[i % len(qs)]
            i += clients
            start = time.perf_counter()
            try:
                if op == "ask":
                    r = await client.post("/v1/ask", json={"question": q})
                else:
                    r = await client.get("/v1/search", params={"q": q, "k": common.LANGCHAIN_K})
                if r.status_code == 200:
                    latencies.append(time.perf_counter() - start)
                else:
                    errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1
            except httpx.HTTPError as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(one(client, n) for n in range(clients)))
        elapsed = time.perf_counter() - started
    return {
        "op": op,
        "clients": clients,
        "seconds": elapsed,
        "requests": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "throughput_rps": len(latencies) / elapsed,
        **common.percentiles(latencies),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    import httpx

    backends = [b for b in args.backends.split(",") if b]
    counts = sorted({1, *(int(c) for c in args.clients.split(",") if c)})
    qs = questions()
    work = Path(tempfile.mkdtemp(prefix="trialqa-bench-load-"))
    rows, out, rss = [], [], {}
    try:
        corpus = write_corpus(work / "docs", args.load_docs)
        print(f"load: indexing {len(corpus.files)} files...", file=sys.stderr)
        tq_store, _ = common.build_stores(corpus.files, work, backends[0], langchain=False)
        for backend in backends:
            with common.serve(tq_store, backend) as server:
                with httpx.Client(base_url=server.url, timeout=120) as client:
                    for q in qs[-5:]:  # warm up with questions the runs do not ask first
                        client.post("/v1/ask", json={"question": q}).raise_for_status()
                for op in args.ops.split(","):
                    single = None
                    for n in counts:
                        print(
                            f"  {backend} {op}: {n} client(s) for {args.seconds:.0f} s",
                            file=sys.stderr,
                        )
                        r = asyncio.run(hammer(server.url, op, n, args.seconds, qs))
                        single = single or r["throughput_rps"]
                        r["backend"] = backend
                        r["throughput_vs_one_client"] = (
                            r["throughput_rps"] / single if single else float("nan")
                        )
                        out.append(r)
                        rows.append(
                            [f"{op}, {backend}", n, r["requests"], r["errors"],
                             r["throughput_rps"], f"{r['throughput_vs_one_client']:.2f}x",
                             r["p50"], r["p95"], r["p99"]]
                        )  # fmt: skip
                rss[backend] = common.rss_mb(server.process.pid)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    memory = ", ".join(f"{b} {m:,.0f} MiB" for b, m in rss.items())
    print(
        f"Load: trialqa serve over {len(corpus.files)} files, {args.seconds:.0f} s per row, "
        f"loopback; server RSS at the end: {memory}; load average now "
        f"{common.load_average():.1f} on {common.os.cpu_count()} cores"
    )
    print(
        common.table(
            ["op, backend", "clients", "requests", "errors", "req/s", "vs 1 client", "p50 ms",
             "p95 ms", "p99 ms"],
            rows,
        )
    )  # fmt: skip
    return {"backends": backends, "docs": len(corpus.files), "server_rss_mb": rss, "results": out}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--clients", default="1,8", help="concurrent clients, comma-separated (default 1,8)"
    )
    p.add_argument("--seconds", type=float, default=10, help="seconds per row (default 10)")
    p.add_argument(
        "--load-docs", type=int, default=40, help="files in the served store (default 40)"
    )
    p.add_argument(
        "--ops", default="ask,search", help="operations, comma-separated (default ask,search)"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    add_arguments(p)
    p.add_argument(
        "--backends",
        default="torch,onnx-int8",
        help="the servers' embedding backends (default both)",
    )
    p.add_argument("--out", type=Path, help="folder for the JSON (default bench/results)")
    args = p.parse_args(argv)
    print(f"wrote {common.write_result('load', run(args), args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
