"""The answer scorer's training data (also the reranker's): the public sets read into
documents and questions, each with the spans that answer it, split into *fit*, *calibrate* and
*validation* (``eval/splits.py``).

- Evidence Inference 2.0: each prompt asked as a question ("What was the effect of I compared
  with C on O?", or a paraphrase on *fit* articles) within its full-text article.
- COVID-QA: the expert questions, all but the held-out articles train.
- NLI4CT: the single-record statements about a trial record, rendered one line a paragraph.
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from eval import splits

SEED = 13
SAMPLE = 40  # EI2 validation prompts a test re-scores with the shipped artifact
TEMPLATE = "What was the effect of {i} compared with {c} on {o}?"
PARAPHRASES = (
    TEMPLATE,
    "Did {i} change {o} compared with {c}?",
    "How did {o} differ between {i} and {c}?",
    "What happened to {o} with {i} versus {c}?",
    "Was {i} better than {c} for {o}?",
    "{o}: {i} vs {c}",
)


@dataclass
class Doc:
    key: str
    source: str  # ei2 | covidqa | nli4ct
    split: str  # fit | calibrate | validation
    title: str
    text: str
    chunks: list = field(default_factory=list)  # PoolChunk
    pool: list = field(default_factory=list)  # Candidate
    starts: list = field(default_factory=list)  # each candidate's (start, end) in text
    vectors: np.ndarray | None = None
    interventions: list = field(default_factory=list)  # EI2: what its prompts compare
    words: set = field(default_factory=set)  # its tokens, once needed


@dataclass
class Question:
    text: str
    doc: str
    spans: list[tuple[int, int]]
    split: str
    source: str
    parts: tuple[str, str, str, str] | None = None  # EI2: form, intervention, comparator, outcome


# --- documents and questions ---------------------------------------------------------------


def _normalised(raw: str) -> str:
    from ingest.loaders import normalise

    return normalise(raw)


def _locate(span_text: str, text: str) -> tuple[int, int] | None:
    from eval.public import locate

    return locate(span_text, text)


def load_ei2(data: Path, limit: int | None, rng: random.Random, train: bool = True):
    """EI2 articles and prompts; ``train=False``: the validation split only."""
    from eval.public import article_title

    sets = []
    if train:
        with gzip.open(data / "evidence_inference" / "ei2_train.json.gz") as raw:
            sets.append((json.load(raw), False))
    valid = json.loads((data / "evidence_inference" / "ei2_validation.json").read_text())
    sets.append((valid, True))
    docs, questions = {}, []
    for dataset, is_valid in sets:
        pmcids = sorted(dataset["articles"])
        if limit and not is_valid:
            pmcids = sorted(rng.sample(pmcids, min(limit, len(pmcids))))
        for pmcid in pmcids:
            if is_valid:
                split = "validation"
            else:
                split = "calibrate" if splits.ei2_calibration_article(pmcid) else "fit"
            raw = dataset["articles"][pmcid]
            docs[f"ei2/{pmcid}"] = Doc(
                f"ei2/{pmcid}", "ei2", split, article_title(raw, pmcid), _normalised(raw)
            )
        for p in dataset["prompts"]:
            doc = docs.get(f"ei2/{p['pmcid']}")
            if doc is None:
                continue
            spans = [w for ev in p["evidence"] if (w := _locate(ev["text"], doc.text))]
            if not spans:
                continue
            form = TEMPLATE if doc.split != "fit" else rng.choice(PARAPHRASES)
            text = form.format(i=p["intervention"], c=p["comparator"], o=p["outcome"])
            parts = (form, p["intervention"], p["comparator"], p["outcome"])
            if p["intervention"] not in doc.interventions:
                doc.interventions.append(p["intervention"])
            questions.append(Question(text, doc.key, spans, doc.split, "ei2", parts))
    return docs, questions


def load_covidqa(data: Path):
    items = json.loads((data / "covidqa" / "covidqa.json").read_text())["data"]
    ids = [item["paragraphs"][0]["document_id"] for item in items]
    held = splits.covidqa_held_out(ids)
    calibrate = {d for n, d in enumerate(sorted(set(ids) - held)) if n % 6 == 0}
    docs, questions = {}, []
    for item in items:
        para = item["paragraphs"][0]
        doc_id = para["document_id"]
        split = "validation" if doc_id in held else "calibrate" if doc_id in calibrate else "fit"
        text = _normalised(para["context"])
        title = text.strip().split("\n", 1)[0][:200]
        key = f"covidqa/{doc_id}"
        docs[key] = Doc(key, "covidqa", split, title, text)
        for qa in para["qas"]:
            spans = [w for a in qa["answers"] if (w := _locate(a["text"], text))]
            if spans:
                questions.append(Question(qa["question"], key, spans, split, "covidqa"))
    return docs, questions


def render_record(record: dict) -> tuple[str, dict[tuple[str, int], tuple[int, int]]]:
    """An NLI4CT record as text, one line a paragraph, and where each (section, line) lies."""
    parts, where, at = [], {}, 0
    for section in ("Intervention", "Eligibility", "Results", "Adverse Events"):
        lines = record.get(section) or []
        heading = f"{section.upper()}:"
        parts.append(heading)
        at += len(heading) + 2
        for n, line in enumerate(lines):
            line = " ".join(line.split())
            if not line:
                continue
            where[(section, n)] = (at, at + len(line))
            parts.append(line)
            at += len(line) + 2
    return "\n\n".join(parts), where


def load_nli4ct(data: Path, limit: int | None, rng: random.Random):
    records = json.loads((data / "nli4ct" / "records.json").read_text())
    docs, questions = {}, []
    for name, split in (("train.json", "fit"), ("dev.json", "validation")):
        items = list(json.loads((data / "nli4ct" / name).read_text()).values())
        items = [s for s in items if s.get("Type") == "Single"]
        if limit and split == "fit":
            items = rng.sample(items, min(limit, len(items)))
        for s in items:
            nct = s["Primary_id"]
            record = records.get(nct)
            if record is None:
                continue
            key = f"nli4ct/{nct}"
            text, where = render_record(record)
            if key not in docs:
                # A record shared by training and dev statements judges, never trains.
                docs[key] = Doc(key, "nli4ct", split, nct, text)
            elif split == "validation":
                docs[key].split = "validation"
            spans = [
                where[(s["Section_id"], i)]
                for i in s.get("Primary_evidence_index", [])
                if (s["Section_id"], i) in where
            ]
            if spans:
                questions.append(Question(s["Statement"], key, spans, split, "nli4ct"))
    for q in questions:  # statements on records moved to validation go with them
        q.split = docs[q.doc].split if docs[q.doc].split == "validation" else q.split
    return docs, questions
