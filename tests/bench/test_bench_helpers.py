"""The benchmarks' small helpers: percentiles, perturbed copies, the retrieval check."""

import math

from bench.common import percentiles, table
from bench.corpus import Query, evidence_hit
from bench.query_latency import perturb


def test_percentiles_are_nearest_rank_in_milliseconds():
    p = percentiles([i / 1000 for i in range(1, 101)])  # 1..100 ms
    assert (p["n"], p["p50"], p["p95"], p["p99"]) == (100, 50, 95, 99)
    assert math.isclose(p["mean"], 50.5)
    assert math.isnan(percentiles([])["p50"])


def test_a_copy_shifts_every_digit_keeps_every_offset_and_differs_only_in_case():
    text = "ORR 42% (n=19) in NCT05955508; CRS grade 1 and 2 mostly."
    copy = perturb(text, 1)
    assert len(copy) == len(text) and copy != text and perturb(text, 0) == text
    assert copy.lower() == "orr 53% (n=20) in nct16066619; crs grade 2 and 3 mostly."
    assert perturb(text, 2) not in (text, copy)


def test_a_passage_answers_when_it_holds_the_evidence_of_its_document():
    q = Query("effect?", "pmc-1", ["the total fsh dose was significantly lower with r-fsh"])
    assert evidence_hit(
        q, "pmc-1", "Results.\nThe total  FSH dose was significantly lower with r-FSH (p<0.01)."
    )
    assert not evidence_hit(q, "pmc-2", "The total FSH dose was significantly lower with r-FSH")
    assert evidence_hit(Query("q?", "pmid-9"), "pmid-9", "anything")


def test_table_aligns_columns():
    lines = table(["name", "n"], [["a", 1000], ["bb", 2.5]]).splitlines()
    assert lines[2] == "a     1,000" and lines[3] == "bb      2.5"


def test_interleaved_runs_rotate_their_order():
    from bench.common import interleave

    order = []
    runs = {n: (lambda first, n=n: order.append((n, first)) or n) for n in "abc"}
    samples = interleave(runs, 3)
    assert samples == {"a": ["a"] * 3, "b": ["b"] * 3, "c": ["c"] * 3}
    assert [n for n, _ in order] == list("abcbcacab")
    assert [n for n, first in order if first] == list("abc")


def test_cpu_seconds_count_a_process_and_its_children():
    import os
    import signal
    import subprocess
    import sys
    import time

    from bench.common import cpu_seconds, process_tree

    # a parent that waits on a child spinning until it is killed
    spin = "while True: pass"
    parent = subprocess.Popen(
        [sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', {spin!r}])"]
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while len(process_tree(parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(process_tree(parent.pid)) == 2
        while cpu_seconds(parent.pid) < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert cpu_seconds(parent.pid) >= 0.3  # the child's, the parent only waits
    finally:
        for pid in reversed(process_tree(parent.pid)):  # the child first, then the parent
            os.kill(pid, signal.SIGKILL)
        parent.wait()


def test_batched_writes_keep_the_last_record_per_id_and_send_full_batches():
    from bench.query_latency import Batched

    class Collection:
        name = "chunks"

        def __init__(self):
            self.calls = []

        def upsert(self, ids, embeddings, documents, metadatas):
            self.calls.append(list(zip(ids, metadatas, strict=True)))

    col = Collection()
    batched = Batched(col, size=3)
    batched.upsert(["a", "b"], [[0.0], [0.0]], ["A", "B"], [{"v": 1}, {"v": 1}])
    batched.delete(where={"doc_id": "a"})  # skipped: the store is new
    batched.upsert(["a"], [[0.0]], ["A"], [{"v": 2}])  # replaces the pending "a"
    assert col.calls == [] and batched.name == "chunks"
    batched.upsert(["c"], [[0.0]], ["C"], [{"v": 1}])
    assert col.calls == [[("a", {"v": 2}), ("b", {"v": 1}), ("c", {"v": 1})]]
    batched.flush()
    assert len(col.calls) == 1


def test_a_profile_names_our_functions_and_the_library_calls_they_make(tmp_path):
    from bench.query_latency import profile_summary

    answer = "main (x.py:1);ExtractiveEngine.answer (assistant/answering/engine.py:90)"
    raw = tmp_path / "raw.txt"
    raw.write_text(
        f"{answer};embed (assistant/e.py:3);encode (torch/m.py:9);forward (torch/m.py:20) 6\n"
        f"{answer};search (assistant/r.py:7) 3\n"
        f"{answer};embed (assistant/e.py:4) 1\n"
        "main (x.py:1);build (assistant/l.py:2) 50\n"
    )
    summary = profile_summary(raw)
    assert summary["samples"] == 10
    assert summary["top"] == [("embed (assistant/e.py)", 0.7), ("encode (torch/m.py)", 0.6),
                              ("search (assistant/r.py)", 0.3)]  # fmt: skip
