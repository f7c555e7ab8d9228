from __future__ import annotations

from fastapi import APIRouter

from api.deps import ServicesDep
from api.schemas import DocumentDetail, DocumentList, DocumentSummary, ErrorResponse

router = APIRouter(prefix="/v1", tags=["documents"])


@router.get("/documents", response_model=DocumentList, summary="Every indexed document")
def list_documents(services: ServicesDep) -> DocumentList:
    return DocumentList(
        documents=[DocumentSummary(**d.model_dump()) for d in services.store.list_documents()]
    )


@router.get(
    "/documents/{doc_id}",
    response_model=DocumentDetail,
    responses={404: {"model": ErrorResponse}},
    summary="One document's metadata and full normalised text (to check quotes against)",
)
def get_document(doc_id: str, services: ServicesDep) -> DocumentDetail:
    document = services.store.get_document(doc_id)
    state = services.store.document_state(doc_id) or {}
    return DocumentDetail(
        doc_id=document.doc_id,
        title=document.title,
        source=document.source,
        sha256=document.sha256,
        chunks=state.get("chunks", 0),
        chars=len(document.text),
        metadata=document.metadata,
        text=document.text,
    )
