"""The one mapping from errors to HTTP: ``{"error": {"code", "message"}}`` with a status.

Core errors map by class; request validation, unknown routes and anything unexpected get the
same JSON shape, and an unexpected error never shows its stack trace to the client.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from assistant.errors import (
    CalculatorInputError,
    ConfigError,
    IngestError,
    InputError,
    NotFoundError,
    RetrievalError,
    TrialQAError,
    UnsupportedFormatError,
)

log = logging.getLogger("trialqa.api")

STATUS: list[tuple[type[TrialQAError], int]] = [  # most specific first
    (UnsupportedFormatError, 415),
    (NotFoundError, 404),
    (InputError, 422),
    (CalculatorInputError, 422),
    (IngestError, 422),
    (RetrievalError, 503),
    (ConfigError, 500),
    (TrialQAError, 500),
]

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 415: "unsupported"}


def error_body(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


def status_for(exc: TrialQAError) -> int:
    return next(status for cls, status in STATUS if isinstance(exc, cls))


def _location(loc: tuple) -> str:
    return ".".join(str(part) for part in loc if part not in ("body", "query", "path"))


def _allowed_methods(request: Request) -> str:
    """The methods some route serves at the request's path, for a 405's ``Allow`` header (the
    routing exception names only the first route's methods; GET and POST of a path are two)."""
    routes = request.app.router.routes
    allowed = [
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] == Match.FULL
               for route in routes)
    ]  # fmt: skip
    return ", ".join(allowed)


def install(app: FastAPI) -> None:
    @app.exception_handler(TrialQAError)
    async def _trialqa(_: Request, exc: TrialQAError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message), status_code=status_for(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            f"{_location(tuple(e.get('loc', ()))) or 'request'}: {e.get('msg', 'invalid')}"
            for e in exc.errors()
        ]
        return JSONResponse(error_body("invalid_request", "; ".join(problems)), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # FastAPI's "There was an error parsing the body" (bytes that are not UTF-8 JSON, a
            # broken multipart body): a bad request like any other, so 422 invalid_request.
            message = "the request body could not be parsed (UTF-8 JSON, or multipart for uploads)"
            return JSONResponse(error_body("invalid_request", message), status_code=422)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message, headers = str(exc.detail), dict(exc.headers or {})
        if exc.status_code == 405 and (allowed := _allowed_methods(request)):
            headers["Allow"] = allowed
            message = f"{request.method} is not allowed here; allowed: {allowed}"
        return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body(
                "internal_error", "an unexpected error occurred; the server log has details"
            ),
            status_code=500,
        )
