from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ServicesDep
from api.schemas import FILTER_MAX_VALUES, FilterValue, SearchHit, SearchResponse, error_responses
from assistant.models import Filters

router = APIRouter(prefix="/v1", tags=["search"])


def _filter(description: str):
    return Query(
        default_factory=list,
        max_length=FILTER_MAX_VALUES,
        description=f"{description} Repeatable.",
    )


@router.get(
    "/search",
    response_model=SearchResponse,
    responses=error_responses(422, 503),
    summary="Ranked passages for a query, with offsets into their documents",
)
def search(
    *,
    services: ServicesDep,
    q: Annotated[str, Query(min_length=1, max_length=2000, description="What to look for.")],
    k: Annotated[int, Query(ge=1, le=50, description="How many passages.")] = 6,
    doc_id: Annotated[list[FilterValue], _filter("Only these documents.")],
    trial: Annotated[list[FilterValue], _filter("Only this trial acronym.")],
    nct_id: Annotated[list[FilterValue], _filter("Only this NCT id.")],
    source_type: Annotated[list[FilterValue], _filter("Only this source type.")],
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
