"""Public benchmarks, scored on what an extractive, citing engine can be asked to do.

- **PubMedQA** (PQA-L): ``eval/pubmedqa.py``.
- **Evidence Inference 2.0** (``ei2_validation.json``: ``{"prompts": [{pmcid, intervention,
  comparator, outcome, label, evidence: [{text, start, end}]}], "articles": {pmcid: text}}``).
  Each prompt becomes a question asked within its own article (a ``doc_id`` filter); the score
  is how often a cited sentence overlaps an annotated evidence span (recall@1 for the first
  citation, recall@3 for any of the first three), and the same for the retrieved passages.
  The verdict is scored as macro-F1 over the three EI2 labels, end to end (the answer's own
  verdict, read from the quotes it cites) and on the annotated evidence (the same model
  reading the annotated spans); a question given no verdict counts as wrong.

- **COVID-QA** held-out articles: ``eval/covidqa.py``.

Evidence offsets index the raw article; TrialQA indexes normalised text, so each span is found
again by its normalised text (spans that cannot be found are counted and left out).

Runs over a temporary store that is removed afterwards; ``--limit N`` keeps the first N
questions (PubMedQA: and only their N abstracts in the store).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tqdm import tqdm

from eval import metrics as m

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULTS = {
    "pubmedqa": DATA / "pubmedqa" / "pqal_labeled.json",
    "evidence-inference": DATA / "evidence_inference" / "ei2_validation.json",
    "covidqa": DATA / "covidqa" / "covidqa.json",
}
NOT_SUPPORTED = "not supported"


@contextmanager
def temporary_services(embedder=None) -> Iterator[Any]:
    """Services over an empty store in a temporary folder, removed on exit."""
    from assistant.factory import build
    from assistant.settings import Settings

    folder = Path(tempfile.mkdtemp(prefix="trialqa-bench-"))
    settings = Settings()
    settings.store.path = folder
    settings.store.kind = "embedded"  # a throwaway store, never a shared Chroma server
    settings.store.collection = "bench"
    try:
        yield build(settings, embedder=embedder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _document(doc_id: str, title: str, raw: str, source: str, source_type: str):
    from assistant.models import Document
    from ingest.loaders import normalise

    return Document(
        doc_id=doc_id,
        title=title,
        source=source,
        text=normalise(raw),
        metadata={"source_type": source_type},
        sha256=hashlib.sha256(raw.encode()).hexdigest(),
    )


def _ingest(services, documents: list, progress: bool) -> None:
    from ingest.pipeline import Ingestor

    ingestor = Ingestor(services.store, services.embedder, services.settings)
    for document in tqdm(documents, desc="ingest", unit="doc", disable=not progress, leave=False):
        ingestor.ingest_document(document)


# --- Evidence Inference ----------------------------------------------------------------------


def article_title(raw: str, pmcid: str) -> str:
    match = re.match(r"\s*TITLE:\s*(.+)", raw)
    return match.group(1).strip()[:200] if match else pmcid


def evidence_question(prompt: dict) -> str:
    return (
        f"What was the effect of {prompt['intervention']} compared with "
        f"{prompt['comparator']} on {prompt['outcome']}?"
    )


def locate(span_text: str, text: str) -> tuple[int, int] | None:
    """Where an annotated span's text lies in the normalised document text: exactly after
    normalisation, else with any run of whitespace between its words."""
    from ingest.loaders import normalise

    wanted = normalise(span_text)
    if not wanted:
        return None
    at = text.find(wanted)
    if at >= 0:
        return at, at + len(wanted)
    words = wanted.split()
    found = re.search(r"\s*".join(re.escape(w) for w in words), text)
    return (found.start(), found.end()) if found else None


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


EI2_LABELS = {
    "significantly increased": "significantly_increased",
    "significantly decreased": "significantly_decreased",
    "no significant difference": "no_significant_difference",
}


def verdict_reader(services):
    """The label the verdict model gives a question over given quotes (the annotated
    evidence), or None when verdicts are switched off."""
    from assistant.verdicts import combine, document_alpha, load_verdict_model

    if not services.settings.answer.verdict:
        return None
    model = load_verdict_model(services.settings.answer.verdict_path)

    def read(question: str, quotes: list[str]) -> str | None:
        probs = model.probabilities(question, quotes, document_alpha(quotes))
        return combine(probs, model.threshold).label

    return read


def verdict_scores(gold: list[str], said: list, oracle: list) -> dict[str, Any]:
    """Verdict macro-F1 over the three EI2 labels, end to end (the verdict of the answer, on
    the quotes TrialQA cites) and on the annotated evidence; no verdict counts as wrong."""
    if not gold:
        return {"verdict_macro_f1": NOT_SUPPORTED}
    labels = list(EI2_LABELS.values())
    given = [(g, s) for g, s in zip(gold, said, strict=True) if s in labels]
    return {
        "verdict_macro_f1": m.macro_f1(gold, said, labels),
        "verdict_accuracy": m.mean(float(g == s) for g, s in zip(gold, said, strict=True)),
        "verdict_given": len(given) / len(gold),
        "verdict_accuracy_when_given": m.mean(float(g == s) for g, s in given) if given else None,
        "verdict_macro_f1_annotated_evidence": m.macro_f1(gold, oracle, labels),
    }


def run_evidence_inference(data: dict, services, progress: bool = False, limit: int | None = None):
    from assistant.models import Filters

    prompts = data["prompts"][:limit] if limit else data["prompts"]
    pmcids = list(dict.fromkeys(p["pmcid"] for p in prompts))
    docs = {
        pmcid: _document(
            pmcid.lower(),
            article_title(data["articles"][pmcid], pmcid),
            data["articles"][pmcid],
            f"evidence-inference:{pmcid}",
            "paper",
        )  # fmt: skip
        for pmcid in pmcids
    }
    _ingest(services, list(docs.values()), progress)
    cite1, cite3, pass1, pass3, abstained, latencies = [], [], [], [], [], []
    gold, said, oracle = [], [], []
    read_verdict = verdict_reader(services)
    unlocated = scored = 0
    for prompt in tqdm(prompts, desc="evidence", unit="prompt", disable=not progress, leave=False):
        doc = docs[prompt["pmcid"]]
        spans = []
        for ev in prompt["evidence"]:
            where = locate(ev["text"], doc.text)
            if where is None:
                unlocated += 1
            else:
                spans.append(where)
        if not spans:
            continue
        scored += 1
        only = Filters(doc_id=doc.doc_id)
        question = evidence_question(prompt)
        passages = services.retriever.search(question, 3, only)
        hits = [any(overlaps((p.chunk.start, p.chunk.end), s) for s in spans) for p in passages]
        pass1.append(float(bool(hits[:1]) and hits[0]))
        pass3.append(float(any(hits[:3])))
        started = time.perf_counter()
        answer = services.engine.answer(question, filters=only)
        latencies.append((time.perf_counter() - started) * 1000)
        abstained.append(float(answer.abstained))
        cited = [] if answer.abstained else answer.citations
        hits = [any(overlaps((c.start, c.end), s) for s in spans) for c in cited]
        cite1.append(float(bool(hits[:1]) and hits[0]))
        cite3.append(float(any(hits[:3])))
        if read_verdict and prompt.get("label") in EI2_LABELS:
            gold.append(EI2_LABELS[prompt["label"]])
            said.append(answer.verdict.label if answer.verdict else None)
            evidence = [" ".join(ev["text"].split()) for ev in prompt["evidence"]]
            oracle.append(read_verdict(question, evidence))
    return {
        "prompts": len(prompts),
        "prompts_scored": scored,
        "articles_in_store": len(docs),
        "evidence_spans_not_located": unlocated,
        "citation_recall@1": m.mean(cite1),
        "citation_recall@3": m.mean(cite3),
        "passage_recall@1": m.mean(pass1),
        "passage_recall@3": m.mean(pass3),
        "abstained": m.mean(abstained),
        **verdict_scores(gold, said, oracle),
        "latency_ms_p50": m.p50(latencies),
        "latency_ms_p95": m.p95(latencies),
    }


# --- command ---------------------------------------------------------------------------------


def main(
    benchmark: str,
    data: Path | None = None,
    limit: int | None = None,
    report: Path | None = None,
    progress: bool = True,
    embedder=None,
) -> int:
    """Run one benchmark and print (and optionally write) its scores; 0 also when skipped."""
    path = Path(data) if data else DEFAULTS[benchmark]
    if not path.is_file():
        print(f"{benchmark}: no data at {path}; skipped (pass --data PATH to run it).")
        return 0
    if limit is not None and limit < 1:
        print("bench-eval: --limit must be at least 1", file=sys.stderr)
        return 2
    loaded = json.loads(path.read_text(encoding="utf-8"))
    progress = progress and sys.stderr.isatty()
    started = time.perf_counter()
    with temporary_services(embedder) as services:
        if benchmark == "pubmedqa":
            from eval.pubmedqa import pubmedqa_test_items, run_pubmedqa

            items = pubmedqa_test_items(loaded)
            items = items[:limit] if limit else items
            scores = run_pubmedqa(items, services, progress)
        elif benchmark == "covidqa":
            from eval.covidqa import run_covidqa

            scores = run_covidqa(loaded, services, progress, limit)
        else:
            scores = run_evidence_inference(loaded, services, progress, limit)
    result = {
        "benchmark": benchmark,
        "data": str(path),
        "limit": limit,
        "seconds": round(time.perf_counter() - started, 1),
        **scores,
    }
    for key, value in result.items():
        shown = value
        if isinstance(value, float):
            shown = f"{value:.3f}" if value <= 1 else f"{value:.1f}"
        print(f"{key}: {shown}")
    if report:
        Path(report).mkdir(parents=True, exist_ok=True)
        out = Path(report) / f"{benchmark}.json"
        out.write_text(json.dumps(result, indent=2) + "\n")
        print(f"report: {out}")
    return 0
