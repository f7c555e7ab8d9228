"""Load: concurrent HTTP clients against ``trialqa serve`` for a bounded time.

A store of the bench corpus (``--load-docs`` files) is served on a free loopback port, once per
embedding backend of ``--backends`` and worker count of ``--workers``. One worker serves an
embedded store folder, as ``trialqa serve`` does by default; N > 1 workers
(``trialqa serve --workers N``) share a Chroma server (``chroma run``, started here) that holds
the same store. For each operation (``POST /v1/ask``, ``GET /v1/search``) and each client count
(``--clients``, 1 first, the baseline every other count is compared with), that many
``httpx.AsyncClient`` tasks send requests back to back for ``--seconds``, each a different
public question. Reported: requests completed, errors (non-200 answers and failed
connections), throughput and latency percentiles; the CPU the server used over the row (CPU
seconds of the server process and its workers, read from ``/proc``, over wall seconds: 2.0
means both cores of a 2-core machine all the time; the Chroma server's share is counted apart)
and the CPU of this process, the clients, which share the same cores; the server's resident
memory at the end.

    python -m bench.load [--clients 1,8] [--seconds 10] [--load-docs 40] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from contextlib import ExitStack
from typing import Any

from bench import common
from bench.corpus import write_corpus
from bench.query_latency import questions


async def hammer(
    url: str, op: str, clients: int, seconds: float, qs: list[str], first: int = 0
) -> dict[str, Any]:
    """``clients`` tasks sending ``op`` requests back to back for ``seconds``; the questions
    are ``qs`` in turn from ``first`` on (a row asks none an earlier row asked, while there
    are enough: the engine caches sentence vectors)."""
    import httpx

    latencies: list[float] = []
    errors: dict[str, int] = {}
    deadline = time.perf_counter() + seconds

    async def one(client: httpx.AsyncClient, n: int) -> None:
        i = first + n
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


def measured(
    server: common.Running, chroma: common.Running | None, op: str, clients: int, args, qs, first
) -> dict[str, Any]:
    """One row: ``hammer`` and the CPU every process involved used meanwhile, in cores."""
    before = (server.cpu_seconds(), chroma.cpu_seconds() if chroma else 0.0, time.process_time())
    r = asyncio.run(hammer(server.url, op, clients, args.seconds, qs, first))
    after = (server.cpu_seconds(), chroma.cpu_seconds() if chroma else 0.0, time.process_time())
    used = [(a - b) / r["seconds"] for a, b in zip(after, before, strict=True)]
    return {**r, "server_cpu": used[0], "chroma_cpu": used[1], "client_cpu": used[2]}


def run(args: argparse.Namespace) -> dict[str, Any]:
    import httpx

    backends = common.backends(args)
    counts = sorted({1, *(int(c) for c in args.clients.split(",") if c)})
    workers = sorted({int(w) for w in str(args.workers).split(",") if w})
    threads = [int(t) for t in str(args.threads).split(",") if t]
    qs = questions()
    rows, out, rss = [], [], {}
    asked = 0  # questions asked so far: each row starts after them
    with common.scratch("load") as work, ExitStack() as stack:
        corpus = write_corpus(work / "docs", args.load_docs)
        print(f"load: indexing {len(corpus.files)} files...", file=sys.stderr)
        chroma, stores = None, {}
        if 1 in workers:
            stores["embedded"], _ = common.build_stores(
                corpus.files, work / "embedded", backends[0], langchain=False
            )
        if max(workers) > 1:
            chroma = stack.enter_context(common.chroma_server(work / "chroma"))
            stores["served"], _ = common.build_stores(
                corpus.files, work / "served", backends[0], False, chroma.port
            )
        setups = [(b, w, t) for b in backends for w in workers for t in threads]
        for backend, w, t in setups:
            port = chroma.port if w > 1 and chroma else None
            store = stores["served" if port else "embedded"]
            setup = f"{backend}, {w} worker(s), {t or 'default'} thread(s)"
            with common.serve(store, backend, w, port, threads=t) as server:
                with httpx.Client(base_url=server.url, timeout=120) as client:
                    for q in qs[-5 * w :]:  # warm every worker, on questions asked last
                        client.post("/v1/ask", json={"question": q}).raise_for_status()
                for op in args.ops.split(","):
                    single = None
                    for n in counts:
                        print(f"  {setup}, {op}: {n} client(s) for {args.seconds:.0f} s",
                              file=sys.stderr)  # fmt: skip
                        r = measured(server, chroma if port else None, op, n, args, qs, asked)
                        asked += r["requests"] + r["errors"]
                        if r["errors"]:  # what the servers said about them
                            r["server_log"] = server.log_tail()
                            r["chroma_log"] = chroma.log_tail() if port else None
                            print(f"  errors {r['error_kinds']}; the server's log ends:\n"
                                  f"{r['server_log'][-1500:]}", file=sys.stderr)  # fmt: skip
                        single = single or r["throughput_rps"]
                        r |= {
                            "backend": backend,
                            "workers": w,
                            "threads": t,
                            "throughput_vs_one_client": r["throughput_rps"] / single
                            if single
                            else float("nan"),
                        }
                        out.append(r)
                        rows.append(
                            [f"{op}, {setup}", n, r["requests"],
                             r["errors"], r["throughput_rps"],
                             f"{r['throughput_vs_one_client']:.2f}x", r["p50"], r["p95"],
                             r["p99"], f"{r['server_cpu']:.2f}",
                             f"{r['chroma_cpu']:.2f}" if port else "-",
                             f"{r['client_cpu']:.2f}"]
                        )  # fmt: skip
                rss[setup] = server.rss_mb()
    memory = "; ".join(f"{k} {m:,.0f} MiB" for k, m in rss.items())
    print(
        f"Load: trialqa serve over {len(corpus.files)} files, {args.seconds:.0f} s per row, "
        f"loopback; CPU in cores (CPU s / wall s) of the server, its Chroma server and the "
        f"clients; {common.machine()}\nserver RSS at the end (all its processes): {memory}"
    )
    print(
        common.table(
            ["op, backend, workers, threads", "clients", "requests", "errors", "req/s",
             "vs 1 client", "p50 ms", "p95 ms", "p99 ms", "server CPU", "chroma CPU", "client CPU"],
            rows,
        )
    )  # fmt: skip
    return {
        "backends": backends,
        "workers": workers,
        "threads": threads,
        "docs": len(corpus.files),
        "server_rss_mb": rss,
        "results": out,
    }


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
    p.add_argument(
        "--workers",
        default="1",
        help="server worker processes, comma-separated (default 1); above 1 they share a "
        "Chroma server started for the run",
    )

    p.add_argument(
        "--threads",
        default="0",
        help="the servers' TRIALQA_EMBEDDING__THREADS, comma-separated (default 0: the "
        "library's own, one per core); each value is served in turn",
    )


def main(argv: list[str] | None = None) -> int:
    return common.main("load", __doc__, run, add_arguments, argv)


if __name__ == "__main__":
    sys.exit(main())
