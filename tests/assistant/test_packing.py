"""Packed encoding: several texts per row, each attending only to itself, gives each text the
vector it gets alone."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.embedding.packing import encode_packed, pack
from tests.conftest import corpus_embedding_texts


@pytest.mark.parametrize(
    "lengths", [[], [5], [300], [10, 20, 30, 40, 50, 60, 70], [128] * 3 + [1] * 9, [200, 3, 3]]
)
def test_pack_places_every_item_once_in_rows_that_fit(lengths):
    rows = pack(lengths, 128)
    assert sorted(i for row in rows for i in row) == list(range(len(lengths)))
    for row in rows:
        total = sum(lengths[i] for i in row)
        assert total <= 128 or len(row) == 1, (row, total)  # too long alone: a row of its own
    assert [lengths[row[0]] for row in rows] == sorted((lengths[r[0]] for r in rows), reverse=True)


def test_pack_fills_rows_with_the_shortest_items():
    assert pack([100, 10, 20, 90, 5], 128) == [[0, 4, 1], [3, 2]]


@pytest.mark.slow
def test_packed_vectors_are_the_vectors_of_each_text_alone(float32_embedder):
    texts = corpus_embedding_texts()[:40]
    sentences = [s for t in texts for s in t.split(". ")][:300]
    texts = [*texts, *sentences, "", "CRS", texts[0]]  # long, short, empty, a repeat
    encoder, tokenizer = float32_embedder.load(), float32_embedder._tokenizer
    ids = [e.ids for e in tokenizer.encode_batch(texts)]
    alone = np.concatenate([encode_packed(encoder, [one], rows_per_batch=1) for one in ids])
    packed = encode_packed(encoder, ids, row_tokens=128, rows_per_batch=4)
    assert packed.shape == alone.shape and packed.dtype == np.float32
    assert np.allclose(np.linalg.norm(packed, axis=1), 1.0, atol=1e-5)
    cosine = (packed * alone).sum(axis=1)
    assert cosine.min() > 0.9999, (cosine.argmin(), cosine.min())
    assert np.array_equal(packed[0], packed[-1]), "the same text, the same vector"


def test_the_embedder_packs_and_returns_unit_float32_rows(embedder):
    got = embedder.encode(["The response rate was 45%.", "How many patients had CRS?"] * 3)
    assert got.shape == (6, 384) and got.dtype == np.float32
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert np.allclose(got[0], got[2], atol=1e-6) and float(got[0] @ got[1]) < 0.9
