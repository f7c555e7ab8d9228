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
