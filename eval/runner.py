"""Run gold cases against TrialQA and score them: in-process or against a running server.

A *target* answers questions, ranks passages and hands out document texts. ``InProcessTarget``
wraps the services of ``assistant.factory.build`` (over a fresh store of a corpus, or over an
existing store); ``HttpTarget`` talks to ``trialqa serve`` through ``POST /v1/ask``,
``GET /v1/search`` and ``GET /v1/documents/{id}``.

Follow-ups: the earlier ``turns`` of a case are asked first, in order, under one
``conversation_id`` (the one the first answer returns), and only the last question is scored
and timed. Whether the engine uses that id is the engine's business; the row records it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from tqdm import tqdm

from assistant.models import Answer, Filters
from eval import metrics as m
from eval.cases import Case

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


class Target(Protocol):
    name: str

    def ask(
        self, question: str, conversation_id: str | None = None, filters: Filters | None = None
    ) -> Answer: ...

    def ranked_doc_ids(self, query: str, k: int) -> list[str]: ...

    def document_text(self, doc_id: str) -> str | None: ...

    def describe(self) -> dict[str, Any]: ...


class InProcessTarget:
    """The engine in this process. ``from_corpus`` ingests into a temporary store that
    ``close`` removes."""

    name = "in-process"

    def __init__(self, services, cleanup: Path | None = None) -> None:
        self.services = services
        self._cleanup = cleanup
        self._texts: dict[str, str | None] = {}

    @classmethod
    def from_corpus(cls, corpus: Sequence[Path], settings=None, embedder=None) -> InProcessTarget:
        from assistant.factory import build
        from assistant.settings import Settings
        from ingest.pipeline import Ingestor

        settings = (settings or Settings()).model_copy(deep=True)
        folder = Path(tempfile.mkdtemp(prefix="trialqa-eval-"))
        settings.store.path = folder
        settings.store.kind = "embedded"  # a throwaway store, never a shared Chroma server
        try:
            services = build(settings, embedder=embedder)
            report = Ingestor(services.store, services.embedder, settings).ingest(list(corpus))
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        if report.failed:
            shutil.rmtree(folder, ignore_errors=True)
            problems = "; ".join(str(r.error) for r in report.failed)
            raise RuntimeError(f"ingesting the corpus failed: {problems}")
        return cls(services, cleanup=folder)

    @classmethod
    def from_store(cls, settings=None, embedder=None) -> InProcessTarget:
        from assistant.factory import build

        return cls(build(settings, embedder=embedder))

    @classmethod
    def from_real_documents(cls, cases: Sequence[Case], settings=None) -> InProcessTarget:
        """A fresh store of the public documents the cases are asked within (``documents``),
        read from ../shared/data by ``eval.realdocs``."""
        from eval.realdocs import materialise

        folder = Path(tempfile.mkdtemp(prefix="trialqa-realdocs-"))
        try:
            keys = dict.fromkeys(k for c in cases for k in c.documents)
            materialise(keys, folder)
            return cls.from_corpus([folder], settings)
        finally:
            shutil.rmtree(folder, ignore_errors=True)  # the store keeps the texts

    def ask(
        self, question: str, conversation_id: str | None = None, filters: Filters | None = None
    ) -> Answer:
        # Through the conversation service, as the API does: follow-ups are rewritten from
        # the earlier turns before retrieval.
        return self.services.conversations.ask(question, conversation_id, filters=filters).answer

    def ranked_doc_ids(self, query: str, k: int) -> list[str]:
        return [p.chunk.doc_id for p in self.services.retriever.search(query, k)]

    def document_text(self, doc_id: str) -> str | None:
        if doc_id not in self._texts:
            try:
                self._texts[doc_id] = self.services.store.get_document(doc_id).text
            except Exception:  # a citation of an unknown document fails exactness, not the run
                self._texts[doc_id] = None
        return self._texts[doc_id]

    def describe(self) -> dict[str, Any]:
        s = self.services.settings
        docs = self.services.store.list_documents()
        return {
            "target": self.name,
            "engine": type(self.services.engine).__name__,
            "documents": len(docs),
            "chunks": sum(d.chunks for d in docs),
            "settings": {
                "retrieval": s.retrieval.model_dump(),
                "answer": s.answer.model_dump(),
                "chunking": s.chunking.model_dump(),
            },
        }

    def warm_up(self) -> None:
        """Load the model before the clock starts (the first question would pay for it)."""
        self.services.retriever.search("warm-up", 1)

    def close(self) -> None:
        if self._cleanup:
            shutil.rmtree(self._cleanup, ignore_errors=True)
            self._cleanup = None


class HttpTarget:
    """A running ``trialqa serve`` at ``url``."""

    name = "http"

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._texts: dict[str, str | None] = {}

    def _request(self, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return json.load(response)

    def ask(
        self, question: str, conversation_id: str | None = None, filters: Filters | None = None
    ) -> Answer:
        body: dict[str, Any] = {"question": question}
        if conversation_id:
            body["conversation_id"] = conversation_id
        if filters and filters.active():
            body["filters"] = filters.active()
        return Answer.model_validate(self._request("/v1/ask", body))

    def ranked_doc_ids(self, query: str, k: int) -> list[str]:
        q = urllib.parse.urlencode({"q": query, "k": k})
        return [hit["doc_id"] for hit in self._request(f"/v1/search?{q}")["results"]]

    def document_text(self, doc_id: str) -> str | None:
        if doc_id not in self._texts:
            try:
                path = "/v1/documents/" + urllib.parse.quote(doc_id, safe="")
                self._texts[doc_id] = self._request(path)["text"]
            except (urllib.error.URLError, KeyError, ValueError):
                self._texts[doc_id] = None
        return self._texts[doc_id]

    def describe(self) -> dict[str, Any]:
        try:
            ready = self._request("/readyz")
        except (urllib.error.URLError, ValueError):
            ready = {}
        return {"target": self.url, "documents": ready.get("documents"),
                "chunks": ready.get("chunks")}  # fmt: skip

    def warm_up(self) -> None:
        self.ranked_doc_ids("warm-up", 1)

    def close(self) -> None:
        pass


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
    if case.must_abstain:
        correct = abstained
    else:
        correct = (
            answer is not None
            and not abstained
            and scores["answer_correctness"] in (None, 1.0)
            and scores["numeric_recall"] in (None, 1.0)
        )
    scores["correct"] = correct
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
    try:
        ranked = target.ranked_doc_ids(case.user_input, SEARCH_K)
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
                "citation_support", *(f"recall@{k}" for k in K_VALUES), "mrr"):  # fmt: skip
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
