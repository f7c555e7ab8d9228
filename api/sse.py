"""Server-sent events: one ``event:``/``data:`` block per message, JSON on one line."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _json(data: BaseModel | dict[str, Any]) -> str:
    if isinstance(data, BaseModel):
        return data.model_dump_json()
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def event(name: str, data: BaseModel | dict[str, Any]) -> str:
    """A named event (``/v1/ask/stream``)."""
    return f"event: {name}\ndata: {_json(data)}\n\n"


def data(payload: BaseModel | dict[str, Any] | str) -> str:
    """An unnamed event, as OpenAI streams chunks (``data: {...}``, ``data: [DONE]``)."""
    return f"data: {payload if isinstance(payload, str) else _json(payload)}\n\n"
