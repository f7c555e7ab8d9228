"""The evaluation gate: the gold set over a fresh store of the shipped corpus must not fall
more than the threshold below the committed baseline (``eval/baseline.json``).

After a deliberate change that moves the metrics, refresh the baseline with
``trialqa eval --update-baseline`` and commit it with the change.
"""

import json

import pytest

from eval.cases import GOLD, load_cases
from eval.cli import DEFAULT_BASELINE, DEFAULT_THRESHOLD
from eval.runner import HttpTarget, InProcessTarget, regressions, run_cases, summarise

pytestmark = pytest.mark.slow


def test_gold_set_holds_the_baseline(corpus_services):
    target = InProcessTarget(corpus_services)
    target.warm_up()
    results = run_cases(target, load_cases(GOLD))
    summary = summarise(results, target.describe())
    overall = summary["overall"]
    assert overall["errors"] == 0, [r.error for r in results if r.error]
    assert overall["quote_exactness"] == 1.0  # the answer contract: every quote is its span
    baseline = json.loads(DEFAULT_BASELINE.read_text())
    assert baseline["cases"] == overall["cases"], "gold set changed: refresh the baseline"
    assert regressions(summary, baseline, DEFAULT_THRESHOLD) == []


def test_the_runner_asks_a_running_server(live_server):
    cases = [c for c in load_cases(GOLD) if c.id in {"lsmm-orr", "fu-lsmm-crs", "un-capital"}]
    results = run_cases(HttpTarget(live_server), cases)
    assert [r.error for r in results] == [None, None, None]
    assert all(r.scores["quote_exactness"] in (None, 1.0) for r in results)
    follow_up = next(r for r in results if r.case.id == "fu-lsmm-crs")
    assert len(set(follow_up.conversation_ids)) == 1  # the turn and the follow-up share one id
    assert next(r for r in results if r.case.id == "lsmm-orr").ranked_doc_ids
