from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api import sse
from api.deps import ServicesDep
from api.errors import error_body
from api.schemas import (
    AskRequest,
    AskResponse,
    ErrorResponse,
    StreamDone,
    StreamMeta,
    StreamSentence,
    error_responses,
)
from assistant.composer import pieces
from assistant.errors import TrialQAError

router = APIRouter(prefix="/v1", tags=["answers"])
log = logging.getLogger("trialqa.api")

STANDALONE_HEADER = "X-TrialQA-Standalone-Question"


def header_value(text: str) -> str:
    """HTTP headers are Latin-1: the question percent-encoded as UTF-8, spaces kept."""
    return quote(text, safe=" !?,.:;()[]'/-+=<>")


@router.post(
    "/ask",
    response_model=AskResponse,
    responses=error_responses(413, 422, 503),
    summary="Answer a question with verbatim citations",
    description=(
        "With `conversation_id`, the question is the next turn of that conversation: a "
        "follow-up is rewritten into a standalone question from the earlier turns before "
        "retrieval: it keeps the earlier question's measure and changes only what the "
        "follow-up changes, and a self-contained question inherits nothing. The question that "
        "was answered is `standalone_question` in the answer, in the "
        f"`{STANDALONE_HEADER}` header (percent-encoded UTF-8) and in "
        "`GET /v1/conversations/{id}`; `question` in the answer stays the user's words."
    ),
)
def ask(body: AskRequest, services: ServicesDep, response: Response) -> AskResponse:
    turn = services.conversations.ask(
        body.question, body.conversation_id, k=body.top_k, filters=body.filters
    )
    response.headers[STANDALONE_HEADER] = header_value(turn.standalone_question)
    return AskResponse(**turn.answer.model_dump())


_STREAM_DOC = """Server-sent events, in this order:

- `meta`: `{conversation_id, question, standalone_question}`, before the answer is composed;
- `sentence` (one per answer sentence): `{index, text, citations, calculations}`. `text` is the
  sentence with its `[n]` markers (and the space after it): the texts joined in order are exactly
  the final answer. `citations` are the citation objects its markers refer to;
- `answer`: the complete answer, identical to what `POST /v1/ask` returns (with its evidence
  `table` when the question compares a measure across named trials);
- `done`: `{}`.

A request that cannot be answered at all (invalid body, empty or over-long question) is refused
before the stream opens, with the usual JSON error and status. An error after the stream opened
arrives as an `error` event, `{"error": {"code", "message"}}`, and ends the stream."""


@router.post(
    "/ask/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": sse.stream_content(
                sse.event_schema("meta", sse.json_data(StreamMeta)),
                sse.event_schema("sentence", sse.json_data(StreamSentence)),
                sse.event_schema("answer", sse.json_data(AskResponse)),
                sse.event_schema("done", sse.json_data(StreamDone)),
                sse.event_schema("error", sse.json_data(ErrorResponse)),
            ),
            "description": "meta, sentence..., answer, done (or error)",
        },
        **error_responses(413, 422),
    },
    summary="Answer a question as server-sent events, sentence by sentence",
    description=_STREAM_DOC,
)
async def ask_stream(body: AskRequest, services: ServicesDep) -> StreamingResponse:
    conversations = services.conversations
    question, standalone, conversation_id = await run_in_threadpool(
        conversations.prepare, body.question, body.conversation_id
    )

    async def events():
        meta = StreamMeta(
            conversation_id=conversation_id, question=question, standalone_question=standalone
        )
        yield sse.event("meta", meta)
        try:
            turn = await run_in_threadpool(
                conversations.answer_prepared,
                question,
                standalone,
                conversation_id,
                k=body.top_k,
                filters=body.filters,
            )
        except TrialQAError as exc:
            yield sse.event("error", error_body(exc.code, exc.message))
            return
        except Exception:
            log.exception("unhandled error while streaming an answer")
            message = "an unexpected error occurred; the server log has details"
            yield sse.event("error", error_body("internal_error", message))
            return
        for piece in pieces(turn.answer):
            yield sse.event("sentence", StreamSentence(**piece.model_dump()))
        yield sse.event("answer", AskResponse(**turn.answer.model_dump()))
        yield sse.event("done", {})

    return StreamingResponse(events(), media_type="text/event-stream", headers=sse.HEADERS)
