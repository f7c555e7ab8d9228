"""The shapes that travel through TrialQA: Document -> Chunk -> Passage -> Answer.

Offsets are character offsets into ``Document.text`` (the normalised full text), half-open:
``Document.text[start:end]``. ``Answer`` is the answer contract of DESIGN.md, field for field.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_validator


class Document(BaseModel):
    doc_id: str
    title: str
    source: str = Field(description="Where the file came from (path as given to ingest).")
    text: str = Field(description="Normalised full text; every offset indexes into it.")
    metadata: dict[str, Any] = Field(default_factory=dict)
    sha256: str = Field(default="", description="Hash of the source file's bytes.")


class Chunk(BaseModel):
    chunk_id: str
    doc_id: str
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    section: str = ""

    @model_validator(mode="after")
    def _span_matches_text(self) -> Chunk:
        if self.end - self.start != len(self.text):
            raise ValueError(f"chunk {self.chunk_id}: span length differs from its text")
        return self


class Passage(BaseModel):
    """A retrieved chunk with the document facts needed to cite it and how it ranked."""

    chunk: Chunk
    title: str
    source: str
    metadata: dict[str, Any] = Field(default_factory=dict)
    score: float = Field(description="Fused reciprocal-rank score (higher is better).")
    dense_rank: int | None = None
    lexical_rank: int | None = None
    similarity: float | None = Field(default=None, description="Cosine similarity to the query.")


class Citation(BaseModel):
    n: int = Field(ge=1)
    doc_id: str
    title: str
    source: str
    chunk_id: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    quote: str


class Calculation(BaseModel):
    name: str
    inputs: dict[str, Any]
    result: dict[str, Any]
    text: str
    cited: list[int] = Field(default_factory=list)


class Answer(BaseModel):
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = Field(default_factory=list)
    calculations: list[Calculation] = Field(default_factory=list)
    conversation_id: str | None = None


class DocumentInfo(BaseModel):
    """A document as listed: everything but its text."""

    doc_id: str
    title: str
    source: str
    sha256: str
    chunks: int
    chars: int
    metadata: dict[str, Any] = Field(default_factory=dict)


class Filters(BaseModel):
    """Metadata a passage must match; each field takes one value or a list of accepted values."""

    doc_id: list[str] | None = None
    trial: list[str] | None = None
    nct_id: list[str] | None = None
    source_type: list[str] | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_or_many(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: [v] if isinstance(v, str) else v for k, v in data.items()}
        return data

    def active(self) -> dict[str, list[str]]:
        return {k: v for k, v in self.model_dump().items() if v}

    def chroma_where(self) -> dict[str, Any] | None:
        clauses = [{key: {"$in": values}} for key, values in self.active().items()]
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def matches(self, metadata: dict[str, Any]) -> bool:
        return all(metadata.get(key) in values for key, values in self.active().items())
