"""Schemathesis hooks of the fuzz run (``SCHEMATHESIS_HOOKS``, tests/api/test_fuzz.py).

- ``error_shape``, a check: every 4xx/5xx is JSON with exactly ``{"error": {"code", "message"}}``
  (two non-empty strings), and a stream never reports an internal error in an ``error`` event,
  the way it would when an answer fails after the 200 went out.
- ``filter_failure``: drops the one false alarm of ``negative_data_rejection`` here. An upload's
  file part is any bytes, so a "boolean" or "number" file, generated as invalid data, arrives as
  the bytes ``false`` or ``12``: a valid text file, rightly accepted.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis
from schemathesis.core.failures import AcceptedNegativeData


def _shape_problem(body: Any) -> str | None:
    if not isinstance(body, dict) or set(body) != {"error"}:
        return 'the body is not {"error": {...}} alone'
    error = body["error"]
    if not isinstance(error, dict) or set(error) != {"code", "message"}:
        return 'the error is not exactly {"code", "message"}'
    if not all(isinstance(error[key], str) and error[key] for key in ("code", "message")):
        return "code and message are not both non-empty strings"
    return None


def _stream_errors(text: str) -> list[Any]:
    """The payloads of a stream's error events: ``event: error`` (``/v1/ask/stream``) or an
    unnamed ``data: {"error": ...}`` (the OpenAI-style stream)."""
    found = []
    for block in text.split("\n\n"):
        lines = block.splitlines()
        names = [line[len("event:") :].strip() for line in lines if line.startswith("event:")]
        data = "\n".join(line[len("data:") :].strip() for line in lines if line.startswith("data:"))
        if not data or data == "[DONE]":
            continue
        try:
            payload = json.loads(data)
        except ValueError:
            continue
        if names == ["error"] or (isinstance(payload, dict) and "error" in payload):
            found.append(payload)
    return found


@schemathesis.check
def error_shape(ctx, response, case) -> bool | None:
    """4xx/5xx bodies are the documented error object; streams carry no internal error."""
    content_type = (response.headers.get("content-type") or [""])[0]
    if response.status_code >= 400:
        if not content_type.startswith("application/json"):
            raise AssertionError(f"{response.status_code} error sent as {content_type!r}")
        try:
            body = json.loads(response.content)
        except ValueError:
            raise AssertionError(f"{response.status_code} error body is not JSON") from None
        problem = _shape_problem(body)
        if problem:
            raise AssertionError(f"{response.status_code} error body: {problem}")
        return True
    if content_type.startswith("text/event-stream"):
        for payload in _stream_errors(response.content.decode("utf-8", "replace")):
            problem = _shape_problem(payload)
            if problem:
                raise AssertionError(f"stream error event: {problem}")
            if payload["error"]["code"] == "internal_error":
                raise AssertionError(f"stream failed after 200: {payload['error']['message']}")
    return None


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    mutated_file_type = "violates `type` at /properties/file" in (failure.message or "")
    return not (
        isinstance(failure, AcceptedNegativeData)
        and case.operation.label == "POST /v1/documents"
        and mutated_file_type
    )
