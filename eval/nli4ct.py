"""NLI4CT (SemEval-2023 Task 7) through the claim checker: ``trialqa bench-eval nli4ct``.

Each statement ("Patients with ... are excluded from the primary trial") is checked by
``assistant.checking.claims.ClaimChecker`` against the section of the trial record(s) it is
about, and its verdict is read as the task's label: supported -> Entailment, contradicted ->
Contradiction, not_found -> no label (wrong). A statement of several sentences is
Contradiction when any claim is contradicted, Entailment when every claim is supported.
Because the task has only these two labels, a *forced* label is also reported: not_found read
as Contradiction (the record does not entail the statement). Nothing is tuned on the file the
benchmark reads; dev.json is a validation set.

Documents. Every (record, section, role) the statements use becomes one document: the
section's lines (``records.json``), each normalised, one per paragraph, so each line is a
sentence of its own and a quote's offsets map back to line indices. Its title names the role
the statement gives the record ("The primary trial (NCT00066573): Eligibility"), since the
statements name records only that way; a record that is primary for one statement and
secondary for another is two documents. A statement is checked under a ``doc_id`` filter of
its primary (and secondary) document.

Scores: label accuracy and macro-F1 over {Entailment, Contradiction} (not_found wrong), the
same with the forced label, how often each verdict was given, and evidence-line F1: the lines
the cited quotes overlap against ``Primary_evidence_index`` / ``Secondary_evidence_index``
(mean of per-statement F1, and pooled over all statements). Every citation shown counts,
including the closest sentences a not_found claim cites.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tqdm import tqdm

from eval import metrics as m

LABELS = ("Entailment", "Contradiction")
AS_LABEL = {"supported": "Entailment", "contradicted": "Contradiction"}
ROLES = (("primary", "Primary_id", "Primary_evidence_index"),
         ("secondary", "Secondary_id", "Secondary_evidence_index"))  # fmt: skip


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo), else what the platform says."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def doc_id(nct: str, section: str, role: str) -> str:
    return f"{nct}-{section}-{role}".lower().replace(" ", "-")


def record_document(record: dict, section: str, role: str):
    """One section of a record as a document (one line per paragraph) and, per line index,
    the line's span in the document text (None for a line that is empty once normalised)."""
    from assistant.models import Document
    from ingest.loaders import normalise

    parts: list[str] = []
    spans: list[tuple[int, int] | None] = []
    at = 0
    for line in record.get(section) or []:
        text = normalise(line)
        if not text:
            spans.append(None)
            continue
        if parts:
            at += 2  # the blank line between paragraphs
        spans.append((at, at + len(text)))
        parts.append(text)
        at += len(text)
    nct = record["Clinical Trial ID"]
    text = "\n\n".join(parts)
    document = Document(
        doc_id=doc_id(nct, section, role),
        title=f"The {role} trial ({nct}): {section}",
        source=f"nli4ct:{nct}:{section}",
        text=text,
        metadata={"nct_id": nct, "source_type": "registry"},
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )
    return document, spans


def statement_label(verdicts: list[str]) -> str | None:
    """The task's label from the verdicts of a statement's claims (None: not found)."""
    if "contradicted" in verdicts:
        return "Contradiction"
    if verdicts and all(v == "supported" for v in verdicts):
        return "Entailment"
    return None


def _f1(predicted: set, gold: set) -> float:
    if not predicted and not gold:
        return 1.0
    tp = len(predicted & gold)
    return 2 * tp / (len(predicted) + len(gold)) if tp else 0.0


def cited_lines(result, spans: dict[str, tuple[str, list]]) -> set[tuple[str, int]]:
    """(role, line index) of every record line a cited quote of ``result`` overlaps."""
    found = set()
    for claim in result.claims:
        for c in claim.citations:
            role, lines = spans[c.doc_id]
            for i, span in enumerate(lines):
                if span and span[0] < c.end and c.start < span[1]:
                    found.add((role, i))
    return found


def run_nli4ct(
    statements: dict,
    records: dict,
    services,
    progress: bool = False,
    limit: int | None = None,
) -> dict[str, Any]:
    from assistant.checking import checker_for
    from assistant.models import Filters
    from eval.public import _ingest

    items = list(statements.items())[:limit] if limit else list(statements.items())
    documents, spans = {}, {}
    for _, item in items:
        for role, id_key, _ in ROLES:
            if item.get(id_key):
                doc, lines = record_document(records[item[id_key]], item["Section_id"], role)
                documents[doc.doc_id], spans[doc.doc_id] = doc, (role, lines)
    _ingest(services, list(documents.values()), progress)
    checker = checker_for(services.engine)
    gold, said, forced, latencies = [], [], [], []
    verdicts: Counter[str] = Counter()
    evidence_f1, tp, n_pred, n_gold = [], 0, 0, 0
    for _, item in tqdm(items, desc="nli4ct", unit="statement", disable=not progress):
        section = item["Section_id"]
        ids = [doc_id(item[k], section, role) for role, k, _ in ROLES if item.get(k)]
        started = time.perf_counter()
        result = checker.check(item["Statement"], Filters(doc_id=ids))
        latencies.append((time.perf_counter() - started) * 1000)
        label = statement_label([c.verdict for c in result.claims])
        verdicts[label or "not_found"] += 1
        gold.append(item["Label"])
        said.append(label)
        forced.append(label or "Contradiction")
        truth = {(role, i) for role, _, key in ROLES for i in item.get(key) or []}
        found = cited_lines(result, spans)
        evidence_f1.append(_f1(found, truth))
        tp, n_pred, n_gold = tp + len(found & truth), n_pred + len(found), n_gold + len(truth)
    pooled_p = tp / n_pred if n_pred else 0.0
    pooled_r = tp / n_gold if n_gold else 0.0
    return {
        "statements": len(items),
        "documents_in_store": len(documents),
        "label_accuracy": m.mean(float(g == s) for g, s in zip(gold, said, strict=True)),
        "label_macro_f1": m.macro_f1(gold, said, LABELS),
        "forced_label_accuracy": m.mean(float(g == f) for g, f in zip(gold, forced, strict=True)),
        "forced_label_macro_f1": m.macro_f1(gold, forced, LABELS),
        "supported": verdicts["Entailment"] / len(items),
        "contradicted": verdicts["Contradiction"] / len(items),
        "not_found": verdicts["not_found"] / len(items),
        "accuracy_when_labelled": m.mean(
            float(g == s) for g, s in zip(gold, said, strict=True) if s is not None
        ),
        "evidence_line_f1": m.mean(evidence_f1),
        "evidence_line_precision_pooled": pooled_p,
        "evidence_line_recall_pooled": pooled_r,
        "evidence_line_f1_pooled": (
            2 * pooled_p * pooled_r / (pooled_p + pooled_r) if pooled_p + pooled_r else 0.0
        ),
        "latency_ms_p50": m.p50(latencies),
        "latency_ms_p95": m.p95(latencies),
    }


def main(
    data: Path,
    limit: int | None = None,
    report: Path | None = None,
    progress: bool = True,
    embedder=None,
) -> int:
    """Check the statements of ``data`` (dev.json) against records.json beside it."""
    from eval.public import temporary_services

    records_path = Path(data).with_name("records.json")
    if not Path(data).is_file() or not records_path.is_file():
        print(f"nli4ct: no data at {data} (with records.json beside it); skipped.")
        return 0
    statements = json.loads(Path(data).read_text(encoding="utf-8"))
    records = json.loads(records_path.read_text(encoding="utf-8"))
    print(f"cpu: {cpu_model()}", flush=True)
    started = time.perf_counter()
    with temporary_services(embedder) as services:
        shown = progress and sys.stderr.isatty()
        scores = run_nli4ct(statements, records, services, shown, limit)
    result = {
        "benchmark": "nli4ct",
        "data": str(data),
        "limit": limit,
        "cpu": cpu_model(),
        "seconds": round(time.perf_counter() - started, 1),
        **scores,
    }
    for key, value in result.items():
        shown = f"{value:.3f}" if isinstance(value, float) and value <= 1 else value
        if isinstance(value, float) and value > 1:
            shown = f"{value:.1f}"
        print(f"{key}: {shown}")
    if report:
        Path(report).mkdir(parents=True, exist_ok=True)
        out = Path(report) / "nli4ct.json"
        out.write_text(json.dumps(result, indent=2) + "\n")
        print(f"report: {out}")
    return 0
