"""Learned judgements of sentences: the answer scorer and its cues, the cross-encoder reranker,
the answer gate over a whole ranking, and the loading of their trained files."""

from assistant.scoring.answerable import NAMES, gate_features
from assistant.scoring.reranker import INPUTS, Reranker, pair_text
from assistant.scoring.scorer import (
    SCALAR_FEATURES,
    PoolChunk,
    build_pool,
    load_scorer,
    sentence_features,
)

__all__ = [
    "INPUTS",
    "NAMES",
    "PoolChunk",
    "Reranker",
    "SCALAR_FEATURES",
    "build_pool",
    "gate_features",
    "load_scorer",
    "pair_text",
    "sentence_features",
]
