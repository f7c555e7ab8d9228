"""The same sentence model run by ONNX Runtime with int8 weights: over twice as fast on a CPU.

The ONNX graph is made once, offline, from the sentence-transformers model folder (by default
the packaged all-MiniLM-L6-v2 weights): ``torch.onnx`` exports the transformer with the
model's own mean pooling and L2 normalisation inside the graph; ONNX Runtime's optimizer fuses
its attention, layer norms and GELUs into single kernels; its dynamic quantization turns the
weights into int8, one scale per output channel (one scale per tensor loses too much: cosine
to the PyTorch vectors falls to about 0.94), all but each layer's feed-forward output.
Activations are quantized per batch, so a text's vector can move in the third decimal with
the texts batched beside it. The file is cached under ``$XDG_CACHE_HOME/trialqa/onnx/<key>/``
(``~/.cache`` by default), ``<key>`` a hash of the weights, the configs and this recipe, so
later processes only load it (well under a second). Texts are tokenised with the model's
``tokenizer.json``, cut at its ``max_seq_length`` and embedded in batches of similar length,
as sentence-transformers does.

Agreement with the PyTorch model is checked by ``tests/assistant/test_onnx_embedder.py``
(cosine above 0.98 for every text of a sample, 0.99 on average; retrieval recall no lower) and
by ``bench/ingest_speed.py`` (retrieval recall of both on the same files).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.embedding.embedder import packaged_model_path
from assistant.errors import ConfigError

if TYPE_CHECKING:
    from tokenizers import Tokenizer

RECIPE = "meanpool-l2-opset17-ort-bert-fused-qint8-per-channel-ffn-out-float-v1"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "trialqa" / "onnx"


def model_key(folder: Path) -> str:
    """A hash of what the export depends on: the weights, the configs and the recipe."""
    digest = hashlib.sha256(RECIPE.encode())
    names = ["config.json", "tokenizer.json", "sentence_bert_config.json", "modules.json"]
    weights = ["model.safetensors", "pytorch_model.bin"]
    for name in [*names, *weights, "1_Pooling/config.json"]:
        path = folder / name
        if path.is_file():
            digest.update(name.encode())
            with path.open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:16]


def _check_mean_pooling(folder: Path) -> None:
    pooling = folder / "1_Pooling" / "config.json"
    if pooling.is_file():
        config = json.loads(pooling.read_text())
        if not config.get("pooling_mode_mean_tokens"):
            raise ConfigError(f"the onnx-int8 backend needs a mean-pooled model; {folder} is not")


def feed_forward_outputs(model: Path) -> list[str]:
    """The matrix products after each layer's GELU: their inputs have outliers that 8 bits
    cannot hold, so they stay in float (cosine to PyTorch: 0.997 on average instead of 0.994,
    retrieval recall the same as PyTorch's, for a small part of the speed)."""
    import onnx

    graph = onnx.load(str(model), load_external_data=False).graph
    return [
        n.name
        for n in graph.node
        if n.op_type == "MatMul"
        and n.name.endswith("/output/dense/MatMul")
        and "attention" not in n.name
    ]


def export_int8(folder: Path, target: Path) -> Path:
    """Export the model in ``folder`` to ONNX and quantize it to int8 at ``target``."""
    import logging

    import torch
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    _check_mean_pooling(folder)
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    # Eager attention exports the classic BERT pattern ONNX Runtime's optimizer fuses.
    model = AutoModel.from_pretrained(str(folder), attn_implementation="eager").eval()
    config = model.config

    class Pooled(torch.nn.Module):
        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    # A padded sample, so the traced graph is the one that masks padding.
    sample = torch.ones((2, 8), dtype=torch.long)
    mask = sample.clone()
    mask[1, 5:] = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        fp32 = Path(work) / "model.onnx"
        int8 = Path(work) / target.name
        axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS}
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes on branches fixed for an encoder
            torch.onnx.export(
                Pooled(model),
                (sample, mask, torch.zeros_like(sample)),
                str(fp32),
                input_names=list(INPUTS),
                output_names=["embedding"],
                dynamic_axes={**axes, "embedding": {0: "batch"}},
                opset_version=17,
                dynamo=False,
                external_data=False,
            )
        # The optimizer and the quantizer log advice at the root and install a root handler
        # (basicConfig): keep the process's logging as it was.
        root = logging.getLogger()
        level, handlers = root.level, list(root.handlers)
        root.setLevel(logging.ERROR)
        try:
            from onnxruntime.transformers.optimizer import optimize_model

            # Fused attention, skip-layer-norm and bias-GELU kernels: a quarter less time.
            fused = Path(work) / "fused.onnx"
            optimize_model(
                str(fp32),
                model_type="bert",
                num_heads=config.num_attention_heads,
                hidden_size=config.hidden_size,
            ).save_model_to_file(str(fused))
            quantize_dynamic(
                str(fused),
                str(int8),
                weight_type=QuantType.QInt8,
                per_channel=True,
                nodes_to_exclude=feed_forward_outputs(fused),
                # the fused operators are outside ONNX's shape inference: their outputs are float
                extra_options={"DefaultTensorType": TensorProto.FLOAT},
            )
        finally:
            root.setLevel(level)
            root.handlers[:] = handlers
        os.replace(int8, target)  # atomic: a concurrent process sees no file or a whole one
    return target


class OnnxEmbedder(Embeddings):
    """Normalised sentence embeddings from an int8 ONNX export, loaded on first use.

    ``device`` is not a choice here: ONNX Runtime runs on the CPU.
    """

    def __init__(
        self,
        model: str = "packaged",
        batch_size: int = 32,
        cache_dir: Path | None = None,
        threads: int | None = None,
    ):
        self.model_name = model
        self.batch_size = batch_size
        self.cache_dir = cache_dir
        self.threads = threads
        self._session = None
        self._tokenizer: Tokenizer | None = None
        self._dimension = 0
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._session is not None

    def model_folder(self) -> Path:
        return packaged_model_path() if self.model_name == "packaged" else Path(self.model_name)

    def model_file(self) -> Path:
        """The int8 ONNX file for this model, exported first if it is not cached yet."""
        folder = self.model_folder()
        if not (folder / "config.json").is_file() or not (folder / "tokenizer.json").is_file():
            raise ConfigError(f"no transformer model with a tokenizer.json in {folder}")
        target = (self.cache_dir or cache_root()) / model_key(folder) / "model.int8.onnx"
        if not target.is_file():
            try:
                export_int8(folder, target)
            except ConfigError:
                raise
            except Exception as exc:
                raise ConfigError(f"cannot export {folder} to ONNX: {exc}") from exc
        return target

    def load(self):
        with self._lock:
            if self._session is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                path = self.model_file()
                model = self.model_folder()
                tokenizer = Tokenizer.from_file(str(model / "tokenizer.json"))
                max_tokens = 512
                st_config = model / "sentence_bert_config.json"
                if st_config.is_file():
                    max_tokens = int(json.loads(st_config.read_text()).get("max_seq_length", 512))
                tokenizer.enable_truncation(max_tokens)
                pad = tokenizer.token_to_id("[PAD]") or 0
                tokenizer.enable_padding(pad_id=pad, pad_token="[PAD]")
                options = ort.SessionOptions()
                if self.threads:
                    options.intra_op_num_threads = self.threads
                options.log_severity_level = 3
                session = ort.InferenceSession(
                    str(path), options, providers=["CPUExecutionProvider"]
                )
                self._tokenizer = tokenizer
                self._dimension = int(self._run(session, ["dimension"]).shape[1])
                self._session = session
        return self._session

    def _run(self, session, texts: list[str]) -> np.ndarray:
        assert self._tokenizer is not None, "set with the session"
        encoded = self._tokenizer.encode_batch(texts)
        feed = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }
        return session.run(None, feed)[0]

    def encode(self, texts: list[str]) -> np.ndarray:
        """Normalised embeddings as a float32 array of shape (len(texts), dim)."""
        session = self.load()
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for lo in range(0, len(order), self.batch_size):
            batch = order[lo : lo + self.batch_size]
            out[batch] = self._run(session, [texts[i] for i in batch])
        return out

    @property
    def dimension(self) -> int:
        self.load()
        return self._dimension

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()
