from __future__ import annotations

import os
import re
import threading
import unicodedata
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, UploadFile
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep
from api.schemas import (
    DeleteResult,
    DocumentDetail,
    DocumentList,
    DocumentSummary,
    ErrorResponse,
    UploadResult,
    error_responses,
)
from api.security import require_write_access
from assistant.errors import IngestError, InputError, UnsupportedFormatError
from assistant.settings import Settings
from ingest.loaders import LOADERS
from ingest.pipeline import Ingestor

router = APIRouter(prefix="/v1", tags=["documents"])

_UPLOAD_LOCK = threading.Lock()  # one upload at a time: same-name uploads replace each other
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@router.get("/documents", response_model=DocumentList, summary="Every indexed document")
def list_documents(services: ServicesDep) -> DocumentList:
    return DocumentList(
        documents=[DocumentSummary(**d.model_dump()) for d in services.store.list_documents()]
    )


@router.get(
    "/documents/{doc_id}",
    response_model=DocumentDetail,
    responses=error_responses(404, 422),
    summary="One document's metadata and full normalised text (to check quotes against)",
)
def get_document(doc_id: str, services: ServicesDep) -> DocumentDetail:
    document = services.store.get_document(doc_id)
    state = services.store.document_state(doc_id)
    return DocumentDetail(
        doc_id=document.doc_id,
        title=document.title,
        source=document.source,
        sha256=document.sha256,
        chunks=state.chunks if state else 0,
        chars=len(document.text),
        metadata=document.metadata,
        text=document.text,
    )


def upload_folder(settings: Settings) -> Path:
    return Path(settings.store.path) / "uploads"


def safe_filename(name: str | None) -> str:
    """A client's file name reduced to one plain name: no folders, no leading dots, only
    letters, digits, ``.``, ``_`` and ``-`` ("../../x.txt" -> "x.txt", "..\\a b.md" -> "a-b.md")."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name or ""))[-1]
    base = _UNSAFE.sub("-", base).strip(".-_")
    stem, dot, ext = base.rpartition(".")
    if dot and len(base) > 120:
        base = f"{stem[: 119 - len(ext)]}.{ext}"
    return base[:120] or "upload"


def _inside(folder: Path, path: Path) -> bool:
    return path.resolve().parent == folder.resolve()


_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "An API key is configured and was not given."},
    403: {"model": ErrorResponse, "description": "No API key is configured: loopback only."},
}


# The type is read from the file name's extension, so the part carries one (OpenAPI: the part's
# Content-Disposition, with an example a client or a fuzzer can follow).
_UPLOAD_ENCODING = {
    "encoding": {
        "file": {
            "headers": {
                "Content-Disposition": {
                    "description": "The file name; its extension selects the loader.",
                    "schema": {"type": "string"},
                    "example": 'form-data; name="file"; filename="report.txt"',
                }
            }
        }
    }
}


@router.post(
    "/documents",
    response_model=UploadResult,
    dependencies=[Depends(require_write_access)],
    responses={
        **_WRITE_ERRORS,
        413: {"model": ErrorResponse, "description": "Larger than TRIALQA_API__MAX_UPLOAD_MB."},
        415: {"model": ErrorResponse, "description": "A file type no loader reads."},
        422: {"model": ErrorResponse, "description": "No file, or a file with no text."},
    },
    summary="Upload one file (multipart field `file`) and ingest it",
    description=(
        "The file is stored under the store's `uploads/` folder by a sanitised name (never a "
        "path outside it) and ingested like `trialqa ingest`: a file of the same name replaces "
        "the earlier upload; the same bytes again are `unchanged`. Types: "
        + ", ".join(sorted(LOADERS))
        + "."
    ),
    openapi_extra={"requestBody": {"content": {"multipart/form-data": _UPLOAD_ENCODING}}},
)
async def upload_document(file: UploadFile, services: ServicesDep) -> UploadResult:
    name = safe_filename(file.filename)
    suffix = Path(name).suffix.lower()
    if suffix not in LOADERS:
        known = ", ".join(sorted(LOADERS))
        shown = file.filename or "the file"
        raise UnsupportedFormatError(f"{shown}: unsupported file type (TrialQA reads {known})")
    limit = services.settings.api.max_upload_mb * 1024 * 1024
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(
            413, f"{file.filename}: larger than {services.settings.api.max_upload_mb} MB"
        )
    if not data.strip():
        raise IngestError(f"{file.filename}: the file is empty")
    return await run_in_threadpool(_store_and_ingest, services, name, data)


def _store_and_ingest(services, name: str, data: bytes) -> UploadResult:
    folder = upload_folder(services.settings)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if not _inside(folder, target):  # cannot happen after safe_filename; checked regardless
        raise InputError("the file name is not allowed")
    with _UPLOAD_LOCK:
        temp = folder / f".{uuid.uuid4().hex}.part"
        backup = folder / f".{uuid.uuid4().hex}.previous"
        temp.write_bytes(data)
        had = target.exists()
        if had:
            os.replace(target, backup)
        os.replace(temp, target)  # replaces a link at the name, never writes through it
        ingestor = Ingestor(services.store, services.embedder, services.settings)
        result = ingestor.ingest_file(target)
        if result.status == "failed":
            target.unlink(missing_ok=True)
            if had:
                os.replace(backup, target)
            raise IngestError(result.error or f"{name}: could not be ingested")
        backup.unlink(missing_ok=True)
    record = services.store.document_state(result.doc_id)
    return UploadResult(
        doc_id=result.doc_id,
        title=record.title if record else "",
        status=result.status,
        chunks=result.chunks,
        filename=name,
        source=result.path,
    )


@router.delete(
    "/documents/{doc_id}",
    response_model=DeleteResult,
    dependencies=[Depends(require_write_access)],
    responses={**error_responses(404, 422), **_WRITE_ERRORS},
    summary="Remove a document and its chunks (and its uploaded file, if it was uploaded)",
)
def delete_document(doc_id: str, services: ServicesDep) -> DeleteResult:
    state = services.store.document_state(doc_id)
    services.store.delete_document(doc_id)  # NotFoundError -> 404
    folder = upload_folder(services.settings)
    source = Path(state.source if state else "")
    if source.name and _inside(folder, source) and not source.is_symlink():
        with _UPLOAD_LOCK:
            source.unlink(missing_ok=True)
    return DeleteResult(doc_id=doc_id)
