from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import ServicesDep
from api.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="The process is alive")
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness}},
    summary="Model loaded and store reachable, with counts",
)
def readyz(services: ServicesDep):
    loaded = bool(getattr(services.embedder, "loaded", True))
    try:
        readiness = Readiness(
            ready=loaded,
            model_loaded=loaded,
            documents=len(services.store.list_documents()),
            chunks=services.store.count_chunks(),
        )
    except Exception:  # the store is unreachable: not ready, and say so
        readiness = Readiness(ready=False, model_loaded=loaded, documents=0, chunks=0)
    return JSONResponse(readiness.model_dump(), status_code=200 if readiness.ready else 503)
