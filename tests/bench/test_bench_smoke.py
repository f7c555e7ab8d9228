"""Every benchmark runs end to end at a tiny size and writes its JSON (``python -m bench``).

Benchmarks are not timed tests: no number is checked here except the ones that are facts
rather than speeds (a re-ingest of unchanged files embeds nothing; no request fails).
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.util import find_spec

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

BENCH_EXTRA = ("langchain_chroma", "langchain_huggingface", "langchain_text_splitters")

# Tiny sizes; in-process query workers, no CLI cold starts and the torch backend only, so the
# whole run stays near a minute (four processes load the model: bench, one server, two cold).
TINY = [
    "--backends", "torch",
    "--docs", "1", "--repeats", "1", "--gold-cases", "2",
    "--sizes", "10", "--unique", "10", "--queries", "1", "--warmup", "1", "--in-process",
    "--no-http", "--fill-backend", "torch",
    "--clients", "2", "--seconds", "1", "--load-docs", "1", "--ops", "ask",
    "--cold-repeats", "1", "--cold-docs", "1", "--skip-cli", "--questions", "2",
    "--pdf-repeats", "1", "--pdf-pages", "2",
    "--real-docs", "2", "--real-repeats", "1",
]  # fmt: skip


def needs_the_bench_extra() -> None:
    missing = [m for m in BENCH_EXTRA if find_spec(m) is None]
    if missing:
        pytest.skip(
            f"the bench extra is not installed ({', '.join(missing)}): pip install -e '.[bench]'"
        )


def test_every_benchmark_runs_at_a_tiny_size(tmp_path):
    needs_the_bench_extra()
    from bench import ingest_real
    from bench.__main__ import BENCHMARKS

    real = (ingest_real.DATA / ingest_real.ARTICLES).is_file()  # absent: it would fail, by design
    only = ",".join(n for n in BENCHMARKS if real or n != "ingest_real")
    done = subprocess.run(
        [sys.executable, "-m", "bench", *TINY, "--only", only, "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    results = {
        name: json.loads((tmp_path / f"{name}.json").read_text())
        for name in ("ingest", "query", "load", "cold_start", "answer")
    }
    assert all(r["results"] for r in results.values())
    for title in ("Ingest:", "Query latency", "Resident memory", "Load:", "Cold start", "CPU:"):
        assert title in done.stdout

    ingest = {r["name"]: r for r in results["ingest"]["results"]}
    assert ingest["LangChain (splitter + HF + Chroma)"]["chunks"] > 0
    assert ingest["TrialQA torch"]["chars_per_s"] > 0
    assert ingest["TrialQA torch re-ingest, unchanged"]["texts_embedded"] == 0
    gold = {r["name"]: r for r in results["ingest"]["gold"]["results"]}
    assert set(gold) == {"LangChain similarity_search", "TrialQA Retriever.search, torch"}
    assert all(r["cases"] == 2 and 0 <= r["recall@5"] <= 1 for r in gold.values())
    assert "Retrieval on the gold set" in done.stdout

    (size,) = results["query"]["results"]
    assert {"p50", "p95", "p99"} <= set(size["ops"]["TrialQA ask, in-process, torch"])
    assert all(r["errors"] == 0 and r["requests"] > 0 for r in results["load"]["results"])
    assert all(r["server_cpu"] > 0 for r in results["load"]["results"])
    assert all(r["first_answer_s"] > 0 for r in results["cold_start"]["results"])

    if real:  # whole processes over 2 real articles; the CPU line names the precision chosen
        rows = {r["name"]: r for r in json.loads((tmp_path / "ingest_real.json").read_text())
                ["results"]}  # fmt: skip
        assert set(rows) == {ingest_real.LANGCHAIN, "TrialQA torch (trialqa ingest)",
                             ingest_real.FLOOR}  # fmt: skip
        assert all(r["chunks"] > 0 and r["chars_per_s"] > 0 for r in rows.values())
        assert "Ingest of real articles" in done.stdout and "torch precision chosen" in done.stdout


def test_the_real_articles_benchmark_fails_in_one_line_without_the_data(tmp_path):
    needs_the_bench_extra()
    done = subprocess.run(
        [sys.executable, "-m", "bench.ingest_real", "--data", str(tmp_path / "absent")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("bench.ingest_real: ") and "ei2_validation.json not found" in line
