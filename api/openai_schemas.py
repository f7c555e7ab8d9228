"""Wire models of the OpenAI-compatible chat API (``/v1/chat/completions``, ``/v1/models``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas import MESSAGE_MAX_CHARS, RequestFilters
from assistant.models import Calculation, Citation, EvidenceTable

# Bounds on a chat request, so every oversized part is a 422 naming the field.
CHAT_MAX_MESSAGES = 100
CHAT_MAX_PARTS = 100

MODEL_ID = "trialqa-extractive"


class ContentPart(BaseModel):
    """One OpenAI content part; the ``text`` of ``type: "text"`` parts is read."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(max_length=64, description="text, image_url, ...")
    text: str | None = Field(default=None, max_length=MESSAGE_MAX_CHARS)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"] = Field(
        description="Who wrote the message; the user messages are the questions."
    )
    content: (
        Annotated[str, StringConstraints(max_length=MESSAGE_MAX_CHARS)]
        | Annotated[list[ContentPart], Field(max_length=CHAT_MAX_PARTS)]
        | None
    ) = Field(default=None, description="Text, or OpenAI content parts (the text parts are read).")


class ChatCompletionRequest(BaseModel):
    """OpenAI's chat request. Sampling options (temperature, top_p, max_tokens, n, stop, ...)
    are accepted and ignored: the extractive engine quotes, it does not sample."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(
        default=MODEL_ID, max_length=256, description=f"Any value; answered by {MODEL_ID}."
    )
    messages: list[ChatMessage] = Field(
        min_length=1,
        max_length=CHAT_MAX_MESSAGES,
        description="The last user message is the question; earlier user messages are the "
        "conversation its follow-up is resolved against.",
    )
    stream: bool = Field(default=False, description="OpenAI-style server-sent chunks.")
    top_k: int | None = Field(default=None, ge=1, le=50, description="TrialQA: passages.")
    filters: RequestFilters | None = Field(
        default=None, description="TrialQA: only these passages."
    )


class ChatResponseMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str = Field(
        description="The answer, with [n] markers referring to citations[].n; with an evidence "
        "table, the table follows as Markdown (cells carrying their [n])."
    )
    citations: list[Citation] = Field(default_factory=list)
    calculations: list[Calculation] = Field(default_factory=list)
    table: EvidenceTable | None = Field(default=None, description="TrialQA: the evidence table.")


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
    table: EvidenceTable | None = Field(
        default=None,
        description="TrialQA: a comparison's evidence table (as in the message; null otherwise).",
    )


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "trialqa"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class ChatChunkDelta(BaseModel):
    role: Literal["assistant"] | None = Field(default=None, description="In the first chunk.")
    content: str | None = Field(default=None, description="The next answer sentence.")
    citations: list[Citation] | None = Field(
        default=None, description="TrialQA: the citations this sentence's markers refer to."
    )


class ChatChunkChoice(BaseModel):
    index: int = 0
    delta: ChatChunkDelta
    finish_reason: Literal["stop"] | None = None
    logprobs: None = None


class ChatCompletionChunk(BaseModel):
    """One ``data:`` event of ``POST /v1/chat/completions`` with ``stream: true``; the final
    chunk (``finish_reason: "stop"``) carries the TrialQA fields and the usage."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChatChunkChoice]
    citations: list[Citation] | None = None
    calculations: list[Calculation] | None = None
    abstained: bool | None = None
    standalone_question: str | None = None
    usage: Usage | None = None
