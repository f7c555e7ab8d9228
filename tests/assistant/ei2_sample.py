"""The fixed EI2 validation sample the shipped models' tests re-score: the first prompts whose
evidence lies in a statement, pools built and embedded by the product's code."""

import random
from collections.abc import Iterator

import numpy as np

from tests.conftest import SHARED


def sample(embedder, scorer, wanted: int) -> Iterator[tuple]:
    """(question, document, labels, feature rows) for the first ``wanted`` usable prompts."""
    from eval.feature_rows import labels_for, question_rows
    from eval.sentence_pools import build_pools
    from eval.training_data import SEED, load_ei2

    docs, questions = load_ei2(SHARED / "data", None, random.Random(SEED), train=False)
    found = 0
    for q in questions:
        if found == wanted:
            return
        doc = docs[q.doc]
        if not doc.pool:
            build_pools({doc.key: doc}, 1000)
            doc.vectors = np.asarray(embedder.embed_documents([c.text for c in doc.pool]))
        labels = labels_for(q, doc)
        if not doc.pool or not labels.any():
            continue
        rows = question_rows(
            q, doc, scorer.idf, lambda query: np.asarray(embedder.embed_query(query.dense_text)),
            dense=scorer.dense,
        )  # fmt: skip
        found += 1
        yield q, doc, labels, rows
