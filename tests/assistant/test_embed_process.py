"""The embedding model in a child process: the same vectors, errors in one line, and a child
that is not kept waiting when nothing needs embedding."""

from __future__ import annotations

import signal

import numpy as np
import pytest

from assistant.embedding.process import EmbeddingProcesses, shares
from assistant.errors import ConfigError


def test_its_vectors_are_the_in_process_embedders(embedder):
    texts = ["Sixty patients were randomly assigned.", "", "How many had CRS?"] * 2
    with EmbeddingProcesses() as child:
        got = child.encode(texts)
        assert child.encode([]).shape == (0, 384)
        alone = np.array(child.embed_query(texts[0]))  # packed with others or alone: bfloat16
        assert float(alone @ got[0]) > 0.999
    assert got.shape == (6, 384) and got.dtype == np.float32
    assert ((got * embedder.encode(texts)).sum(axis=1) > 0.9999).all()


def test_a_model_that_cannot_load_is_one_line(tmp_path):
    with EmbeddingProcesses(model=str(tmp_path)) as child, pytest.raises(ConfigError) as caught:
        child.encode(["a sentence"])
    assert "no sentence-transformers model in" in caught.value.message
    assert "\n" not in caught.value.message


def test_closing_unused_children_stops_them_without_waiting_for_the_model():
    children = EmbeddingProcesses()
    children.close()
    for child, _ in children._children:
        assert not child.is_alive() and child.exitcode == -signal.SIGKILL


def test_texts_are_shared_out_in_order_by_length():
    assert shares([1] * 10, 2) == [slice(0, 5), slice(5, 10)]
    assert shares([100, 1, 1], 2) == [slice(0, 1), slice(1, 3)]  # a long one alone
    assert shares([5], 2) == [slice(0, 1)] and shares([], 2) == []
    assert shares([1] * 7, 1) == [slice(0, 7)]
