"""The scorer's examples: for each question, the feature rows of its document's pool with the
evidence labelled, and of the pools that must be declined (another document of its kind, and
for EI2 a near miss: the question with an outcome its paper never mentions)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from eval.training_data import Doc, Question


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
    from assistant.language import analyse
    from assistant.scoring import sentence_features

    query = analyse(q.text)
    return sentence_features(query, embed_query(query), doc.pool, doc.vectors, idf, dense=dense)


def labels_for(q: Question, doc: Doc) -> np.ndarray:
    return np.array(
        [any(a < e and s < b for s, e in q.spans) for a, b in doc.starts], dtype=np.float32
    )


def near_miss(q: Question, doc: Doc, outcomes: list[tuple[str, str]], rng) -> Question | None:
    """The question with its outcome swapped for another paper's that this paper does not
    mention (fewer than half of its content words occur in the text): must be declined."""
    from assistant.language import is_content, tokenize

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
