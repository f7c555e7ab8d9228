"""Wire models of the HTTP API, kept apart from the core's models (the OpenAI-compatible
chat's are in ``api/openai_schemas.py``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from assistant.checking import MAX_TEXT_CHARS, CheckResult
from assistant.composer import Piece
from assistant.conversation import (
    KIND_NAMES,
    LIST_MAX,
    TITLE_MAX_CHARS,
    Conversation,
    ConversationSummary,
)
from assistant.conversation import LIMIT_MAX as SUGGESTION_LIMIT_MAX
from assistant.models import Answer, DocumentInfo, Filters

# Bounds on what a request may hold, so every oversized part is a 422 naming the field. The
# question's own limit (TRIALQA_ANSWER__MAX_QUESTION_CHARS, 2,000 by default) is checked after
# its whitespace is collapsed; QUESTION_MAX_CHARS is the most that setting may be.
QUESTION_MAX_CHARS = 100_000
CONVERSATION_ID_MAX_CHARS = 128
FILTER_MAX_VALUES = 20
FILTER_VALUE_MAX_CHARS = 200
MESSAGE_MAX_CHARS = 100_000

# A length bound also makes pydantic refuse a string that is not valid Unicode (a lone surrogate
# such as "\ud800", which JSON can spell but UTF-8 cannot encode).
FilterValue = Annotated[str, StringConstraints(max_length=FILTER_VALUE_MAX_CHARS)]
FilterValues = Annotated[list[FilterValue], Field(max_length=FILTER_MAX_VALUES)]


class RequestFilters(Filters):
    """Metadata a passage must match: each field one value or a list of accepted values (at
    most 20 of at most 200 characters); no other fields."""

    model_config = ConfigDict(extra="forbid")

    # Wider than Filters' fields on the wire (one value or a list); Filters' before-validator
    # makes each value a list, so the core sees Filters' types.
    doc_id: FilterValues | FilterValue | None = None  # type: ignore[assignment]
    trial: FilterValues | FilterValue | None = None  # type: ignore[assignment]
    nct_id: FilterValues | FilterValue | None = None  # type: ignore[assignment]
    source_type: FilterValues | FilterValue | None = None  # type: ignore[assignment]


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        max_length=QUESTION_MAX_CHARS,
        description="The question, in plain language.",
        examples=["What was the overall response rate?"],
    )
    conversation_id: str | None = Field(
        default=None,
        max_length=CONVERSATION_ID_MAX_CHARS,
        description=(
            "Continue this conversation: a follow-up is rewritten from its earlier turns before "
            "retrieval. A new id is made when absent; an unknown id starts a conversation."
        ),
    )
    top_k: int | None = Field(default=None, ge=1, le=50, description="Passages to retrieve.")
    filters: RequestFilters | None = Field(
        default=None, description="Only passages matching these."
    )


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        max_length=MESSAGE_MAX_CHARS,
        description=f"The text whose claims to check (at most {MAX_TEXT_CHARS:,} characters).",
        examples=["In LINKER-SMM1, the overall response rate was 100% among 19 patients."],
    )
    filters: RequestFilters | None = Field(
        default=None, description="Only passages matching these (as in /v1/ask)."
    )


class CheckResponse(CheckResult):
    """Each checkable sentence of the text with its verdict, citations and numbers."""


class AskResponse(Answer):
    """The answer contract of DESIGN.md."""


class ConversationResponse(Conversation):
    """A conversation's turns in order, each with the question as asked, the standalone
    question that was answered, and the answer exactly as it was returned."""


class ConversationListItem(BaseModel):
    """One conversation as listed."""

    conversation_id: str
    title: str = Field(description="The name it was given, else its first question (trimmed).")
    renamed: bool = Field(description="Whether the title was given by renaming.")
    updated_at: datetime = Field(description="When its latest turn was answered (ISO 8601, UTC).")
    turn_count: int = Field(ge=0, description="How many questions it holds.")

    @classmethod
    def of(cls, summary: ConversationSummary) -> ConversationListItem:
        return cls(
            conversation_id=summary.conversation_id,
            title=summary.title,
            renamed=summary.renamed,
            updated_at=datetime.fromtimestamp(summary.updated_at, UTC),
            turn_count=summary.turn_count,
        )


class ConversationList(BaseModel):
    conversations: list[ConversationListItem] = Field(description="Newest updated first.")


class RenameRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(
        min_length=1,
        max_length=TITLE_MAX_CHARS,
        description="The conversation's new name; it replaces the first-question title.",
        examples=["LINKER-SMM1 response and safety"],
    )


CONVERSATION_LIST_MAX = LIST_MAX


class StreamMeta(BaseModel):
    """The first event of ``/v1/ask/stream``, sent before the answer is composed."""

    conversation_id: str
    question: str = Field(description="The question as asked (whitespace collapsed).")
    standalone_question: str = Field(description="What is answered: the follow-up rewritten.")


class StreamSentence(Piece):
    """One ``sentence`` event of ``/v1/ask/stream``."""


class StreamDone(BaseModel):
    """The last event of ``/v1/ask/stream``: ``{}``."""

    model_config = ConfigDict(extra="forbid")


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


SuggestionKind = Literal[KIND_NAMES]  # type: ignore[valid-type]


class SuggestionQuery(BaseModel):
    """``GET /v1/suggestions``: how many, and the filters of ``POST /v1/ask``, each repeatable;
    no other parameters."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=4, ge=1, le=SUGGESTION_LIMIT_MAX, description="At most this many.")
    doc_id: FilterValues = Field(default_factory=list, description="Only these documents.")
    trial: FilterValues = Field(default_factory=list, description="Only this trial.")
    nct_id: FilterValues = Field(default_factory=list, description="Only this NCT id.")
    source_type: FilterValues = Field(default_factory=list, description="Only this source type.")

    def filters(self) -> Filters:
        return Filters(
            doc_id=self.doc_id, trial=self.trial, nct_id=self.nct_id, source_type=self.source_type
        )


class SuggestedQuestion(BaseModel):
    question: str = Field(description="The question, ready to ask (with the same filters).")
    kind: SuggestionKind = Field(description="What it asks for.")
    trial: str | None = Field(
        description="The trial it names, from the documents' metadata; null when it asks "
        "about 'this study', the one document in scope, which names no trial."
    )
    doc_ids: list[str] = Field(description="The documents in scope that state what it asks for.")


class SuggestionList(BaseModel):
    suggestions: list[SuggestedQuestion] = Field(
        description="Trials with the most documents first, one question per trial in turn; "
        "empty when nothing in scope states what the questions ask for."
    )


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


_ERROR_DESCRIPTIONS = {
    401: "An API key is configured and was not given.",
    403: "No API key is configured: writes are accepted from this machine only.",
    404: "Not found.",
    413: "The request body is larger than TRIALQA_API__MAX_BODY_KB.",
    422: "The request is invalid: a field missing, of the wrong type or out of bounds, or a "
    "question that is empty or too long.",
    503: "The store cannot be reached.",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status documented with the one error shape."""
    return {
        status: {"model": ErrorResponse, "description": _ERROR_DESCRIPTIONS[status]}
        for status in statuses
    }


class UploadResult(BaseModel):
    doc_id: str
    title: str
    status: Literal["added", "updated", "unchanged"] = Field(
        description="added: a new document; updated: same file name, new content; "
        "unchanged: the same bytes again."
    )
    chunks: int
    filename: str = Field(description="The name the file was stored under (in the upload folder).")
    source: str = Field(description="The stored file's path, as the document's source.")


class DeleteResult(BaseModel):
    doc_id: str
    deleted: bool = True
