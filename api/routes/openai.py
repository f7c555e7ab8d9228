"""OpenAI-compatible chat, so chat front-ends and agents can use TrialQA as a "model".

``POST /v1/chat/completions`` answers the last user message; the earlier user messages are
the conversation its follow-up is resolved against (nothing is stored server-side). The
content carries the answer's ``[n]`` markers; the citation objects they refer to, and the
calculations, travel in extra fields OpenAI clients keep: ``citations`` and ``calculations``
at the top level and in ``choices[0].message`` (with ``stream: true``: in each sentence's
chunk as ``choices[0].delta.citations``, and all of them in the final chunk). A comparison's
evidence table (``Answer.table``) follows the answer in ``content`` as a Markdown table and
travels as JSON in ``table`` beside ``citations``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api import sse
from api.deps import ServicesDep
from api.errors import error_body
from api.openai_schemas import (
    MODEL_ID,
    ChatChoice,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ChatMessage,
    ChatResponseMessage,
    ModelCard,
    ModelList,
    Usage,
)
from api.schemas import ErrorResponse, error_responses
from assistant.answering import table_markdown
from assistant.composer import pieces
from assistant.errors import InputError, NotFoundError, TrialQAError
from assistant.models import Answer

router = APIRouter(prefix="/v1", tags=["openai-compatible"])
log = logging.getLogger("trialqa.api")


@router.get("/models", response_model=ModelList, summary="The one model: the extractive engine")
def list_models() -> ModelList:
    return ModelList(data=[ModelCard(id=MODEL_ID)])


@router.get(
    "/models/{model_id}",
    response_model=ModelCard,
    responses=error_responses(404, 422),
    summary="The model, by id",
)
def get_model(model_id: str) -> ModelCard:
    if model_id != MODEL_ID:
        raise NotFoundError(f"no model '{model_id}'; the one model is '{MODEL_ID}'")
    return ModelCard(id=MODEL_ID)


def _text(message: ChatMessage) -> str:
    content = message.content
    if isinstance(content, list):
        return " ".join(part.text or "" for part in content if part.type == "text")
    return content or ""


def _words(text: str) -> int:
    return len(text.split())


def _table_text(answer: Answer) -> str:
    """What follows the answer in ``content``: its evidence table as Markdown, if it has one."""
    return f"\n\n{table_markdown(answer.table)}" if answer.table else ""


def _dump(items: list) -> list[dict[str, Any]]:
    return [item.model_dump() for item in items]


_STREAM_DOC = """OpenAI's chat completion. The last user message is the question; earlier user
messages are the conversation its follow-up is resolved against. Sampling options are accepted
and ignored. `content` carries `[n]` markers; `citations` (quote == document text[start:end]) and
`calculations` are extra fields at the top level and in `choices[0].message`, with `abstained`
and `standalone_question` (the question that was answered) at the top level. A question
comparing a measure across named trials also has `table` (the evidence table's JSON, at the top
level and in the message), and `content` ends with that table in Markdown.

With `stream: true`: OpenAI-style `data: {chat.completion.chunk}` events — a first chunk with
the role, one chunk per answer sentence (`choices[0].delta.content`, plus the citations that
sentence refers to in `choices[0].delta.citations`), a final chunk with `finish_reason: "stop"`
and all `citations`, `calculations`, `abstained` and `standalone_question` at its top level,
then `data: [DONE]`. An error after the stream opened is `data: {"error": {...}}`."""


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses={
        200: {
            "content": sse.stream_content(
                sse.event_schema(
                    "message",
                    {
                        "anyOf": [
                            sse.json_data(ChatCompletionChunk),
                            sse.json_data(ErrorResponse),
                            {"const": "[DONE]"},
                        ]
                    },
                )
            ),
            "description": "The completion; with `stream: true`, its chunks as server-sent "
            "events, then `data: [DONE]`.",
        },
        **error_responses(413, 422, 503),
    },
    summary="OpenAI-compatible chat completion (answers with [n] citations)",
    description=_STREAM_DOC,
)
async def chat_completions(body: ChatCompletionRequest, services: ServicesDep):
    questions = [_text(m) for m in body.messages if m.role == "user"]
    if not questions:
        raise InputError("the messages hold no user message to answer")
    conversations = services.conversations
    conversations.check(questions[-1])  # refuse an unanswerable question before streaming
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    prompt_words = sum(_words(_text(m)) for m in body.messages)

    def answer() -> tuple[str, Answer]:
        return conversations.answer_messages(questions, k=body.top_k, filters=body.filters)

    if not body.stream:
        standalone, result = await run_in_threadpool(answer)
        return _completion(completion_id, created, prompt_words, standalone, result)
    stream = _chunks(answer, completion_id, created, prompt_words)
    return StreamingResponse(stream, media_type="text/event-stream", headers=sse.HEADERS)


def _completion(
    completion_id: str, created: int, prompt_words: int, standalone: str, result: Answer
) -> ChatCompletion:
    """The whole completion at once (``stream: false``)."""
    completion_words = _words(result.answer)
    table = result.table
    return ChatCompletion(
        id=completion_id,
        created=created,
        model=MODEL_ID,
        choices=[
            ChatChoice(
                message=ChatResponseMessage(
                    content=result.answer + _table_text(result),
                    citations=result.citations,
                    calculations=result.calculations,
                    table=table,
                )
            )
        ],
        usage=Usage(
            prompt_tokens=prompt_words,
            completion_tokens=completion_words,
            total_tokens=prompt_words + completion_words,
        ),
        citations=result.citations,
        calculations=result.calculations,
        abstained=result.abstained,
        standalone_question=standalone,
        table=table,
    )


def _chunk(
    completion_id: str,
    created: int,
    delta: dict[str, Any],
    finish: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One ``chat.completion.chunk`` of the stream."""
    return {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": MODEL_ID,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        **extra,
    }


async def _chunks(
    answer: Callable[[], tuple[str, Answer]], completion_id: str, created: int, prompt_words: int
) -> AsyncIterator[str]:
    """The stream's events (``stream: true``): the role, each sentence, the table, the end."""
    chunk = partial(_chunk, completion_id, created)
    yield sse.data(chunk({"role": "assistant", "content": ""}))
    try:
        standalone, result = await run_in_threadpool(answer)
    except TrialQAError as exc:
        yield sse.data(error_body(exc.code, exc.message))
        return
    except Exception:
        log.exception("unhandled error while streaming a chat completion")
        message = "an unexpected error occurred; the server log has details"
        yield sse.data(error_body("internal_error", message))
        return
    for piece in pieces(result):
        delta = {"content": piece.text, "citations": _dump(piece.citations)}
        yield sse.data(chunk(delta))
    if result.table:
        yield sse.data(chunk({"content": _table_text(result), "citations": []}))
    completion_words = _words(result.answer)
    yield sse.data(
        chunk(
            {},
            "stop",
            citations=_dump(result.citations),
            calculations=_dump(result.calculations),
            abstained=result.abstained,
            standalone_question=standalone,
            table=result.table.model_dump() if result.table else None,
            usage={
                "prompt_tokens": prompt_words,
                "completion_tokens": completion_words,
                "total_tokens": prompt_words + completion_words,
            },
        )
    )
    yield sse.data("[DONE]")
