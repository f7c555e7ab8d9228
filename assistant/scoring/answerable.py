"""Whether the documents in scope answer a question at all: a learned gate over the ranking.

The scorer and the reranker say how well each sentence answers; they do not say whether any
sentence does. A paper asked about an outcome it never measured still has a best sentence.
The word checks that decided this before (``AnswerSettings.min_coverage``) were set on the
shipped corpus: they let a near miss through when its best sentence shares enough words, and
decline a plainly worded question whose paper says it differently.

``features`` reads what the ranking of one question shows: the best sentence's probability
and its lead over the next, how much of the question the best sentences and the whole pool
name (idf-weighted), their similarity to the question, and how many of the question's terms
no passage in scope mentions. ``AnswerGate`` is a logistic model over them, fitted by
``make train-gate`` (``eval/train_gate.py``) on questions asked within their own document
and, as the negatives users meet, within another document or about an outcome their paper
never names; its bar is chosen on questions held apart from the fit. The model is a small
JSON file in ``assistant/data/``; a missing or unreadable file stops the engine with one
line naming it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

import numpy as np

from assistant.errors import ConfigError
from assistant.language.query import Query
from assistant.scoring.model_files import load_once

FILE = "data/answer_gate.json"
NAMES = (
    "best_logit",
    "lead_over_second",
    "best_context_coverage",
    "best_coverage",
    "best_similarity",
    "top3_context_coverage",
    "top5_similarity",
    "pool_coverage",
    "terms_in_no_passage",
    "question_terms",
)


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def gate_features(query: Query, candidates: Sequence, idf: Callable[[str], float]) -> np.ndarray:
    """What the ranking of one question shows (``NAMES``); ``candidates`` best first, each
    with ``score``, ``similarity``, ``coverage``, ``context_coverage`` and ``context``."""
    if not candidates:
        return np.zeros(len(NAMES), dtype=np.float32)
    weights = [idf(g.term) for g in query.groups]
    total = sum(weights) or 1.0
    seen = set().union(*(c.context for c in candidates))
    found = [g.satisfied_by(seen) for g in query.groups]
    best = candidates[0]
    second = _logit(candidates[1].score) if len(candidates) > 1 else _logit(0.0)
    values = (
        _logit(best.score),
        _logit(best.score) - second,
        best.context_coverage,
        best.coverage,
        best.similarity,
        max(c.context_coverage for c in candidates[:3]),
        max(c.similarity for c in candidates[:5]),
        sum(w for w, f in zip(weights, found, strict=True) if f) / total,
        min(3, found.count(False)),
        min(8, len(query.groups)) / 8,
    )
    return np.asarray(values, dtype=np.float32)


def default_path() -> Path:
    return Path(str(resources.files("assistant").joinpath(FILE)))


class AnswerGate:
    """The fitted gate: standardised features through a logistic model; ``bar``, below which
    the engine declines, and ``answers_at``, from which the best sentence answers without the
    word checks (between the two, they decide)."""

    HINT = "run `make train-gate` to build it, or restore it with `git checkout`"

    def __init__(self, path: Path | None = None) -> None:
        path = Path(path) if path else default_path()
        if not path.is_file():
            raise ConfigError(f"the answer gate's file {path} is missing; {self.HINT}")
        try:
            model = json.loads(path.read_text())
            if tuple(model["features"]) != NAMES:
                raise ValueError(f"it reads {model['features']}, this code writes {NAMES}")
            self.mean = np.asarray(model["mean"], dtype=np.float64)
            self.scale = np.asarray(model["scale"], dtype=np.float64)
            self.weights = np.asarray(model["weights"], dtype=np.float64)
            self.bias = float(model["bias"])
            self.bar = float(model["bar"])
            self.answers_at = float(model["answers_at"])
            if not (self.mean.shape == self.scale.shape == self.weights.shape == (len(NAMES),)):
                raise ValueError("its arrays do not match its features")
        except Exception as exc:  # any unreadable part: one line, never a fallback
            raise ConfigError(
                f"the answer gate in {path} cannot be read ({exc}); {self.HINT}"
            ) from None
        self.path = path

    def probability(self, x: np.ndarray) -> float:
        """The probability that the documents in scope answer the question."""
        z = float(((np.asarray(x, dtype=np.float64) - self.mean) / self.scale) @ self.weights)
        return 1.0 / (1.0 + math.exp(-(z + self.bias)))


def load_gate(path: Path | None = None) -> AnswerGate:
    """The gate in ``path`` (default: the shipped one), loaded once per process."""
    where = Path(path) if path else default_path()
    return load_once(AnswerGate, where, stamp=where)
