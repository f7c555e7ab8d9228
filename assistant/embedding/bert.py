"""A BERT sentence encoder in plain PyTorch, read from a sentence-transformers model folder.

The packaged all-MiniLM-L6-v2 is a six-layer BERT whose sentence vector is the mean of its
token vectors. Running it needs only its weights (``model.safetensors``), its ``config.json``
and its ``tokenizer.json``: this module holds the forward pass, so a process that embeds
imports PyTorch, safetensors and tokenizers, not transformers and sentence-transformers, whose
imports took 3.8 s of every ``trialqa`` process's start on a 2-core Zen 4 (``import torch``
alone: 1.2 s). The layers are transformers' ``BertModel`` ones, computed the same way (exact
GELU, layer norms after each residual, scaled dot-product attention with an additive mask);
``tests/assistant/test_bert.py`` holds its vectors to sentence-transformers' own.

``bert_folder`` says whether a folder holds such a model; anything else is run by
sentence-transformers (``assistant/embedding/embedder.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F


class _Layer(nn.Module):
    def __init__(self, hidden: int, heads: int, intermediate: int, eps: float) -> None:
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.attention_out = nn.Linear(hidden, hidden)
        self.attention_norm = nn.LayerNorm(hidden, eps=eps)
        self.intermediate = nn.Linear(hidden, intermediate)
        self.out = nn.Linear(intermediate, hidden)
        self.out_norm = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, t, h = x.shape

        def split(y: torch.Tensor) -> torch.Tensor:  # (b, t, h) -> (b, heads, t, h / heads)
            return y.view(b, t, self.heads, h // self.heads).transpose(1, 2)

        attended = F.scaled_dot_product_attention(
            split(self.query(x)), split(self.key(x)), split(self.value(x)), attn_mask=mask
        )
        x = self.attention_norm(x + self.attention_out(attended.transpose(1, 2).reshape(b, t, h)))
        return self.out_norm(x + self.out(F.gelu(self.intermediate(x))))


class BertEncoder(nn.Module):
    """Token vectors of a BERT encoder (no pooler): ``forward(ids, mask, positions, types)``
    with ``mask`` additive, broadcast to (batch, heads, tokens, tokens)."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        hidden, eps = int(config["hidden_size"]), float(config.get("layer_norm_eps", 1e-12))
        self.hidden_size = hidden
        self.words = nn.Embedding(int(config["vocab_size"]), hidden)
        self.positions = nn.Embedding(int(config["max_position_embeddings"]), hidden)
        self.types = nn.Embedding(int(config.get("type_vocab_size", 2)), hidden)
        self.embedding_norm = nn.LayerNorm(hidden, eps=eps)
        self.layers = nn.ModuleList(
            _Layer(
                hidden, int(config["num_attention_heads"]), int(config["intermediate_size"]), eps
            )
            for _ in range(int(config["num_hidden_layers"]))
        )

    @property
    def dtype(self) -> torch.dtype:
        return self.words.weight.dtype

    def forward(
        self,
        ids: torch.Tensor,
        mask: torch.Tensor,
        positions: torch.Tensor,
        types: torch.Tensor,
    ) -> torch.Tensor:
        x = self.embedding_norm(self.words(ids) + self.positions(positions) + self.types(types))
        for layer in self.layers:
            x = layer(x, mask)
        return x


# transformers' parameter names -> ours ("encoder.layer.N." prefixes the per-layer ones)
_NAMES = {
    "embeddings.word_embeddings.": "words.",
    "embeddings.position_embeddings.": "positions.",
    "embeddings.token_type_embeddings.": "types.",
    "embeddings.LayerNorm.": "embedding_norm.",
}
_LAYER_NAMES = {
    "attention.self.query.": "query.",
    "attention.self.key.": "key.",
    "attention.self.value.": "value.",
    "attention.output.dense.": "attention_out.",
    "attention.output.LayerNorm.": "attention_norm.",
    "intermediate.dense.": "intermediate.",
    "output.dense.": "out.",
    "output.LayerNorm.": "out_norm.",
}


def _renamed(name: str) -> str | None:
    name = name.removeprefix("bert.")
    for theirs, ours in _NAMES.items():
        if name.startswith(theirs):
            return ours + name[len(theirs) :]
    if name.startswith("encoder.layer."):
        number, rest = name[len("encoder.layer.") :].split(".", 1)
        for theirs, ours in _LAYER_NAMES.items():
            if rest.startswith(theirs):
                return f"layers.{number}.{ours}{rest[len(theirs) :]}"
    return None  # the pooler, position id buffers: unused


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def bert_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a sentence-transformers BERT this module runs: a transformer
    with absolute positions, mean pooling, maybe normalised, safetensors weights and a fast
    tokenizer's ``tokenizer.json``."""
    config = _json(folder / "config.json")
    modules = _json(folder / "modules.json")
    pooling = _json(folder / "1_Pooling" / "config.json")
    if not (config and modules and pooling):
        return False
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    return (
        kinds in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"])
        and config.get("model_type") == "bert"
        and not config.get("is_decoder", False)
        and config.get("position_embedding_type", "absolute") == "absolute"
        and config.get("hidden_act", "gelu") == "gelu"
        and bool(pooling.get("pooling_mode_mean_tokens"))
        and not any(
            v
            for k, v in pooling.items()
            if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens"
        )
        and (folder / "model.safetensors").is_file()
        and (folder / "tokenizer.json").is_file()
    )


def load_bert(folder: Path, dtype: torch.dtype = torch.float32) -> BertEncoder:
    """The encoder in ``folder`` (``bert_folder`` true), in ``dtype``, ready for inference."""
    from safetensors.torch import load_file

    encoder = BertEncoder(json.loads((folder / "config.json").read_text(encoding="utf-8")))
    weights = {}
    for name, tensor in load_file(str(folder / "model.safetensors")).items():
        ours = _renamed(name)
        if ours is not None:
            weights[ours] = tensor
    encoder.load_state_dict(weights, strict=True)
    return encoder.to(dtype).eval()


def max_tokens(folder: Path) -> int:
    """The longest input sentence-transformers feeds the model (its ``max_seq_length``)."""
    config = _json(folder / "sentence_bert_config.json") or {}
    limit = _json(folder / "config.json").get("max_position_embeddings", 512)
    return int(min(config.get("max_seq_length") or limit, limit))
