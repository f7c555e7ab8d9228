from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.headers import PAGE_HEADERS

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index() -> HTMLResponse:
    """The chat page, with a Content-Security-Policy that lets only its own files run."""
    html = resources.files("api").joinpath("static/index.html").read_text()
    return HTMLResponse(html, headers=PAGE_HEADERS)
