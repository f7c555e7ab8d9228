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


# -- OpenAPI: what one event of a stream is --------------------------------------------------
# Under OpenAPI 3.1 the schema of a ``text/event-stream`` response describes one event, read as
# ``{"event": name, "data": text}`` (``event`` is "message" when the server names none). Each
# ``data`` is JSON text whose own schema is its ``contentSchema``, so a client or a fuzzer can
# check every event, not only that the stream is text.


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON schema with its ``$defs`` references replaced by the definitions, so it
    stands alone wherever it is placed in the OpenAPI document."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                rest = {k: v for k, v in node.items() if k != "$ref"}
                return {**resolve(defs[ref.removeprefix("#/$defs/")]), **resolve(rest)}
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(schema)


def json_data(model: type[BaseModel]) -> dict[str, Any]:
    """The schema of a ``data:`` field holding one ``model`` as JSON text."""
    return {
        "type": "string",
        "contentMediaType": "application/json",
        "contentSchema": _inline(model.model_json_schema()),
    }


def event_schema(name: str, data_schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "title": f"event: {name}",
        "required": ["event", "data"],
        "properties": {"event": {"const": name}, "data": data_schema},
    }


def stream_content(*events: dict[str, Any]) -> dict[str, Any]:
    """``content`` of an OpenAPI response whose body is one of ``events``, repeated."""
    return {"text/event-stream": {"schema": {"anyOf": list(events)}}}
