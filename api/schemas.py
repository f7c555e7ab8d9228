"""Wire models of the HTTP API, kept apart from the core's models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.conversation import Conversation
from assistant.models import Answer, Calculation, Citation, DocumentInfo, Filters
from assistant.streaming import Piece


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        description="The question, in plain language.",
        examples=["What was the overall response rate?"],
    )
    conversation_id: str | None = Field(
        default=None,
        max_length=128,
        description=(
            "Continue this conversation: a follow-up is rewritten from its earlier turns before "
            "retrieval. A new id is made when absent; an unknown id starts a conversation."
        ),
    )
    top_k: int | None = Field(default=None, ge=1, le=50, description="Passages to retrieve.")
    filters: Filters | None = Field(default=None, description="Only passages matching these.")


class AskResponse(Answer):
    """The answer contract of DESIGN.md."""


class ConversationResponse(Conversation):
    """A conversation's turns in order, each with the question as asked, the standalone
    question that was answered, and the answer exactly as it was returned."""


class StreamMeta(BaseModel):
    """The first event of ``/v1/ask/stream``, sent before the answer is composed."""

    conversation_id: str
    question: str = Field(description="The question as asked (whitespace collapsed).")
    standalone_question: str = Field(description="What is answered: the follow-up rewritten.")


class StreamSentence(Piece):
    """One ``sentence`` event of ``/v1/ask/stream``."""


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


# -- OpenAI-compatible chat -------------------------------------------------------------------

MODEL_ID = "trialqa-extractive"


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str = Field(description="system, developer, user, assistant or tool.")
    content: str | list[dict[str, Any]] | None = Field(
        default=None, description="Text, or OpenAI content parts (the text parts are read)."
    )


class ChatCompletionRequest(BaseModel):
    """OpenAI's chat request. Sampling options (temperature, top_p, max_tokens, n, stop, ...)
    are accepted and ignored: the extractive engine quotes, it does not sample."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(default=MODEL_ID, description=f"Any value; answered by {MODEL_ID}.")
    messages: list[ChatMessage] = Field(
        min_length=1,
        description="The last user message is the question; earlier user messages are the "
        "conversation its follow-up is resolved against.",
    )
    stream: bool = Field(default=False, description="OpenAI-style server-sent chunks.")
    top_k: int | None = Field(default=None, ge=1, le=50, description="TrialQA: passages.")
    filters: Filters | None = Field(default=None, description="TrialQA: only these passages.")


class ChatResponseMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str = Field(description="The answer, with [n] markers referring to citations[].n.")
    citations: list[Citation] = Field(default_factory=list)
    calculations: list[Calculation] = Field(default_factory=list)


class ChatChoice(BaseModel):
    index: int = 0
    message: ChatResponseMessage
    finish_reason: str = "stop"
    logprobs: None = None


class Usage(BaseModel):
    prompt_tokens: int = Field(description="Words of the messages (no tokenizer is involved).")
    completion_tokens: int = Field(description="Words of the answer.")
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: Usage
    citations: list[Citation] = Field(
        description="TrialQA: the answer's citations (as in the message); quote == "
        "document text[start:end]."
    )
    calculations: list[Calculation] = Field(description="TrialQA: the answer's calculations.")
    abstained: bool = Field(description="TrialQA: the documents do not hold the answer.")
    standalone_question: str = Field(description="TrialQA: the question that was answered.")


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "trialqa"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]
