"""The int8 ONNX embedder: made offline from the packaged weights, it agrees with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.embedding.onnx_embedder import OnnxEmbedder
from assistant.errors import ConfigError
from assistant.factory import make_embedder
from tests.conftest import corpus_embedding_texts, make_settings, pubmedqa_recall


@pytest.fixture(scope="module")
def onnx(tmp_path_factory):
    """Exported from scratch into a folder of its own (not the user's cache)."""
    e = OnnxEmbedder(cache_dir=tmp_path_factory.mktemp("onnx-cache"))
    e.load()
    return e


@pytest.mark.slow
def test_vectors_agree_with_the_pytorch_model_on_the_corpus(onnx, float32_embedder):
    texts = corpus_embedding_texts()[:120] + [
        "What was the CRS rate?",
        "How many patients had ICANS?",
    ]
    ours, theirs = onnx.encode(texts), float32_embedder.encode(texts)
    assert ours.shape == theirs.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    cosine = (ours * theirs).sum(axis=1)
    assert cosine.min() > 0.98 and cosine.mean() > 0.99, (cosine.min(), cosine.mean())


@pytest.mark.slow
def test_retrieval_recall_is_no_lower_than_with_pytorch(onnx, float32_embedder):
    """PubMedQA: each question must find its own abstract among 150."""
    ours, theirs = pubmedqa_recall(onnx), pubmedqa_recall(float32_embedder)
    assert ours[0] >= theirs[0] and ours[1] >= theirs[1], (ours, theirs)


@pytest.mark.slow
def test_the_export_is_made_once_and_reused(onnx):
    again = OnnxEmbedder(cache_dir=onnx.cache_dir)
    path = again.model_file()
    assert path == onnx.model_file() and path.stat().st_size < 40_000_000  # int8, not float32
    made = path.stat().st_mtime_ns
    assert again.embed_query("overall response rate") == pytest.approx(
        onnx.embed_query("overall response rate"), abs=1e-6
    )
    assert path.stat().st_mtime_ns == made
    assert again.encode([]).shape == (0, 384)
    assert len(again.embed_documents(["a", "b c"])) == 2


def test_the_backend_setting_selects_the_embedder(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIALQA_EMBEDDING__BACKEND", "onnx-int8")
    from assistant.settings import Settings

    assert Settings().embedding.backend == "onnx-int8"
    assert isinstance(make_embedder(Settings()), OnnxEmbedder)  # nothing loads until first use
    monkeypatch.delenv("TRIALQA_EMBEDDING__BACKEND")
    assert not isinstance(make_embedder(make_settings(tmp_path)), OnnxEmbedder)  # torch default
    monkeypatch.setenv("TRIALQA_EMBEDDING__BACKEND", "tensorflow")
    with pytest.raises(ValueError):
        Settings()


def test_a_model_that_is_not_mean_pooled_is_refused(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "tokenizer.json").write_text("{}")
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    with pytest.raises(ConfigError, match="mean-pooled"):
        OnnxEmbedder(str(tmp_path), cache_dir=tmp_path / "cache").load()
    with pytest.raises(ConfigError, match="tokenizer.json"):
        OnnxEmbedder(str(tmp_path / "nowhere"), cache_dir=tmp_path / "cache").load()


@pytest.mark.parametrize("threads", [1, 2])
def test_the_threads_setting_reaches_both_backends(threads, tmp_path):
    """TRIALQA_EMBEDDING__THREADS sets PyTorch's intra-op threads (for the whole process, so
    in a process of its own) and ONNX Runtime's for its session."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    script = (
        "import torch\n"
        "from assistant.factory import make_embedder\n"
        "from assistant.settings import Settings\n"
        "e = make_embedder(Settings())\n"
        "e.embed_query('response rate')\n"
        "print(torch.get_num_threads())\n"
    )
    env = {**os.environ, "TRIALQA_EMBEDDING__THREADS": str(threads)}
    env["TRIALQA_STORE__PATH"] = str(tmp_path / "store")
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == [str(threads)]

    settings = make_settings(tmp_path / "store")
    settings.embedding.backend = "onnx-int8"
    settings.embedding.threads = threads
    onnx = make_embedder(settings)
    assert onnx.threads == threads
    onnx.load()
    assert onnx._session.get_session_options().intra_op_num_threads == threads
