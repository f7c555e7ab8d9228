"""Conversations: list them, read one, rename, delete, export as Markdown.

Renaming and deleting are writes, held to the same rule as document uploads and deletes
(``api/security.py``): the API key when one is set, this machine only when none is.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep
from api.schemas import (
    CONVERSATION_ID_MAX_CHARS,
    CONVERSATION_LIST_MAX,
    ConversationList,
    ConversationListItem,
    ConversationResponse,
    RenameRequest,
    error_responses,
)
from api.security import require_write_access
from assistant.conversation import conversation_markdown
from assistant.errors import NotFoundError

router = APIRouter(prefix="/v1", tags=["conversations"])

ConversationId = Annotated[str, Path(max_length=CONVERSATION_ID_MAX_CHARS)]
MARKDOWN = "text/markdown; charset=utf-8"


@router.get(
    "/conversations",
    response_model=ConversationList,
    responses=error_responses(422),
    summary="Past conversations, the most recently updated first",
)
def list_conversations(
    services: ServicesDep,
    limit: Annotated[
        int, Query(ge=1, le=CONVERSATION_LIST_MAX, description="At most this many.")
    ] = 100,
) -> ConversationList:
    summaries = services.conversations.recent(limit)
    return ConversationList(conversations=[ConversationListItem.of(s) for s in summaries])


@router.get(
    "/conversations/{conversation_id}",
    response_model=ConversationResponse,
    responses=error_responses(404, 422),
    summary="A conversation's turns: each question, its standalone form and its answer",
)
def get_conversation(
    conversation_id: ConversationId, services: ServicesDep
) -> ConversationResponse:
    conversation = services.conversations.get(conversation_id)
    return ConversationResponse(**conversation.model_dump())


@router.patch(
    "/conversations/{conversation_id}",
    response_model=ConversationListItem,
    dependencies=[Depends(require_write_access)],
    responses=error_responses(401, 403, 404, 413, 422),
    summary="Rename a conversation (the title then replaces its first question in the list)",
)
def rename_conversation(
    conversation_id: ConversationId, body: RenameRequest, services: ServicesDep
) -> ConversationListItem:
    return ConversationListItem.of(services.conversations.rename(conversation_id, body.title))


@router.delete(
    "/conversations/{conversation_id}",
    status_code=204,
    response_class=Response,
    dependencies=[Depends(require_write_access)],
    responses=error_responses(401, 403, 404, 422),
    summary="Delete a conversation and its turns (documents and other conversations stay)",
)
def delete_conversation(conversation_id: ConversationId, services: ServicesDep) -> Response:
    services.conversations.delete(conversation_id)
    return Response(status_code=204)


@router.get(
    "/conversations/{conversation_id}/export",
    response_class=Response,
    responses={
        200: {
            "content": {"text/markdown": {"schema": {"type": "string"}}},
            "description": "Markdown: each turn's question, standalone question, answer with "
            "its [n] markers and calculations with their inputs, then the turn's numbered "
            "references (title, publisher, date, doc_id, offsets, quote).",
        },
        **error_responses(404, 422),
    },
    summary="A conversation (or one of its turns) as Markdown, with numbered references",
)
async def export_conversation(
    conversation_id: ConversationId,
    services: ServicesDep,
    format: Annotated[Literal["markdown"], Query(description="Only markdown.")] = "markdown",
    turn: Annotated[
        int | None, Query(ge=1, le=10_000, description="Only this turn (its number, from 1).")
    ] = None,
) -> Response:
    text = await run_in_threadpool(_markdown, services, conversation_id, turn)
    return Response(text, media_type=MARKDOWN)


def _markdown(services, conversation_id: str, turn: int | None) -> str:
    conversation = services.conversations.get(conversation_id)
    if turn is not None and not any(t.n == turn for t in conversation.turns):
        raise NotFoundError(f"conversation '{conversation_id}' has no turn {turn}")
    cited = {c.doc_id for t in conversation.turns for c in t.answer.citations}
    metadata = {d.doc_id: d.metadata for d in services.store.list_documents() if d.doc_id in cited}
    return conversation_markdown(conversation, lambda doc_id: metadata.get(doc_id, {}), turn)
