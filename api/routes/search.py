from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ServicesDep
from api.schemas import ErrorResponse, SearchHit, SearchResponse
from assistant.models import Filters

router = APIRouter(prefix="/v1", tags=["search"])


@router.get(
    "/search",
    response_model=SearchResponse,
    responses={422: {"model": ErrorResponse}},
    summary="Ranked passages for a query, with offsets into their documents",
)
def search(
    services: ServicesDep,
    q: Annotated[str, Query(min_length=1, max_length=2000, description="What to look for.")],
    k: Annotated[int, Query(ge=1, le=50, description="How many passages.")] = 6,
    doc_id: Annotated[list[str] | None, Query(description="Only these documents.")] = None,
    trial: Annotated[list[str] | None, Query(description="Only this trial acronym.")] = None,
    nct_id: Annotated[list[str] | None, Query(description="Only this NCT id.")] = None,
    source_type: Annotated[list[str] | None, Query(description="Only this source type.")] = None,
) -> SearchResponse:
    filters = Filters(doc_id=doc_id, trial=trial, nct_id=nct_id, source_type=source_type)
    passages = services.retriever.search(q, k, filters)
    return SearchResponse(
        query=q,
        results=[
            SearchHit(
                chunk_id=p.chunk.chunk_id,
                doc_id=p.chunk.doc_id,
                title=p.title,
                source=p.source,
                section=p.chunk.section,
                start=p.chunk.start,
                end=p.chunk.end,
                text=p.chunk.text,
                score=p.score,
                dense_rank=p.dense_rank,
                lexical_rank=p.lexical_rank,
                similarity=p.similarity,
            )
            for p in passages
        ],
    )
