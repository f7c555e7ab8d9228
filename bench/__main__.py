"""``python -m bench`` (``make bench``): every benchmark in turn, tables on stdout, JSON files.

Each benchmark's options are accepted here too (``python -m bench --help``); ``--only``
picks some. ``--backends`` is shared: the TrialQA embedding backends compared (the load
benchmark serves the first).
"""

from __future__ import annotations

import argparse
import sys
import time

from bench import (
    answer_latency,
    cold_start,
    common,
    ingest_real,
    ingest_speed,
    load,
    pdf_ingest,
    query_latency,
)

BENCHMARKS = {
    "ingest": ingest_speed,
    "query": query_latency,
    "load": load,
    "cold_start": cold_start,
    "answer": answer_latency,
    "pdf_ingest": pdf_ingest,
    "ingest_real": ingest_real,
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    p.add_argument("--only", default=",".join(BENCHMARKS), help=f"some of {','.join(BENCHMARKS)}")
    common.add_shared_arguments(p)
    for name, module in BENCHMARKS.items():
        module.add_arguments(p.add_argument_group(name))
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    chosen = [n for n in args.only.split(",") if n]
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown:
        print(f"bench: unknown benchmark(s) {sorted(unknown)}", file=sys.stderr)
        return 2
    try:
        common.require_langchain()
    except common.MissingExtra as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    failed = 0
    for name in chosen:
        started = time.perf_counter()
        print(f"\n== {name} ==", flush=True)
        try:
            result = BENCHMARKS[name].run(args)
        except ingest_real.MissingData as exc:  # the others still run; the exit status says
            print(f"bench: {name}: {exc}", file=sys.stderr)
            failed = 2
            continue
        if result.get("skipped"):  # its data is absent here: nothing to write
            continue
        path = common.write_result(name, result, args.out)
        print(f"wrote {path} ({time.perf_counter() - started:.0f} s)", flush=True)
    return failed


if __name__ == "__main__":
    sys.exit(main())
