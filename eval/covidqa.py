"""COVID-QA through the engine: expert questions asked within their own held-out article.

``covidqa.json`` is SQuAD-shaped (``{"data": [{"paragraphs": [{document_id, context, qas:
[{question, answers: [{text, answer_start}]}]}]}]}``), one paragraph per article: the whole
paper. Only the held-out articles (``splits.covidqa_held_out``: every fifth id) are asked; the
others trained the answer scorer and the reranker. Each question is asked with a ``doc_id``
filter on its article, and scored on the citations of the answer:

- ``citation_contains@1`` / ``@3``: the first cited quote, or one of the first three, holds the
  whole answer span, or is the same words as a sentence holding it (a repeated sentence is
  quoted once) (the target of the answers issue);
- ``citation_overlaps@1`` / ``@3``: it shares at least one character with the span (an answer
  span that runs over two sentences can be held by neither);
- ``abstained``: the share of questions declined, each counted as a miss above.

The answer offsets index the raw context; TrialQA indexes normalised text, so each span is
found again by its text (spans not found are counted and left out).
"""

from __future__ import annotations

import time
from typing import Any

from tqdm import tqdm

from eval import metrics as m
from eval.public import _document, _ingest, locate, overlaps
from eval.splits import covidqa_held_out


def held_out_articles(data: dict) -> list[dict]:
    """The held-out articles' paragraphs (``document_id``, ``context``, ``qas``), by id."""
    paragraphs = {int(p["document_id"]): p for item in data["data"] for p in item["paragraphs"]}
    kept = covidqa_held_out(list(paragraphs))
    return [paragraphs[d] for d in sorted(kept)]


def _contains(quote: tuple[int, int], span: tuple[int, int]) -> bool:
    return quote[0] <= span[0] and span[1] <= quote[1]


def _holds(quote: tuple[int, int], span: tuple[int, int], text: str, test=_contains) -> bool:
    """Whether the quote holds (``test``) the span: it does, or the same words stand where
    they would (a paper repeating a sentence, the engine quoting it once)."""
    if test(quote, span):
        return True
    words = text[quote[0] : quote[1]]
    at = text.find(words, max(0, span[0] - len(words)))
    while -1 < at < span[1]:
        if test((at, at + len(words)), span):
            return True
        at = text.find(words, at + 1)
    return False


def run_covidqa(data: dict, services, progress: bool = False, limit: int | None = None):
    """Ask every held-out question (the first ``limit``) within its article; the scores."""
    from assistant.models import Filters

    articles = held_out_articles(data)
    asked = [(a, qa) for a in articles for qa in a["qas"] if qa.get("answers")]
    asked = asked[:limit] if limit else asked
    wanted = {int(a["document_id"]) for a, _ in asked}
    docs = {
        d: _document(f"covidqa-{d}", f"COVID-QA {d}", a["context"], f"covidqa:{d}", "paper")
        for a in articles
        if (d := int(a["document_id"])) in wanted
    }
    _ingest(services, list(docs.values()), progress)
    contains1, contains3, overlap1, overlap3, abstained, latencies = [], [], [], [], [], []
    unlocated = 0
    for article, qa in tqdm(asked, desc="covidqa", unit="question", disable=not progress):
        doc = docs[int(article["document_id"])]
        answer_text = qa["answers"][0]["text"]
        span = locate(answer_text, doc.text)
        if span is None:
            unlocated += 1
            continue
        started = time.perf_counter()
        answer = services.engine.answer(qa["question"], filters=Filters(doc_id=doc.doc_id))
        latencies.append((time.perf_counter() - started) * 1000)
        abstained.append(float(answer.abstained))
        cited = [] if answer.abstained else [(c.start, c.end) for c in answer.citations[:3]]
        holds = [_holds(c, span, doc.text) for c in cited]
        touches = [_holds(c, span, doc.text, overlaps) for c in cited]
        contains1.append(float(bool(holds) and holds[0]))
        contains3.append(float(any(holds)))
        overlap1.append(float(bool(touches) and touches[0]))
        overlap3.append(float(any(touches)))
    result: dict[str, Any] = {
        "questions": len(asked),
        "questions_scored": len(abstained),
        "articles_in_store": len(docs),
        "answer_spans_not_located": unlocated,
        "citation_contains@1": m.mean(contains1),
        "citation_contains@3": m.mean(contains3),
        "citation_overlaps@1": m.mean(overlap1),
        "citation_overlaps@3": m.mean(overlap3),
        "abstained": m.mean(abstained),
        "latency_ms_p50": m.p50(latencies),
        "latency_ms_p95": m.p95(latencies),
    }
    return result
