"""The torch embedder's precision: bfloat16 where the CPU computes it, float32 elsewhere."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from assistant.embedding import embedder as embeddings
from assistant.embedding.embedder import SentenceTransformerEmbedder, hardware_bfloat16
from assistant.errors import ConfigError
from assistant.factory import make_embedder
from tests.conftest import corpus_embedding_texts, make_settings, pubmedqa_recall


def test_hardware_bfloat16_reads_the_cpu_flags(tmp_path):
    with_amx, zen4, without = tmp_path / "amx", tmp_path / "zen4", tmp_path / "plain"
    with_amx.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx512f amx_bf16 amx_tile\n")
    zen4.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx512f avx512_bf16\n")
    without.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f\n")
    assert hardware_bfloat16(with_amx)
    assert hardware_bfloat16(zen4)  # AVX-512 BF16 dot products
    assert not hardware_bfloat16(without)  # emulated bfloat16 is slower than float32
    assert not hardware_bfloat16(tmp_path / "missing")  # not Linux: float32


@pytest.mark.parametrize(
    ("precision", "device", "hardware", "expected"),
    [
        ("auto", "cpu", True, "bfloat16"),
        ("auto", "cpu", False, "float32"),
        ("auto", "cuda", True, "float32"),
        ("float32", "cpu", True, "float32"),
        ("bfloat16", "cpu", False, "bfloat16"),
    ],
)
def test_auto_takes_bfloat16_only_on_a_cpu_that_computes_it(
    precision, device, hardware, expected, monkeypatch
):
    monkeypatch.setattr(embeddings, "hardware_bfloat16", lambda: hardware)
    assert SentenceTransformerEmbedder(device=device, precision=precision).dtype == expected


def test_an_unknown_precision_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="unknown precision 'half'"):
        SentenceTransformerEmbedder(precision="half")
    with pytest.raises(ValidationError):
        make_settings(tmp_path, embedding={"precision": "half"})


def test_the_precision_setting_reaches_the_embedder(tmp_path):
    e = make_embedder(make_settings(tmp_path, embedding={"precision": "float32"}))
    assert e.precision == "float32" and not e.loaded


@pytest.fixture(scope="module")
def bfloat16():
    e = SentenceTransformerEmbedder(precision="bfloat16")
    e.load()
    return e


@pytest.mark.slow
def test_bfloat16_vectors_agree_with_float32_on_the_corpus(bfloat16, float32_embedder):
    texts = corpus_embedding_texts() + ["What was the CRS rate?", "How many patients had ICANS?"]
    ours, theirs = bfloat16.encode(texts), float32_embedder.encode(texts)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosine = (ours * theirs).sum(axis=1)
    assert cosine.min() > 0.99 and cosine.mean() > 0.995, (cosine.min(), cosine.mean())


@pytest.mark.slow
def test_bfloat16_retrieval_recall_is_no_lower_than_float32(bfloat16, float32_embedder):
    """PubMedQA: each question must find its own abstract among 150."""
    ours, theirs = pubmedqa_recall(bfloat16), pubmedqa_recall(float32_embedder)
    assert ours[0] >= theirs[0] and ours[1] >= theirs[1], (ours, theirs)
