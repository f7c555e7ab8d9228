"""The real-document gate: papers and registry records nobody here wrote (``eval/gold/real.jsonl``
over ../shared/data), each question asked within its own document, must not fall more than the
threshold below ``eval/baseline-real.json``, and must stay above the issue's floor."""

import json

import pytest

from eval.cases import load_cases
from eval.cli import DEFAULT_THRESHOLD, HERE, baseline_for
from eval.runner import InProcessTarget, regressions, run_cases, summarise
from eval.splits import DATA

pytestmark = pytest.mark.slow

REAL = HERE / "gold" / "real.jsonl"


@pytest.fixture(scope="module")
def real_summary(tmp_path_factory):
    if not DATA.is_dir():
        pytest.skip("../shared/data is not beside the repository")
    cases = load_cases(REAL)
    target = InProcessTarget.from_real_documents(cases)
    try:
        target.warm_up()
        results = run_cases(target, cases)
    finally:
        target.close()
    return summarise(results, {"cases_file": "eval/gold/real.jsonl"}), results


def test_real_documents_hold_the_baseline(real_summary):
    summary, results = real_summary
    overall = summary["overall"]
    assert overall["errors"] == 0, [r.error for r in results if r.error]
    assert overall["quote_exactness"] == 1.0
    assert overall["numbers_traced"] == 1.0
    baseline = json.loads(baseline_for(REAL).read_text())
    assert baseline["cases"] == overall["cases"], "real gold set changed: refresh its baseline"
    assert regressions(summary, baseline, DEFAULT_THRESHOLD) == []


def test_every_real_case_is_asked_within_its_own_documents(real_summary):
    _, results = real_summary
    for r in results:
        if r.answer is None:
            continue
        allowed = set(r.case.reference_context_ids)
        assert {c.doc_id for c in r.answer.citations} <= allowed, r.case.id
