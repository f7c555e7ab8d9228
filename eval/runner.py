"""Run gold cases against TrialQA and score them: in-process or against a running server.

A *target* answers questions, ranks passages and hands out document texts
(``eval/targets.py``: ``InProcessTarget`` in this process, ``HttpTarget`` a running server).

Follow-ups: the earlier ``turns`` of a case are asked first, in order, under one
``conversation_id`` (the one the first answer returns), and only the last question is scored
and timed. Whether the engine uses that id is the engine's business; the row records it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tqdm import tqdm

from assistant.models import Answer, Filters
from eval import metrics as m
from eval.cases import Case
from eval.targets import HttpTarget, InProcessTarget, Target

K_VALUES = (1, 3, 5)
SEARCH_K = 10

# Headline metrics: every one is "higher is better" and is gated against the baseline.
HEADLINE = (
    "answer_correctness",
    "numeric_recall",
    "numbers_traced",
    "quote_exactness",
    "citation_support",
    "recall@1",
    "recall@5",
    "mrr",
    "precision",
    "accuracy",
    "abstention_precision",
    "abstention_recall",
)


# --- one case --------------------------------------------------------------------------------


@dataclass
class CaseResult:
    case: Case
    answer: Answer | None
    latency_ms: float
    ranked_doc_ids: list[str]
    conversation_ids: list[str | None] = field(default_factory=list)
    error: str | None = None
    scores: dict[str, Any] = field(default_factory=dict)

    @property
    def abstained(self) -> bool:
        return bool(self.answer and self.answer.abstained)

    @property
    def correct(self) -> bool:
        return bool(self.scores.get("correct"))

    def row(self) -> dict[str, Any]:
        a = self.answer
        return {
            "id": self.case.id,
            "tags": self.case.tags,
            "user_input": self.case.user_input,
            "turns": self.case.turns,
            "expected_standalone": self.case.standalone or None,
            "standalone_question": a.standalone_question if a else None,
            "must_abstain": self.case.must_abstain,
            "reference": self.case.reference,
            "answer": a.answer if a else None,
            "abstained": a.abstained if a else None,
            "citations": [c.model_dump() for c in a.citations] if a else [],
            "calculations": [c.model_dump() for c in a.calculations] if a else [],
            "conversation_ids": self.conversation_ids,
            "ranked_doc_ids": self.ranked_doc_ids,
            "latency_ms": round(self.latency_ms, 2),
            "error": self.error,
            "metrics": self.scores,
        }


def score_case(
    case: Case,
    answer: Answer | None,
    ranked_doc_ids: Sequence[str],
    document_text: Callable[[str], str | None],
    tolerance: float = 0.0,
) -> dict[str, Any]:
    """Every metric of one case; None where a metric does not apply."""
    scores: dict[str, Any] = {}
    text = answer.answer if answer else ""
    abstained = bool(answer and answer.abstained)
    quotes = [c.quote for c in answer.citations] if answer else []
    calcs = [c.text for c in answer.calculations] if answer else []
    answerable = not case.must_abstain
    scores["answer_correctness"] = (
        m.answer_correctness(text, case.expected_facts) if answerable else None
    )
    scores["numeric_recall"] = (
        m.numeric_recall(text, case.expected_numbers, tolerance) if answerable else None
    )
    untraced = m.untraceable_numbers(text, quotes, calcs) if answer and not abstained else []
    scores["untraceable_numbers"] = untraced
    scores["numbers_traced"] = None if (answer is None or abstained) else float(not untraced)
    cited = answer.citations if answer else []
    spans = [m.CitedSpan(c.doc_id, c.start, c.end, c.quote) for c in cited]
    scores["quote_exactness"] = m.quote_exactness(spans, document_text)
    if answerable:
        support = m.citation_support(
            quotes, case.expected_facts, case.expected_numbers, calcs, tolerance
        )
        scores["citation_support"] = 0.0 if abstained or answer is None else support
    else:
        scores["citation_support"] = None
    for k in K_VALUES:
        scores[f"recall@{k}"] = m.recall_at_k(ranked_doc_ids, case.reference_context_ids, k)
    scores["mrr"] = m.reciprocal_rank(ranked_doc_ids, case.reference_context_ids)
    scores["standalone_match"] = (
        float(m.same_question(case.standalone, answer.standalone_question if answer else None))
        if case.standalone
        else None
    )
    if case.must_abstain:
        correct = abstained
    else:
        correct = (
            answer is not None
            and not abstained
            and scores["answer_correctness"] in (None, 1.0)
            and scores["numeric_recall"] in (None, 1.0)
        )
    scores["correct"] = correct and scores["standalone_match"] in (None, 1.0)
    scores["case_score"] = case_score(case, scores)
    return scores


def case_score(case: Case, scores: dict[str, Any]) -> float:
    """One number per case to rank the worst: a must-abstain case is 1 when it abstained; an
    answerable case averages correctness, numbers, support and MRR (0 when wrong overall
    halves it)."""
    if case.must_abstain:
        return 1.0 if scores["correct"] else 0.0
    parts = [scores[k] for k in ("answer_correctness", "numeric_recall", "citation_support", "mrr")]
    value = m.mean(parts) or 0.0
    return value if scores["correct"] else value / 2


def case_filters(case: Case) -> Filters | None:
    """A real-document case is asked within its documents, as within an uploaded paper."""
    if not case.documents:
        return None
    from eval.realdocs import doc_id_for

    return Filters(doc_id=[doc_id_for(key) for key in case.documents])


def run_case(target: Target, case: Case, tolerance: float = 0.0) -> CaseResult:
    filters = case_filters(case)
    conversation_id: str | None = None
    ids: list[str | None] = []
    answer: Answer | None = None
    error: str | None = None
    latency = 0.0
    try:
        for turn in case.turns:
            earlier = target.ask(turn, conversation_id, filters)
            conversation_id = conversation_id or earlier.conversation_id
            ids.append(earlier.conversation_id)
        started = time.perf_counter()
        answer = target.ask(case.user_input, conversation_id, filters)
        latency = (time.perf_counter() - started) * 1000
        ids.append(answer.conversation_id)
    except Exception as exc:  # one failing case is a scored failure, not a crashed run
        error = f"{type(exc).__name__}: {exc}"
    # Retrieval is measured for what was searched: a follow-up's standalone question.
    searched = answer.standalone_question if answer and answer.standalone_question else None
    try:
        ranked = target.ranked_doc_ids(searched or case.user_input, SEARCH_K)
    except Exception as exc:
        ranked = []
        error = error or f"search: {type(exc).__name__}: {exc}"
    result = CaseResult(case, answer, latency, ranked, ids, error)
    result.scores = score_case(case, answer, ranked, target.document_text, tolerance)
    return result


def run_cases(
    target: Target, cases: Iterable[Case], progress: bool = False, tolerance: float = 0.0
) -> list[CaseResult]:
    cases = list(cases)
    bar = tqdm(cases, desc="eval", unit="case", disable=not progress, leave=False)
    results = []
    for case in bar:
        bar.set_postfix_str(case.id[:30])
        results.append(run_case(target, case, tolerance))
    return results


# --- summary and baseline --------------------------------------------------------------------


def _aggregate(results: Sequence[CaseResult]) -> dict[str, Any]:
    def avg(key: str) -> float | None:
        return m.mean(r.scores.get(key) for r in results)

    out: dict[str, Any] = {"cases": len(results)}
    for key in ("answer_correctness", "numeric_recall", "numbers_traced", "quote_exactness",
                "citation_support", *(f"recall@{k}" for k in K_VALUES), "mrr",
                "standalone_match"):  # fmt: skip
        out[key] = avg(key)
    out.update(
        m.abstention_scores(m.Outcome(r.case.must_abstain, r.abstained, r.correct) for r in results)
    )
    latencies = [r.latency_ms for r in results if r.answer is not None]
    out["latency_ms_p50"] = m.p50(latencies)
    out["latency_ms_p95"] = m.p95(latencies)
    out["errors"] = sum(1 for r in results if r.error)
    return out


def summarise(results: Sequence[CaseResult], about: dict[str, Any] | None = None) -> dict:
    """Overall metrics, the same per tag, and what was run."""
    tags = sorted({t for r in results for t in r.case.tags})
    return {
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "about": about or {},
        "overall": _aggregate(results),
        "by_tag": {t: _aggregate([r for r in results if t in r.case.tags]) for t in tags},
    }


def headline(summary: dict[str, Any]) -> dict[str, float | None]:
    return {k: summary["overall"].get(k) for k in HEADLINE}


def regressions(summary: dict[str, Any], baseline: dict[str, Any], threshold: float) -> list[str]:
    """The headline metrics more than ``threshold`` (absolute) below the baseline's."""
    found = []
    current = headline(summary)
    for key, base in baseline.get("metrics", {}).items():
        if base is None or key not in current:
            continue
        now = current[key]
        if now is None or now < base - threshold:
            shown = "missing" if now is None else f"{now:.3f}"
            found.append(f"{key}: {shown} < baseline {base:.3f} - {threshold}")
    return found


def baseline_record(summary: dict[str, Any], cases_file: str) -> dict[str, Any]:
    overall = summary["overall"]
    return {
        "about": "Headline metrics of `trialqa eval` on the gold set; `make test` and "
        "`trialqa eval` fail when one drops more than the threshold below these. Refresh "
        "with `trialqa eval --update-baseline` after a deliberate change.",
        "created": summary["created"],
        "cases_file": cases_file,
        "cases": overall["cases"],
        "metrics": {k: None if v is None else round(v, 4) for k, v in headline(summary).items()},
        "latency_ms_p50": overall["latency_ms_p50"],
    }


__all__ = ["HttpTarget", "InProcessTarget", "Target", "run_case", "run_cases", "summarise"]
