"""Chat API behaviour that needs no model: errors after a stream opened arrive as events in the
JSON error shape; the standalone-question header survives any text."""

import json
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.routes.ask import header_value
from assistant.conversation.service import Conversations, ConversationStore
from assistant.errors import RetrievalError


class FailingEngine:
    def __init__(self, error):
        self.error = error

    def answer(self, question, *, k=None, filters=None, conversation_id=None):
        raise self.error


@pytest.fixture(params=[RetrievalError("the store is unreachable"), RuntimeError("secret detail")])
def client(request, tmp_path):
    app = create_app()
    conversations = Conversations(
        FailingEngine(request.param), ConversationStore(tmp_path / "c.sqlite3"), lambda t: [], 200
    )
    app.state.services = SimpleNamespace(conversations=conversations)
    # Not entered as a context manager, so the lifespan (which loads the model) never runs.
    return TestClient(app), request.param


def read(response) -> list[tuple[str | None, dict | str]]:
    out, name = [], None
    for line in response.text.splitlines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            payload = line[6:]
            out.append((name, payload if payload == "[DONE]" else json.loads(payload)))
    return out


def test_ask_stream_ends_with_an_error_event(client):
    c, error = client
    response = c.post("/v1/ask/stream", json={"question": "What was the ORR?"})
    assert response.status_code == 200
    events = read(response)
    assert [name for name, _ in events] == ["meta", "error"]
    body = events[-1][1]
    expected = "retrieval_error" if isinstance(error, RetrievalError) else "internal_error"
    assert body["error"]["code"] == expected and body["error"]["message"]
    assert "secret detail" not in response.text and "Traceback" not in response.text


def test_chat_completion_stream_ends_with_an_error_chunk(client):
    c, _ = client
    response = c.post(
        "/v1/chat/completions",
        json={"model": "x", "stream": True, "messages": [{"role": "user", "content": "ORR?"}]},
    )
    events = read(response)
    assert events[0][1]["choices"][0]["delta"]["role"] == "assistant"
    assert set(events[-1][1]) == {"error"} and "secret detail" not in response.text


@pytest.mark.parametrize(
    "question",
    ["What was the 95% CI of the ORR in E3A06?", "Was it 50%AB?", "Ça va, Müller – 5 ≥ 3?"],
)
def test_the_standalone_header_round_trips(question):
    from urllib.parse import unquote

    value = header_value(question)
    value.encode("latin-1")  # a valid header value
    assert unquote(value) == question
