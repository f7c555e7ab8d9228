"""Train the answer scorer (``assistant/scoring/scorer.py``) from public data: ``make train``.

Data (``eval/splits.py`` says which part of each set trains and which judges):
- Evidence Inference 2.0 training prompts: "What was the effect of I compared with C on O?"
  (and paraphrases) within the full-text article; sentences overlapping an annotated evidence
  span answer it. Articles are split by hash into *fit* and *calibrate*.
- COVID-QA, all but the held-out articles: the sentences holding the answer span answer it.
- NLI4CT training statements about a trial record: the evidence lines answer it.

Every document is chunked and split into statements by the product's own code, and embedded
by the product's embedder, so the scorer sees at training what it sees when answering.
Negatives are the other sentences of the same document (hard negatives) and the best-looking
sentences of *another* document of the same kind (a question asked of the wrong paper),
which is what the decline bar is set on.

Steps: embed (cached in ``--cache``), build feature rows, fit two designs on *fit* (scalar
features only; scalar plus the question-sentence vector product), compare them on
*calibrate*, calibrate the better one (Platt scaling) and choose its decline bar there, then
measure it on the validation sets it never saw and write the artifact and its model card.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import inspect
import io
import json
import pickle
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from eval import splits

ARTIFACT = Path(__file__).resolve().parents[1] / "assistant" / "data" / "answer_scorer.npz"
CARD = ARTIFACT.parent / "MODEL_CARD.md"
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


# Question kinds clinicians ask of any trial report, with the sentences that answer them found
# by pattern in *training* articles only (weak labels): the EI2 prompts are all effect
# questions, and these teach the scorer the rest (size, design, endpoint, dose, registry,
# safety). A kind is used for an article only when one to three of its sentences match.
_PEOPLE = (r"(patients|participants|subjects|women|men|children|infants|adults|volunteers|"
           r"individuals|neonates|newborns|mothers|cases)")  # fmt: skip
_NUMBER = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|" \
          r"sixty|seventy|eighty|ninety|hundred)"  # fmt: skip
KINDS = {
    "size": (
        (
            "How many patients were randomised?",
            "How many participants were enrolled?",
            "How many subjects took part in the trial?",
            "What was the sample size?",
        ),
        rf"(?i)\b{_NUMBER}\b[^.]{{0,60}}\b{_PEOPLE}\b[^.]{{0,80}}\b(randomi[sz]ed|randomly "
        r"(assigned|allocated)|enrolled|recruited|included)",
    ),
    "endpoint": (
        (
            "What was the primary outcome?",
            "What was the primary endpoint?",
            "What was the main outcome measure?",
        ),
        r"(?i)\b(primary|main) (outcome|end ?point|efficacy (variable|measure|end ?point))",
    ),
    "registry": (
        (
            "What is the trial registration number?",
            "Where was the trial registered?",
            "What is the ClinicalTrials.gov identifier of this study?",
        ),
        r"(?i)\b(NCT\d{8}|ISRCTN\s?\d+|ChiCTR[-\w]*\d|ACTRN\d+|CTRI/\d|IRCT\d+|EudraCT)",
    ),
    "design": (
        (
            "What kind of trial was this?",
            "What was the study design?",
            "How was the study designed?",
        ),
        r"(?i)\b(randomi[sz]ed|double[- ]blind|placebo[- ]controlled|open[- ]label|cross-?over)"
        r"\b[^.]{0,60}\b(trial|study)\b",
    ),
    "safety": (
        (
            "What adverse events were reported?",
            "Were there any side effects?",
            "How safe was the treatment?",
        ),
        r"(?i)\b(adverse (events?|effects?|reactions?)|side[- ]effects?|toxicit)",
    ),
}
KIND_DOSE = r"(?i)\b\d+(\.\d+)?\s?(mg|g|µg|μg|mcg|ml|iu|units?|mg/kg|mmol)\b"


def kind_questions(docs: dict[str, Doc], rng: random.Random, per_doc: int = 3) -> list[Question]:
    """Weakly labelled questions of the kinds in ``KINDS`` (and a dose question naming an
    intervention the article's prompts name) over EI2 training articles."""
    import re

    from assistant.language.text import is_content, tokenize

    out = []
    for doc in docs.values():
        if doc.source != "ei2" or doc.split == "validation" or not doc.pool:
            continue
        found = []
        for forms, pattern in KINDS.values():
            hits = [i for i, c in enumerate(doc.pool) if re.search(pattern, c.text)]
            if 1 <= len(hits) <= 3:
                found.append((rng.choice(forms), hits))
        for name in doc.interventions:
            terms = {t for t in tokenize(name) if is_content(t)}
            hits = [
                i for i, c in enumerate(doc.pool)
                if re.search(KIND_DOSE, c.text) and terms & set(tokenize(c.text))
            ]  # fmt: skip
            if terms and 1 <= len(hits) <= 3:
                found.append((f"What dose of {name} was given?", hits))
                break
        for text, hits in rng.sample(found, min(per_doc, len(found))):
            spans = [doc.starts[i] for i in hits]
            out.append(Question(text, doc.key, spans, doc.split, "kinds"))
    return out


# --- pools and vectors --------------------------------------------------------------------


def build_pools(docs: dict[str, Doc], max_chars: int) -> None:
    from assistant.embedding.sentences import statements
    from assistant.models import Document
    from assistant.scoring.scorer import PoolChunk, build_pool
    from ingest.chunking import chunk_and_segment

    for doc in tqdm(docs.values(), desc="split", unit="doc", leave=False):
        document = Document(doc_id="d", title=doc.title, source=doc.key, text=doc.text)
        chunks, sentences = chunk_and_segment(document, max_chars)
        doc.chunks = [
            PoolChunk(
                doc.key,
                c.start,
                c.text,
                c.section,
                doc.title,
                tuple((s.start, s.end) for s in statements(c, found)),
            )
            for c, found in zip(chunks, sentences, strict=True)
        ]
        doc.pool, where = build_pool(doc.chunks)
        doc.starts = []
        for ci, si in where:
            ch = doc.chunks[ci]
            a, b = ch.spans[si]
            doc.starts.append((ch.start + a, ch.start + b))


def embed_pools(docs: dict[str, Doc], cache: Path) -> None:
    from assistant.factory import make_embedder
    from assistant.settings import Settings

    cache.mkdir(parents=True, exist_ok=True)
    embedder = None
    pending = []
    for doc in docs.values():
        digest = hashlib.sha256("\0".join(c.text for c in doc.pool).encode()).hexdigest()[:20]
        path = cache / f"{digest}.npy"
        if path.is_file():
            doc.vectors = np.load(path)
        else:
            pending.append((doc, path))
    if not pending:
        return
    embedder = make_embedder(Settings())
    bar = tqdm(total=sum(len(d.pool) for d, _ in pending), desc="embed", unit="sent")
    for doc, path in pending:
        texts = [c.text for c in doc.pool]
        vectors = np.asarray(embedder.embed_documents(texts), dtype=np.float32)
        doc.vectors = vectors.reshape(len(texts), -1)
        np.save(path, doc.vectors)
        bar.update(len(texts))
    bar.close()


def idf_table(docs: list[Doc]) -> tuple[list[str], np.ndarray, float]:
    from assistant.language.text import tokenize

    df: dict[str, int] = {}
    for doc in docs:
        for term in set(tokenize(doc.text)):
            df[term] = df.get(term, 0) + 1
    n = len(docs)

    def idf(count: int) -> float:
        return float(np.log(1.0 + (n - count + 0.5) / (count + 0.5)))

    kept = sorted(t for t, c in df.items() if c >= 2)
    return kept, np.array([idf(df[t]) for t in kept], dtype=np.float32), idf(1)


# --- examples ----------------------------------------------------------------------------


@dataclass
class Scored:
    """One question's pool in its own document, and in another document (must decline)."""

    question: Question
    rows: np.ndarray
    labels: np.ndarray
    other_rows: np.ndarray
    near_rows: np.ndarray  # a near miss in its own document: another paper's outcome (EI2)

    def negatives(self) -> np.ndarray:
        """Rows that must all score low: the other document's and the near miss's."""
        return np.concatenate([self.other_rows, self.near_rows])


def question_rows(q: Question, doc: Doc, idf, embed_query, dense: bool = True) -> np.ndarray:
    from assistant.language.query import analyse
    from assistant.scoring.scorer import features

    query = analyse(q.text)
    return features(query, embed_query(query), doc.pool, doc.vectors, idf, dense=dense)


def labels_for(q: Question, doc: Doc) -> np.ndarray:
    return np.array(
        [any(a < e and s < b for s, e in q.spans) for a, b in doc.starts], dtype=np.float32
    )


def near_miss(q: Question, doc: Doc, outcomes: list[tuple[str, str]], rng) -> Question | None:
    """The question with its outcome swapped for another paper's that this paper does not
    mention (fewer than half of its content words occur in the text): must be declined."""
    from assistant.language.text import is_content, tokenize

    if q.parts is None:
        return None
    if not doc.words:
        doc.words = set(tokenize(doc.text))
    words = doc.words
    for _ in range(20):
        key, outcome = rng.choice(outcomes)
        terms = {t for t in tokenize(outcome) if is_content(t)}
        if key != doc.key and terms and len(terms & words) < len(terms) / 2:
            form, i, c, _ = q.parts
            return Question(form.format(i=i, c=c, o=outcome), q.doc, [], q.split, q.source)
    return None


def make_examples(questions, docs, idf, embed_query, rng, dense=False) -> list[Scored]:
    by_source: dict[tuple[str, str], list[str]] = {}
    for key, doc in docs.items():
        by_source.setdefault((doc.source, doc.split), []).append(key)
    outcomes: dict[str, list[tuple[str, str]]] = {}
    for q in questions:
        if q.parts:
            outcomes.setdefault(q.split, []).append((q.doc, q.parts[3]))
    out = []
    for q in tqdm(questions, desc="features", unit="q", leave=False):
        doc = docs[q.doc]
        if not doc.pool:
            continue
        labels = labels_for(q, doc)
        if not labels.any():
            continue  # the evidence lies outside every statement (a heading, a table cell)
        others = [k for k in by_source[(doc.source, doc.split)] if k != q.doc and docs[k].pool]
        other = docs[rng.choice(others)]
        near = near_miss(q, doc, outcomes.get(q.split, []), rng)
        rows = question_rows(q, doc, idf, embed_query, dense)
        near_rows = (
            question_rows(near, doc, idf, embed_query, dense)
            if near
            else np.zeros((0, rows.shape[1]), np.float32)
        )
        out.append(
            Scored(q, rows, labels, question_rows(q, other, idf, embed_query, dense), near_rows)
        )
    return out


def training_matrix(scored: list[Scored], rng: np.random.Generator, negatives: int = 30):
    """Every positive, the hardest and some random negatives of the same document, and the
    best-looking sentences of the other document."""
    xs, ys = [], []
    for s in scored:
        pos = np.flatnonzero(s.labels == 1)
        neg = np.flatnonzero(s.labels == 0)
        hard = neg[np.argsort(-s.rows[neg, 0])[: negatives // 2]]  # by cosine
        rest = np.setdiff1d(neg, hard)
        easy = rng.choice(rest, size=min(len(rest), negatives // 2), replace=False)
        other = np.argsort(-s.other_rows[:, 0])[:8]
        near = np.argsort(-s.near_rows[:, 0])[:8]
        xs += [s.rows[pos], s.rows[hard], s.rows[easy], s.other_rows[other], s.near_rows[near]]
        ys += [np.ones(len(pos)), np.zeros(len(hard) + len(easy) + len(other) + len(near))]
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.float32)


# --- model --------------------------------------------------------------------------------


def _padded(arrays: list[np.ndarray], width: int):
    """[batch, longest, width] of rows, and the mask of the real ones."""
    longest = max(len(a) for a in arrays)
    x = np.zeros((len(arrays), longest, width), np.float32)
    mask = np.zeros((len(arrays), longest), bool)
    for i, a in enumerate(arrays):
        x[i, : len(a)] = a
        mask[i, : len(a)] = True
    return x, mask


def fit_listwise(items: list[Scored], hidden: int, epochs: int, seed: int, batch: int = 32):
    """The MLP trained on whole pools: a listwise loss (the evidence's share of the softmax
    over every sentence of its document) ranks, and a pointwise loss over the same sentences
    and the other document's (all negatives) keeps the scores' level comparable across
    documents, which is what the decline bar reads."""
    import torch

    torch.manual_seed(seed)
    every = np.concatenate([s.rows for s in items] + [s.negatives() for s in items])
    mean, scale = every.mean(axis=0), every.std(axis=0) + 1e-3
    width = every.shape[1]
    model = torch.nn.Sequential(
        torch.nn.Linear(width, hidden), torch.nn.ReLU(), torch.nn.Dropout(0.1),
        torch.nn.Linear(hidden, 1),
    )  # fmt: skip
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-3)
    positives = sum(float(s.labels.sum()) for s in items)
    negatives = sum(len(s.labels) + len(s.negatives()) for s in items) - positives
    pos_weight = torch.tensor(negatives / max(positives, 1.0))
    order = np.random.default_rng(seed)
    for _ in tqdm(range(epochs), desc="fit", unit="epoch", leave=False):
        model.train()
        perm = order.permutation(len(items))
        for at in range(0, len(items), batch):
            group = [items[i] for i in perm[at : at + batch]]
            own, mask = _padded([(s.rows - mean) / scale for s in group], width)
            lab, _ = _padded([s.labels[:, None] for s in group], 1)
            other, omask = _padded([(s.negatives() - mean) / scale for s in group], width)
            own_t, mask_t = torch.from_numpy(own), torch.from_numpy(mask)
            lab_t = torch.from_numpy(lab[..., 0])
            z = model(own_t)[..., 0]
            zo = model(torch.from_numpy(other))[..., 0]
            low = torch.finfo(z.dtype).min
            everything = torch.logsumexp(torch.where(mask_t, z, low), dim=1)
            evidence = torch.logsumexp(torch.where(mask_t & (lab_t > 0), z, low), dim=1)
            listwise = (everything - evidence).mean()
            bce = torch.nn.functional.binary_cross_entropy_with_logits
            w = mask_t.float() * torch.where(lab_t > 0, pos_weight, 1.0)
            pointwise = (bce(z, lab_t, reduction="none") * w).sum() / w.sum()
            wo = torch.from_numpy(omask).float()
            pointwise_other = (
                bce(zo, torch.zeros_like(zo), reduction="none") * wo
            ).sum() / wo.sum()
            loss = listwise + pointwise + pointwise_other
            opt.zero_grad()
            loss.backward()
            opt.step()
    return _exported(model, mean, scale)


def _exported(model, mean: np.ndarray, scale: np.ndarray) -> dict:
    """The trained network as the arrays ``AnswerScorer`` reads (weights as input x output)."""
    import torch

    model.eval()
    layers = [m for m in model if isinstance(m, torch.nn.Linear)]
    weights = [(m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy()) for m in layers]
    return {"mean": mean, "scale": scale, "layers": weights}


def fit(x: np.ndarray, y: np.ndarray, hidden: int, epochs: int, seed: int):
    import torch

    torch.manual_seed(seed)
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-3
    xt = torch.from_numpy((x - mean) / scale)
    yt = torch.from_numpy(y)
    model = torch.nn.Sequential(
        torch.nn.Linear(x.shape[1], hidden),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.1),
        torch.nn.Linear(hidden, 1),
    )
    pos_weight = torch.tensor((len(y) - y.sum()) / max(y.sum(), 1.0))
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-3)
    for _ in tqdm(range(epochs), desc="fit", unit="epoch", leave=False):
        perm = torch.randperm(len(yt))
        model.train()
        for i in range(0, len(perm), 512):
            idx = perm[i : i + 512]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx])[:, 0], yt[idx])
            loss.backward()
            opt.step()
    return _exported(model, mean, scale)


def logits(params, x: np.ndarray) -> np.ndarray:
    h = (x - params["mean"]) / params["scale"]
    for i, (w, b) in enumerate(params["layers"]):
        h = h @ w + b
        if i < len(params["layers"]) - 1:
            h = np.maximum(h, 0.0)
    return h[:, 0]


def platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """a, b minimising the log loss of sigmoid(a z + b) (Newton's method)."""
    a, b = 1.0, 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-(a * z + b)))
        g = np.array([np.sum((p - y) * z), np.sum(p - y)])
        w = p * (1 - p) + 1e-9
        h = np.array([[np.sum(w * z * z), np.sum(w * z)], [np.sum(w * z), np.sum(w)]])
        step = np.linalg.solve(h + 1e-6 * np.eye(2), g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-8:
            break
    return float(a), float(b)


def ranking(params, scored: list[Scored], columns: slice | None = None) -> dict[str, float]:
    """recall@1 / @3 of the evidence among the pool ranked by the model."""
    r1, r3 = [], []
    for s in scored:
        rows = s.rows if columns is None else s.rows[:, columns]
        order = np.argsort(-logits(params, rows))
        r1.append(float(s.labels[order[0]] == 1))
        r3.append(float(s.labels[order[:3]].any()))
    return {"recall@1": float(np.mean(r1)), "recall@3": float(np.mean(r3))}


def decline_figures(params, ab, scored: list[Scored], threshold: float) -> dict[str, float]:
    def top(rows):
        return 1 / (1 + np.exp(-(ab[0] * logits(params, rows).max() + ab[1])))

    own = np.array([top(s.rows) for s in scored])
    other = np.array([top(s.other_rows) for s in scored])
    near = np.array([top(s.near_rows) for s in scored if len(s.near_rows)])
    right = np.array([s.labels[np.argmax(logits(params, s.rows))] == 1 for s in scored])
    out = {
        "answered_own": float(np.mean(own >= threshold)),
        "answered_own_and_right": float(np.mean((own >= threshold) & right)),
        "declined_other": float(np.mean(other < threshold)),
    }
    if len(near):
        out["declined_near_miss"] = float(np.mean(near < threshold))
    return out


def choose_threshold(params, ab, scored: list[Scored]) -> float:
    """The bar that best tells a question its document answers (with the evidence ranked
    first) from one asked of another document or a near miss."""
    best, best_t = -1.0, 0.5
    for t in np.linspace(0.05, 0.95, 91):
        f = decline_figures(params, ab, scored, float(t))
        declined = [f["declined_other"]] + [f[k] for k in ("declined_near_miss",) if k in f]
        value = f["answered_own_and_right"] + float(np.mean(declined))
        if value > best:
            best, best_t = value, float(t)
    return best_t


def reliability(params, ab, scored: list[Scored], bins: int = 10) -> list[dict[str, float]]:
    z = np.concatenate([logits(params, s.rows) for s in scored])
    y = np.concatenate([s.labels for s in scored])
    p = 1 / (1 + np.exp(-(ab[0] * z + ab[1])))
    out = []
    for i in range(bins):
        lo, hi = i / bins, (i + 1) / bins
        m = (p >= lo) & (p < hi if i < bins - 1 else p <= hi)
        if m.any():
            out.append({"low": lo, "high": hi, "n": int(m.sum()), "predicted": float(p[m].mean()),
                        "observed": float(y[m].mean())})  # fmt: skip
    return out


# --- command ------------------------------------------------------------------------------


def _features_key(args) -> str:
    """What the feature rows depend on: the code and word lists that make them, and the
    arguments choosing the data."""
    root = Path(__file__).resolve().parents[1]
    parts = [
        (root / f).read_bytes()
        for f in (
            "assistant/scoring/scorer.py",
            "assistant/embedding/sentences.py",
            "assistant/language/query.py",
            "assistant/language/text.py",
            "assistant/data/synonyms.json",
            "assistant/data/abbreviations.json",
        )
    ]
    makers = (load_ei2, load_covidqa, load_nli4ct, render_record, build_pools, make_examples,
              question_rows, labels_for, idf_table, kind_questions, near_miss)  # fmt: skip
    parts.append(json.dumps([KINDS, KIND_DOSE]).encode())
    parts += [inspect.getsource(f).encode() for f in makers]
    parts.append(f"{args.ei2_articles}/{args.nli4ct_statements}/{args.read}".encode())
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:16]


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments choosing the training data (shared with ``eval.train_reranker``)."""
    parser.add_argument("--data", type=Path, default=splits.DATA, help="the shared data folder")
    parser.add_argument("--ei2-articles", type=int, default=0,
                        help="EI2 training articles to use (0: all 732)")  # fmt: skip
    parser.add_argument("--nli4ct-statements", type=int, default=600,
                        help="NLI4CT training statements to use (0: all)")  # fmt: skip
    parser.add_argument("--read", action="store_true",
                        help="add the question-sentence vector product to the features "
                        "(measured worse on the calibrate split; see the model card)")  # fmt: skip
    parser.add_argument("--cache", type=Path, default=Path(".trialqa-train"),
                        help="folder caching sentence vectors between runs")  # fmt: skip


def data_missing(args: argparse.Namespace, command: str) -> bool:
    """Whether ``args.data`` lacks the training data, said in one line (shared with
    ``eval.train_reranker``)."""
    if (args.data / "evidence_inference").is_dir():
        return False
    print(f"{command}: no data at {args.data} (the shared data folder)", file=sys.stderr)
    return True


class _Unpickler(pickle.Unpickler):
    """Reads a feature cache written when this module ran as ``__main__``."""

    def find_class(self, module: str, name: str):
        return super().find_class(__name__ if module == "__main__" else module, name)


@dataclass
class Prepared:
    """The documents (with their statement pools) and each question's scored pools, by split."""

    docs: dict[str, Doc]
    by_split: dict[str, list[Scored]]
    terms: list[str]
    values: np.ndarray
    default: float


def prepare(args: argparse.Namespace) -> Prepared:
    """Load, split, embed and featurise the training data (feature rows cached by
    ``_features_key``)."""
    rng = random.Random(SEED)
    docs, questions = load_ei2(args.data, args.ei2_articles or None, rng)
    more_docs, more_q = load_covidqa(args.data)
    docs |= more_docs
    questions += more_q
    more_docs, more_q = load_nli4ct(args.data, args.nli4ct_statements or None, rng)
    docs |= more_docs
    questions += more_q
    from assistant.settings import Settings

    build_pools(docs, Settings().chunking.max_chars)
    questions += kind_questions(docs, rng)
    embed_pools(docs, args.cache)
    terms, values, default = idf_table([d for d in docs.values() if d.split != "validation"])
    table = dict(zip(terms, values.tolist(), strict=True))

    def idf(term: str) -> float:
        return table.get(term, default)

    from assistant.factory import make_embedder

    embedder = make_embedder(Settings())
    vectors: dict[str, np.ndarray] = {}

    def embed_query(query) -> np.ndarray:
        text = query.dense_text or query.text
        if text not in vectors:
            vectors[text] = np.asarray(embedder.embed_query(text), dtype=np.float32)
        return vectors[text]

    dense = args.read
    cached = args.cache / f"features-{_features_key(args)}.pkl"
    if cached.is_file():
        scored = _Unpickler(io.BytesIO(cached.read_bytes())).load()
    else:
        scored = make_examples(questions, docs, idf, embed_query, rng, dense)
        cached.write_bytes(pickle.dumps(scored, protocol=pickle.HIGHEST_PROTOCOL))
    by_split: dict[str, list[Scored]] = {}
    for s in scored:
        by_split.setdefault(s.question.split, []).append(s)
    return Prepared(docs, by_split, terms, values, default)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.train_scorer",
        description=(
            "Train the answer scorer on the public data in ../shared/data and write "
            "assistant/data/answer_scorer.npz and its MODEL_CARD.md. Never reads a test split."
        ),
    )
    add_data_arguments(parser)
    parser.add_argument("--hidden", type=int, default=64, help="hidden units of the MLP")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ARTIFACT)
    args = parser.parse_args(argv)
    if data_missing(args, "train"):
        return 2
    started = time.perf_counter()
    prepared = prepare(args)
    by_split, dense = prepared.by_split, args.read
    terms, values, default = prepared.terms, prepared.values, prepared.default
    nprng = np.random.default_rng(SEED)
    x, y = training_matrix(by_split["fit"], nprng)
    designs = {
        "pointwise": lambda: fit(x, y, args.hidden, args.epochs, SEED),
        "listwise": lambda: fit_listwise(by_split["fit"], args.hidden, args.epochs, SEED),
    }
    fitted = {}
    for name, train in designs.items():
        params = train()
        fitted[name] = (params, ranking(params, by_split["calibrate"]))
        print(f"design {name}: calibrate split {fitted[name][1]}", flush=True)
    name = max(fitted, key=lambda k: sum(fitted[k][1].values()))
    params = fitted[name][0]
    name = f"{name}, counted{'+read' if dense else ''}"
    designs = {f"{k}, counted{'+read' if dense else ''}": v for k, v in fitted.items()}

    def project(items: list[Scored]) -> list[Scored]:
        return items

    calibrate = project(by_split["calibrate"])
    z = np.concatenate([logits(params, s.rows) for s in calibrate])
    yc = np.concatenate([s.labels for s in calibrate])
    ab = platt(z, yc)
    threshold = choose_threshold(params, ab, calibrate)
    validation = project(by_split.get("validation", []))
    sample = [s for s in validation if s.question.source == "ei2"][:SAMPLE]
    report = {
        "sample": {"ei2_validation_first": len(sample), **ranking(params, sample)},
        "design": name,
        "designs": {k: v[1] for k, v in designs.items()},
        "threshold": threshold,
        "platt": ab,
        "calibrate": {
            **ranking(params, calibrate),
            **decline_figures(params, ab, calibrate, threshold),
        },  # fmt: skip
        "validation": {},
        "reliability_validation": reliability(params, ab, validation),
        "counts": {
            split: {
                src: sum(1 for s in by_split.get(split, []) if s.question.source == src)
                for src in ("ei2", "covidqa", "nli4ct", "kinds")
            }
            for split in ("fit", "calibrate", "validation")
        },
        "training_rows": int(len(y)),
        "training_positives": int(y.sum()),
        "seconds": 0.0,
    }
    for src in ("ei2", "covidqa", "nli4ct"):
        items = [s for s in validation if s.question.source == src]
        if items:
            report["validation"][src] = {
                **ranking(params, items),
                **decline_figures(params, ab, items, threshold),
                "questions": len(items),
            }
    report["seconds"] = round(time.perf_counter() - started, 1)
    write_artifact(args.out, params, ab, threshold, dense, terms, values, default)
    report["artifact_bytes"] = args.out.stat().st_size
    report["arguments"] = {k: str(v) for k, v in vars(args).items()}
    (args.out.parent / "answer_scorer_report.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out.parent / "MODEL_CARD.md").write_text(model_card(report))
    print(json.dumps({k: report[k] for k in ("design", "designs", "threshold", "validation")},
                     indent=2))  # fmt: skip
    print(f"wrote {args.out} ({report['artifact_bytes'] / 1e6:.2f} MB) in {report['seconds']} s")
    return 0


def _pct(x: float) -> str:
    return f"{x:.3f}"


def model_card(r: dict) -> str:
    """MODEL_CARD.md from a training report."""
    v = r["validation"]
    rows = "\n".join(
        f"| {src} | {f['questions']} | {_pct(f['recall@1'])} | {_pct(f['recall@3'])} | "
        f"{_pct(f['answered_own'])} | {_pct(f['answered_own_and_right'])} | "
        f"{_pct(f['declined_other'])} | "
        f"{_pct(f['declined_near_miss']) if 'declined_near_miss' in f else '–'} |"
        for src, f in v.items()
    )
    designs = "\n".join(
        f"| {name} | {_pct(f['recall@1'])} | {_pct(f['recall@3'])} |"
        for name, f in r["designs"].items()
    )
    bins = "\n".join(
        f"| {b['low']:.1f}–{b['high']:.1f} | {b['n']} | {b['predicted']:.3f} | "
        f"{b['observed']:.3f} |"
        for b in r["reliability_validation"]
    )
    counts = "\n".join(
        f"| {split} | {c['ei2']} | {c['covidqa']} | {c['nli4ct']} | {c.get('kinds', 0)} |"
        for split, c in r["counts"].items()
    )
    return f"""# Model card: the answer scorer (`answer_scorer.npz`)

Written by `make train` (`python -m eval.train_scorer`); do not edit by hand. The figures below
are the ones that run printed; `answer_scorer_report.json` beside this file has them all.

## What it does
For a question and a candidate sentence of a document (with its heading, title and
neighbours), the calibrated probability that the sentence answers the question. The engine
ranks a question's candidates by it and answers only when the best reaches the bar
**{r["threshold"]:.2f}**. Code: `assistant/scoring/scorer.py`; training: `eval/train_scorer.py`.

Design: **{r["design"]}**, a multilayer perceptron (one hidden layer) over counted features
(cosine to the question and to the neighbours, idf-weighted coverage of the question's terms,
figures, p-values, intervals, section kind, length, place, what the question asks for){
        " and the component-wise product of the question's and the sentence's vectors"
        if "+read" in r["design"]
        else ""
    }.
Platt scaling a={r["platt"][0]:.3f}, b={r["platt"][1]:.3f}.

## Data (public, from `../shared/data`; splits in `eval/splits.py`)
- `evidence_inference/ei2_train.json.gz`: prompts as questions (the EI2 template and five
  paraphrases) within their full-text article; evidence spans mark the answers. Articles
  split by a hash of the PMC id into *fit* (85%) and *calibrate* (15%).
- `covidqa/covidqa.json`: expert questions; the sentence holding the answer span answers.
  Every fifth article (sorted by `document_id`) is held out for validation; of the rest,
  every sixth calibrates.
- `nli4ct/train.json` + `records.json`: single-record statements; their evidence lines
  answer (records rendered one line a paragraph).
- Question kinds: on EI2 *training* articles only, questions of the kinds clinicians ask of any
  report (size, design, primary endpoint, registry number, safety, dose of a compared
  intervention), answered by the sentences a pattern finds (`KINDS` in the trainer; a kind is
  used only where one to three sentences match). Weak labels: they teach the kinds; the
  real-document gold set, written by hand, judges them.
- Not used: `pubmedqa/pqal_labeled.json` (no sentence-level labels; its `test` split is never
  read), `ctgov/` (kept for the real-document gold set).
- Validation, never trained on: `ei2_validation.json`, the held-out COVID-QA articles,
  `nli4ct/dev.json` (and any record a dev statement is about).

Questions per split:

| split | EI2 | COVID-QA | NLI4CT | question kinds (weak labels, EI2 training articles) |
|---|---|---|---|---|
{counts}

Training rows: {r["training_rows"]:,} ({r["training_positives"]:,} positive): every evidence
sentence, the 15 other sentences of the same document most similar to the question, 15 more at
random, the 8 most similar sentences of another document of the same kind (the question asked
of the wrong paper) and, for EI2, of the same paper asked about an outcome it does not report
(a near miss). The listwise design reads every sentence of the document instead: the
evidence's share of the softmax over them, plus a pointwise loss on them and on every sentence
of the other document and the near miss. Seed {SEED}; AdamW, {r["arguments"].get("epochs")} epochs,
{r["arguments"].get("hidden")} hidden units.

## Designs compared (ranking on the *calibrate* split)

| design | recall@1 | recall@3 |
|---|---|---|
{designs}

The better sum of the two was kept.

## Validation (never trained on, bar and calibration chosen before)
recall@k: the evidence among the k best-ranked sentences of the whole document. answered:
the best sentence reaches the bar; answered and right: and it is evidence. declined other:
the same question asked of another document of its kind is declined; declined near miss (EI2):
the question with its outcome swapped for another paper's, which this paper does not mention,
asked of the same paper, is declined.

| data | questions | recall@1 | recall@3 | answered | answered, right | declined: other | near |
|---|---|---|---|---|---|---|---|
{rows}

Fixed sample for the artifact test (`tests/assistant/test_scorer.py`): the first
{r["sample"]["ei2_validation_first"]} EI2 validation prompts, recall@1 {
        _pct(r["sample"]["recall@1"])
    },
recall@3 {_pct(r["sample"]["recall@3"])}.

## Reliability on validation (every candidate sentence)
| predicted | sentences | mean predicted | share that is evidence |
|---|---|---|---|
{bins}

A sentence can answer a question without being the annotated evidence (another sentence
stating the same result), so the observed shares are a floor.

## Cost
Training took {r["seconds"]:.0f} s on this machine (2 cores), with the sentence vectors already
cached in `.trialqa-train/`; embedding them on a fresh machine adds about 11 minutes (145k
sentences at about 220 per second in bfloat16 on an AMD EPYC with AVX-512 BF16).
Artifact: {r["artifact_bytes"] / 1e6:.2f} MB.
"""


def write_artifact(path, params, ab, threshold, dense, terms, values, default) -> None:
    from assistant.scoring.scorer import SCALAR_FEATURES

    arrays = {
        "mean": params["mean"].astype(np.float32),
        "scale": params["scale"].astype(np.float32),
        "depth": np.array(len(params["layers"])),
        "platt_a": np.array(ab[0]),
        "platt_b": np.array(ab[1]),
        "threshold": np.array(threshold),
        "dense": np.array(dense),
        "feature_names": np.array(SCALAR_FEATURES),
        "idf_terms": np.array(terms),
        "idf_values": values.astype(np.float32),
        "idf_default": np.array(default),
    }
    for i, (w, b) in enumerate(params["layers"]):
        arrays[f"w{i}"] = w.astype(np.float32)
        arrays[f"b{i}"] = b.astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)


if __name__ == "__main__":
    sys.exit(main())
