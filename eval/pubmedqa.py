"""PubMedQA through the engine: each question's own abstract found among all, and its
yes/no/maybe decision.

PQA-L (``pqal_labeled.json``: a list of ``{pmid, question, contexts, labels, final_decision,
...}``). Every question's abstract is ingested into a temporary store; the score is how well a
search for the question ranks its own abstract (recall@1/5, MRR over the top 10 distinct
documents). Only items whose ``split`` is ``test`` are scored (the decision layer was fitted on
``dev`` items). Each question is then asked within its own abstract (a ``doc_id`` filter) and
its yes/no/maybe decision scored: accuracy and macro-F1 of the layer's most likely label on the
quotes the answer cites, how often the answer gives a decision (the rest are withheld below the
bar) and how often it is right then, and the same layer reading every sentence of the
abstract's contexts (an upper bound for the quotes). The long answer (the conclusion) is never
ingested.
"""

from __future__ import annotations

import time
from typing import Any

from tqdm import tqdm

from eval import metrics as m
from eval.public import NOT_SUPPORTED, _document, _ingest


def _ranked_docs(passages) -> list[str]:
    return list(dict.fromkeys(p.chunk.doc_id for p in passages))


def pubmedqa_documents(items: list[dict]) -> list:
    """One document per abstract: its labelled sections as paragraphs. No title, so the
    question's words are found in the abstract or not at all."""
    docs = []
    for item in items:
        sections = zip(item.get("labels") or [], item["contexts"], strict=False)
        raw = "\n\n".join(f"{label.title()}: {text}" for label, text in sections)
        pmid = str(item["pmid"])
        source = f"pubmedqa:{pmid}"
        docs.append(_document(f"pmid-{pmid}", f"PubMed {pmid}", raw, source, "abstract"))
    return docs


def pubmedqa_test_items(items: list[dict]) -> list[dict]:
    """The items scored: those whose ``split`` is ``test`` (all of them when no item names a
    split, as in a file of one's own)."""
    if any("split" in item for item in items):
        return [item for item in items if item.get("split") == "test"]
    return list(items)


def decision_reader(services):
    """(question, quotes) -> the decision layer's reading (``assistant.verdicts.decision.read``), or
    None when decisions are switched off."""
    from assistant.verdicts import load_decision_layer, load_verdict_model, read

    answer = services.settings.answer
    if not answer.decision:
        return None
    model = load_verdict_model(answer.verdict_path)
    layer = load_decision_layer(answer.decision_path)
    return lambda question, quotes: read(question, quotes, model, layer)


def decision_scores(gold: list[str], given: list, forced: list, oracle: list) -> dict[str, Any]:
    """Decision accuracy over yes/no/maybe: end to end, ``given`` (the answer's decision, None
    when withheld) and ``forced`` (the layer's most likely label on the same cited quotes,
    never withheld), and ``oracle`` (forced, on every sentence of the gold contexts)."""
    if not gold:
        return {"decision_accuracy": NOT_SUPPORTED}
    labels = ["yes", "no", "maybe"]
    kept = [(g, s) for g, s in zip(gold, given, strict=True) if s is not None]
    majority = max(labels, key=gold.count)

    def accuracy(said: list) -> float | None:
        return m.mean(float(g == s) for g, s in zip(gold, said, strict=True))

    return {
        "decision_items": len(gold),
        "decision_accuracy": accuracy(forced),
        "decision_macro_f1": m.macro_f1(gold, forced, labels),
        "decision_given": len(kept) / len(gold),
        "decision_accuracy_when_given": m.mean(float(g == s) for g, s in kept) if kept else None,
        "decision_accuracy_withheld_as_wrong": accuracy(given),
        "decision_accuracy_gold_contexts": accuracy(oracle),
        "decision_macro_f1_gold_contexts": m.macro_f1(gold, oracle, labels),
        "majority_class_accuracy": gold.count(majority) / len(gold),
    }


def _most_likely(reading) -> str:
    from assistant.verdicts import DECISIONS

    p = reading.probabilities
    return DECISIONS[max(range(len(p)), key=p.__getitem__)]


def run_pubmedqa(items: list[dict], services, progress: bool = False) -> dict[str, Any]:
    """Retrieval of each question's own abstract among all ingested, then the answer asked
    within its own abstract (a ``doc_id`` filter) and its yes/no decision."""
    from assistant.models import Filters
    from assistant.verdicts import DECISIONS
    from eval.train_decision import context_sentences

    _ingest(services, pubmedqa_documents(items), progress)
    read = decision_reader(services)
    r1, r5, rr, abstained, latencies = [], [], [], [], []
    gold, given, forced, oracle = [], [], [], []
    for item in tqdm(items, desc="pubmedqa", unit="q", disable=not progress, leave=False):
        own = [f"pmid-{item['pmid']}"]
        ranked = _ranked_docs(services.retriever.search(item["question"], 10))
        r1.append(m.recall_at_k(ranked, own, 1))
        r5.append(m.recall_at_k(ranked, own, 5))
        rr.append(m.reciprocal_rank(ranked, own))
        started = time.perf_counter()
        answer = services.engine.answer(item["question"], filters=Filters(doc_id=own))
        latencies.append((time.perf_counter() - started) * 1000)
        abstained.append(float(answer.abstained))
        if read and item.get("final_decision") in DECISIONS:
            gold.append(item["final_decision"])
            given.append(answer.decision.label if answer.decision else None)
            quotes = [] if answer.abstained else [c.quote for c in answer.citations]
            forced.append(_most_likely(read(item["question"], quotes)))
            oracle.append(_most_likely(read(item["question"], context_sentences(item))))
    return {
        "questions": len(items),
        "documents_in_store": len(items),
        "recall@1": m.mean(r1),
        "recall@5": m.mean(r5),
        "mrr@10": m.mean(rr),
        "abstained": m.mean(abstained),
        **decision_scores(gold, given, forced, oracle),
        "latency_ms_p50": m.p50(latencies),
        "latency_ms_p95": m.p95(latencies),
    }
