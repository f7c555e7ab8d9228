"""Security headers for the chat page and everything else the app serves.

The page runs only its own script (``/static/app.js`` and the modules it imports from
``/static/``) and loads only its own stylesheet, so its Content-Security-Policy allows nothing
else: no inline script or event-handler attributes, no ``javascript:`` URLs, no plugins, no
``<base>``, no framing. Text from documents is shown as text by the page's scripts; the policy
is the second line of defence if that ever slips.

``index`` (``api/routes/page.py``) sends ``PAGE_HEADERS`` itself; ``install(app)`` adds them
to every other response (static files, JSON) that does not set them already, except FastAPI's
``/docs`` and ``/redoc`` pages (inline script from a CDN), which get only ``nosniff``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # the page's empty favicon is a data: URL
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


# FastAPI's own API-docs pages run inline script from a CDN: they keep only ``nosniff``.
DOCS_PATHS = ("/docs", "/redoc")


class SecurityHeaders:
    """ASGI middleware: adds ``PAGE_HEADERS`` a response does not already carry."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._headers = [(k.lower().encode(), v.encode()) for k, v in PAGE_HEADERS.items()]
        self._docs_headers = [(b"x-content-type-options", b"nosniff")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"].startswith(DOCS_PATHS)
        extra = self._docs_headers if docs else self._headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app) -> None:
    """Send the security headers on every response of ``app`` (call in ``create_app``)."""
    app.add_middleware(SecurityHeaders)


__all__ = ["CONTENT_SECURITY_POLICY", "DOCS_PATHS", "PAGE_HEADERS", "SecurityHeaders", "install"]
