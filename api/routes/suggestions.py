"""Suggested questions for an empty conversation, drawn from the indexed documents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from api.deps import SuggestionsDep
from api.schemas import (
    SuggestedQuestion,
    SuggestionList,
    SuggestionQuery,
    error_responses,
)

router = APIRouter(prefix="/v1", tags=["answers"])


@router.get(
    "/suggestions",
    response_model=SuggestionList,
    responses=error_responses(422, 503),
    summary="Questions worth asking of the indexed documents (or of those the filters keep)",
    description=(
        "Built from the documents' metadata and text, never from a fixed list: a question about "
        "a trial (its `trial` metadata) is suggested only when one of its documents states what "
        "the question asks for (the primary endpoint; enrolment, the overall response rate, "
        "progression-free survival or grade 3 or higher adverse events with a figure). Filters "
        "as in `POST /v1/ask`; scoped to one document naming no trial, the questions ask about "
        "'this study'. Deterministic: the same documents give the same questions. Any other "
        "query parameter is a 422."
    ),
)
async def suggestions(
    query: Annotated[SuggestionQuery, Query()], suggester: SuggestionsDep
) -> SuggestionList:
    found = await run_in_threadpool(suggester.suggest, query.limit, query.filters())
    return SuggestionList(
        suggestions=[
            SuggestedQuestion(
                question=s.question, kind=s.kind, trial=s.trial, doc_ids=list(s.doc_ids)
            )
            for s in found
        ]
    )
