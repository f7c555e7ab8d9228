from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import ServicesDep
from api.schemas import ConversationResponse, ErrorResponse

router = APIRouter(prefix="/v1", tags=["answers"])


@router.get(
    "/conversations/{conversation_id}",
    response_model=ConversationResponse,
    responses={404: {"model": ErrorResponse}},
    summary="A conversation's turns: each question, its standalone form and its answer",
)
def get_conversation(
    conversation_id: Annotated[str, Path(max_length=128)], services: ServicesDep
) -> ConversationResponse:
    conversation = services.conversations.get(conversation_id)
    return ConversationResponse(**conversation.model_dump())
