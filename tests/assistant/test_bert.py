"""The BERT encoder in plain PyTorch gives sentence-transformers' vectors, without importing
transformers or sentence-transformers; any other model folder is run by sentence-transformers."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from assistant.embedding.bert import bert_folder
from assistant.embedding.embedder import SentenceTransformerEmbedder, packaged_model_path
from tests.conftest import ROOT, corpus_embedding_texts


def _copy(tmp_path, name="model"):
    folder = tmp_path / name
    shutil.copytree(packaged_model_path(), folder)
    return folder


def _edit(path, **changes):
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def test_the_packaged_model_is_a_bert_this_module_runs():
    assert bert_folder(packaged_model_path())


def test_a_folder_it_cannot_run_is_not_taken_for_one(tmp_path):
    cls = _copy(tmp_path, "cls")
    _edit(cls / "1_Pooling" / "config.json", pooling_mode_mean_tokens=False,
          pooling_mode_cls_token=True)  # fmt: skip
    relative = _copy(tmp_path, "relative")
    _edit(relative / "config.json", position_embedding_type="relative_key")
    no_weights = _copy(tmp_path, "no-weights")
    (no_weights / "model.safetensors").unlink()
    for folder in (cls, relative, no_weights, tmp_path / "missing"):
        assert not bert_folder(folder), folder.name


def test_its_vectors_are_sentence_transformers_vectors(float32_embedder):
    from sentence_transformers import SentenceTransformer

    texts = corpus_embedding_texts()[:30]
    texts += [s for t in texts for s in t.split(". ")][:120]
    texts += ["", "  CRS  ", "word " * 400]  # empty, spaced, cut at the model's 256 tokens
    reference = SentenceTransformer(str(packaged_model_path()), device="cpu").encode(
        texts, normalize_embeddings=True, convert_to_numpy=True
    )
    ours = float32_embedder.encode(texts)
    assert float32_embedder._tokenizer is not None, "the packaged model runs without transformers"
    cosine = (ours * reference).sum(axis=1)
    assert cosine.min() > 0.9999, (texts[int(cosine.argmin())][:60], cosine.min())


@pytest.mark.slow
def test_another_model_folder_is_run_by_sentence_transformers(tmp_path):
    from sentence_transformers import SentenceTransformer

    folder = _copy(tmp_path)
    _edit(folder / "1_Pooling" / "config.json", pooling_mode_mean_tokens=False,
          pooling_mode_cls_token=True)  # fmt: skip
    embedder = SentenceTransformerEmbedder(str(folder), precision="float32")
    texts = ["The response rate was 45%.", "How many patients had CRS?"]
    got = embedder.encode(texts)
    assert embedder._tokenizer is None
    want = SentenceTransformer(str(folder), device="cpu").encode(
        texts, normalize_embeddings=True, convert_to_numpy=True
    )
    assert np.allclose(got, want, atol=1e-5)


def test_embedding_imports_neither_transformers_nor_sentence_transformers():
    script = (
        "import sys\n"
        "from assistant.embedding.embedder import SentenceTransformerEmbedder\n"
        "v = SentenceTransformerEmbedder().encode(['Sixty patients were randomly assigned.'])\n"
        "assert v.shape == (1, 384)\n"
        "print(sorted(m for m in ('transformers', 'sentence_transformers') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"
