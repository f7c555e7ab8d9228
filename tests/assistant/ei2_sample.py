"""The fixed EI2 validation sample the shipped models' tests re-score: the first prompts whose
evidence lies in a statement, pools built and embedded by the product's code."""

import random
from collections.abc import Iterator

import numpy as np

from tests.conftest import SHARED


def sample(embedder, scorer, wanted: int) -> Iterator[tuple]:
    """(question, document, labels, feature rows) for the first ``wanted`` usable prompts."""
    from eval import train_scorer as t

    docs, questions = t.load_ei2(SHARED / "data", None, random.Random(t.SEED), train=False)
    found = 0
    for q in questions:
        if found == wanted:
            return
        doc = docs[q.doc]
        if not doc.pool:
            t.build_pools({doc.key: doc}, 1000)
            doc.vectors = np.asarray(embedder.embed_documents([c.text for c in doc.pool]))
        labels = t.labels_for(q, doc)
        if not doc.pool or not labels.any():
            continue
        rows = t.question_rows(
            q, doc, scorer.idf, lambda query: np.asarray(embedder.embed_query(query.dense_text)),
            dense=scorer.dense,
        )  # fmt: skip
        found += 1
        yield q, doc, labels, rows
