from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import ServicesDep
from api.schemas import CONVERSATION_ID_MAX_CHARS, ConversationResponse, error_responses

router = APIRouter(prefix="/v1", tags=["answers"])


@router.get(
    "/conversations/{conversation_id}",
    response_model=ConversationResponse,
    responses=error_responses(404, 422),
    summary="A conversation's turns: each question, its standalone form and its answer",
)
def get_conversation(
    conversation_id: Annotated[str, Path(max_length=CONVERSATION_ID_MAX_CHARS)],
    services: ServicesDep,
) -> ConversationResponse:
    conversation = services.conversations.get(conversation_id)
    return ConversationResponse(**conversation.model_dump())
