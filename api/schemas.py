"""Wire models of the HTTP API, kept apart from the core's models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from assistant.models import Answer, DocumentInfo, Filters


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        description="The question, in plain language.",
        examples=["What was the overall response rate?"],
    )
    conversation_id: str | None = Field(
        default=None, max_length=128, description="Echoed back; a new id is made when absent."
    )
    top_k: int | None = Field(default=None, ge=1, le=50, description="Passages to retrieve.")
    filters: Filters | None = Field(default=None, description="Only passages matching these.")


class AskResponse(Answer):
    """The answer contract of DESIGN.md."""


class SearchHit(BaseModel):
    chunk_id: str
    doc_id: str
    title: str
    source: str
    section: str
    start: int
    end: int
    text: str = Field(description="Exactly the document's text[start:end].")
    score: float = Field(description="Fused reciprocal-rank score.")
    dense_rank: int | None
    lexical_rank: int | None
    similarity: float | None


class SearchResponse(BaseModel):
    query: str
    results: list[SearchHit]


class DocumentSummary(DocumentInfo):
    pass


class DocumentList(BaseModel):
    documents: list[DocumentSummary]


class DocumentDetail(DocumentInfo):
    text: str = Field(description="The normalised full text every offset indexes into.")


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    ready: bool
    model_loaded: bool
    documents: int
    chunks: int


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorDetail
