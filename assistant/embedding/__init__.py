"""Text to vectors: the Embedder protocol and its PyTorch, ONNX and child-process models,
what a chunk is embedded as, and a chunk's statements with their stored vectors."""

from assistant.embedding.embedder import Embedder, hardware_bfloat16, packaged_model_path
from assistant.embedding.onnx_embedder import feed_forward_outputs
from assistant.embedding.sentences import (
    SentenceVectors,
    embed_chunks,
    embed_statements,
    statements,
)
from assistant.embedding.texts import embedding_header, embedding_text

__all__ = [
    "Embedder",
    "SentenceVectors",
    "embed_chunks",
    "embed_statements",
    "embedding_header",
    "embedding_text",
    "feed_forward_outputs",
    "hardware_bfloat16",
    "packaged_model_path",
    "statements",
]
