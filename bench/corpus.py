"""The bench corpus: public clinical texts from ``shared/data`` written as plain ``.txt`` files.

Evidence Inference 2.0 article texts (full papers, ~27k characters each) and PubMedQA
abstracts (~1.3k characters each) are interleaved, three abstracts then one article, so
four or more ``--docs`` have long and short files. Each file opens with its title line; a
PubMedQA abstract gets ``PubMed <pmid>`` as its title (its question would give the answer
away) and its sections as headings. Both pipelines read the same bytes.

``queries`` gives retrieval checks for the written files: a PubMedQA question must find its
own abstract; an Evidence Inference prompt must find a passage holding its evidence sentence.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
EVIDENCE_INFERENCE = DATA / "evidence_inference" / "ei2_validation.json"
PUBMEDQA = DATA / "pubmedqa" / "pqal_labeled.json"


@dataclass
class Query:
    text: str
    doc_id: str  # the file stem the answer is in
    evidence: list[str] = field(default_factory=list)  # passages that answer it (EI only)


@dataclass
class Corpus:
    folder: Path
    files: list[Path]
    chars: int
    queries: list[Query]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _load() -> tuple[dict, list]:
    ei = json.loads(EVIDENCE_INFERENCE.read_text())
    pq = json.loads(PUBMEDQA.read_text())
    return ei, pq


def _article_text(raw: str) -> str:
    return re.sub(r"\ATITLE:\s*\n", "", raw).strip() + "\n"


def _abstract_text(item: dict) -> str:
    parts = [f"PubMed {item['pmid']}"]
    for label, context in zip(item["labels"], item["contexts"], strict=True):
        parts.append(f"{label.title()}\n{context}")
    return "\n\n".join(parts) + "\n"


def sources() -> list[tuple[str, str, list[Query]]]:
    """Every public text as (file stem, text, queries), articles and abstracts interleaved."""
    ei, pq = _load()
    prompts: dict[str, list[dict]] = {}
    for prompt in ei["prompts"]:
        prompts.setdefault(prompt["pmcid"], []).append(prompt)
    articles = []
    for pmcid in sorted(ei["articles"]):
        stem = f"pmc-{pmcid.lower().removeprefix('pmc')}"
        queries = [
            Query(
                f"What was the effect of {p['intervention']} compared with {p['comparator']} "
                f"on {p['outcome']}?",
                stem,
                [_squash(e["text"]) for e in p["evidence"] if len(e["text"].strip()) >= 20],
            )
            for p in prompts.get(pmcid, [])
        ]
        articles.append(
            (stem, _article_text(ei["articles"][pmcid]), [q for q in queries if q.evidence])
        )
    abstracts = [
        (
            f"pmid-{item['pmid']}",
            _abstract_text(item),
            [Query(item["question"], f"pmid-{item['pmid']}")],
        )
        for item in pq
    ]
    mixed: list[tuple[str, str, list[Query]]] = []
    while articles or abstracts:
        for _ in range(3):
            if abstracts:
                mixed.append(abstracts.pop(0))
        if articles:
            mixed.append(articles.pop(0))
    return mixed


def write_corpus(folder: Path, docs: int) -> Corpus:
    """The first ``docs`` texts as files in ``folder`` (created), with their retrieval checks."""
    folder.mkdir(parents=True, exist_ok=True)
    files, chars, queries = [], 0, []
    for stem, text, qs in sources()[:docs]:
        path = folder / f"{stem}.txt"
        path.write_text(text, encoding="utf-8")
        files.append(path)
        chars += len(text)
        queries.extend(qs[:2])  # at most two prompts per article
    return Corpus(folder, files, chars, queries)


def evidence_hit(query: Query, doc_id: str, text: str) -> bool:
    """Whether a retrieved passage answers ``query``: its document, and for an EI prompt, a
    passage that holds the start or the end of an evidence sentence."""
    if doc_id != query.doc_id:
        return False
    if not query.evidence:
        return True
    squashed = _squash(text)
    return any(e[:60] in squashed or e[-60:] in squashed for e in query.evidence)
