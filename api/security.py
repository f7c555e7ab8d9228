"""Who may change the store, which origins may call the API, and how large a request may be.

- Writes (document upload and delete, conversation rename and delete) need the API key
  (``TRIALQA_API__API_KEY``) whenever one is set, and always from a client that is not on
  this machine. ``trialqa serve`` refuses to listen
  beyond loopback without a key, so a server reachable from the network never has open writes.
- Reads stay open. CORS is off (no ``Access-Control-Allow-Origin`` at all) unless
  ``TRIALQA_API__CORS_ORIGINS`` lists origins.
- Every request body is bounded: JSON bodies by ``max_body_kb``, uploads by ``max_upload_mb``.
  A body over the bound is refused with 413 before it is read in full, whether or not it
  declares its length.
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body
from assistant.errors import ConfigError
from assistant.settings import Settings

_UPLOAD_PATHS = ("/v1/documents",)


def is_loopback(host: str | None) -> bool:
    """``127.0.0.0/8``, ``::1`` and ``localhost``; anything else (``0.0.0.0``, a name) is not."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_listen(settings: Settings, host: str) -> None:
    """Refuse to serve writes to the network without a key (called before listening)."""
    if not is_loopback(host) and not settings.api.api_key:
        raise ConfigError(
            f"refusing to listen on {host}: uploads and deletes would be open to the network; "
            "set TRIALQA_API__API_KEY (clients send it as 'Authorization: Bearer KEY' or "
            "'X-API-Key: KEY'), or listen on 127.0.0.1"
        )


class WriteForbidden(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _presented_key(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.headers.get("x-api-key") or None


def require_write_access(request: Request) -> None:
    """Dependency of the write routes: the key when one is set; loopback only when none is."""
    key = request.app.state.settings.api.api_key
    if key is None:
        client = request.client.host if request.client else None
        if not is_loopback(client):
            raise WriteForbidden(
                403,
                "forbidden",
                "writes are only accepted from this machine when no API key is configured",
            )
        return
    presented = _presented_key(request)
    if presented is None:
        raise WriteForbidden(
            401, "unauthorized", "this operation needs the API key (Authorization: Bearer KEY)"
        )
    if not hmac.compare_digest(presented.encode(), key.get_secret_value().encode()):
        raise WriteForbidden(401, "unauthorized", "the API key is not valid")


WriteAccess = Annotated[None, Depends(require_write_access)]


class BodyLimit:
    """Refuse request bodies over a size with 413, counting the bytes as they arrive."""

    def __init__(self, app: ASGIApp, max_json: int, max_upload: int) -> None:
        self.app, self.max_json, self.max_upload = app, max_json, max_upload

    def _limit(self, scope: Scope) -> int:
        upload = scope["method"] == "POST" and scope["path"].rstrip("/") in _UPLOAD_PATHS
        # An upload's multipart framing adds a little to the file itself.
        return self.max_upload + 64 * 1024 if upload else self.max_json

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        if declared is not None:  # the server holds the body to its declared length
            await self.app(scope, receive, send)
            return
        # No declared length (chunked): read up to the limit, then hand the body on whole.
        parts: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            parts.append(message.get("body", b""))
            seen += len(parts[-1])
            if seen > limit:
                await self._refuse(scope, receive, send, limit)
                return
            if not message.get("more_body", False):
                break
        body, replayed = b"".join(parts), False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        what = f"{limit // 1024} KB" if limit < 1024 * 1024 else f"{limit // (1024 * 1024)} MB"
        response = JSONResponse(
            error_body("too_large", f"the request body is larger than {what}"),
            status_code=413,
            headers={"connection": "close"},
        )
        await response(scope, receive, send)


def install(app: FastAPI, settings: Settings) -> None:
    app.state.settings = settings

    @app.exception_handler(WriteForbidden)
    async def _forbidden(_: Request, exc: WriteForbidden) -> JSONResponse:
        headers = {"www-authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(error_body(exc.code, exc.message), exc.status, headers=headers)

    api = settings.api
    if api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(api.cors_origins),
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["authorization", "content-type", "x-api-key"],
        )
    app.add_middleware(
        BodyLimit, max_json=api.max_body_kb * 1024, max_upload=api.max_upload_mb * 1024 * 1024
    )
