from __future__ import annotations

from fastapi import APIRouter

from api.deps import ServicesDep
from api.schemas import AskRequest, AskResponse, ErrorResponse

router = APIRouter(prefix="/v1", tags=["answers"])


@router.post(
    "/ask",
    response_model=AskResponse,
    responses={422: {"model": ErrorResponse}},
    summary="Answer a question with verbatim citations",
)
def ask(body: AskRequest, services: ServicesDep) -> AskResponse:
    answer = services.engine.answer(
        body.question, k=body.top_k, filters=body.filters, conversation_id=body.conversation_id
    )
    return AskResponse(**answer.model_dump())
