"""Streaming, conversations, the OpenAI-compatible endpoint and uploads, over real HTTP.

All against the session's live server. Its store is shared by every API test, so whatever a
test uploads it deletes again (in ``finally``).
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest

from assistant.settings import Settings

pytestmark = pytest.mark.slow

CRS = "What was the CRS rate in LINKER-SMM1?"
MADE_UP = """---
title: ZEPHYR-7 Interim Results
trial: ZEPHYR-7
source_type: abstract
---
# ZEPHYR-7 interim results

ZEPHYR-7 is a made-up phase 2 trial of quillotamab in relapsed myeloma.

In ZEPHYR-7, the overall response rate with quillotamab was 55% (22 of 40 evaluable patients).

Grade 3 or higher neutropenia occurred in 15% of ZEPHYR-7 patients.
"""


def events(client: httpx.Client, body: dict) -> list[tuple[str, dict]]:
    """POST /v1/ask/stream and read the server-sent events as they arrive."""
    out = []
    with client.stream("POST", "/v1/ask/stream", json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                out.append((name, json.loads(line[len("data: ") :])))
    return out


def check_quotes(client: httpx.Client, citations: list[dict]) -> None:
    for c in citations:
        text = client.get(f"/v1/documents/{c['doc_id']}").json()["text"]
        assert text[c["start"] : c["end"]] == c["quote"]


def without_id(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k != "conversation_id"}


# -- streaming -----------------------------------------------------------------------------


def test_stream_sends_meta_sentences_answer_done_and_matches_ask(http):
    got = events(http, {"question": CRS, "conversation_id": f"s-{uuid.uuid4().hex}"})
    names = [name for name, _ in got]
    assert names[0] == "meta" and names[-2:] == ["answer", "done"]
    assert set(names[1:-2]) == {"sentence"} and len(names) >= 4
    meta, final = got[0][1], got[-2][1]
    assert meta["standalone_question"] == meta["question"] == CRS
    assert final["conversation_id"] == meta["conversation_id"]

    # The sentences are the answer, in order, each with exactly the citations it refers to.
    sentences = [data for name, data in got if name == "sentence"]
    assert [s["index"] for s in sentences] == list(range(len(sentences)))
    assert "".join(s["text"] for s in sentences) == final["answer"]
    by_n = {c["n"]: c for c in final["citations"]}
    for s in sentences:
        markers = [int(n) for n in dict.fromkeys(re.findall(r"\[(\d+)\]", s["text"]))]
        assert s["citations"] == [by_n[n] for n in markers]
    assert "42%" in sentences[0]["text"] and sentences[0]["citations"]
    check_quotes(http, final["citations"])

    # The final answer is what /v1/ask returns for the same question.
    asked = http.post("/v1/ask", json={"question": CRS, "conversation_id": f"a-{uuid.uuid4().hex}"})
    assert without_id(final) == without_id(asked.json())


def test_stream_refuses_an_unanswerable_request_before_it_opens(http):
    response = http.post("/v1/ask/stream", json={"question": "x" * 2100})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input" and "2000" in response.text
    assert http.post("/v1/ask/stream", json={}).json()["error"]["code"] == "invalid_request"


# -- conversations -------------------------------------------------------------------------


def ask(http, question, conversation_id=None):
    body = {"question": question} | (
        {"conversation_id": conversation_id} if conversation_id else {}
    )
    response = http.post("/v1/ask", json=body)
    assert response.status_code == 200, response.text
    return response.json(), unquote(response.headers["x-trialqa-standalone-question"])


def test_follow_ups_are_rewritten_and_turns_keep_their_citations(http):
    first, standalone = ask(http, "What was the overall response rate in LINKER-SMM1?")
    cid = first["conversation_id"]
    assert standalone == first["question"] and "100%" in first["answer"]

    # Before: "and the CRS rate?"  After: "What was the CRS rate in LINKER-SMM1?"
    second, standalone = ask(http, "and the CRS rate?", cid)
    assert standalone == "What was the CRS rate in LINKER-SMM1?"
    assert second["question"] == "and the CRS rate?"  # the Answer keeps the user's words
    assert second["standalone_question"] == standalone  # ... and carries what was answered
    assert "42%" in second["answer"] and not second["abstained"]
    assert second["citations"][0]["doc_id"].startswith("linker-smm1")

    # Before: "what about in AQUILA?"  After: the previous question with the trial replaced.
    third, standalone = ask(http, "what about in AQUILA?", cid)
    assert standalone == "What was the CRS rate in AQUILA?"
    assert third["conversation_id"] == cid

    # Streamed follow-ups resolve against the same turns.
    streamed = events(http, {"question": "And the 60-month PFS?", "conversation_id": cid})
    assert streamed[0][1]["standalone_question"] == "What was the 60-month PFS in AQUILA?"
    fourth = streamed[-2][1]
    assert "63.1%" in fourth["answer"]

    conversation = http.get(f"/v1/conversations/{cid}").json()
    turns = conversation["turns"]
    assert conversation["conversation_id"] == cid and [t["n"] for t in turns] == [1, 2, 3, 4]
    assert [t["question"] for t in turns] == [
        "What was the overall response rate in LINKER-SMM1?",
        "and the CRS rate?",
        "what about in AQUILA?",
        "And the 60-month PFS?",
    ]
    assert turns[1]["standalone_question"] == "What was the CRS rate in LINKER-SMM1?"
    # Every turn reads back exactly as it was answered, citations and offsets included.
    assert [t["answer"] for t in turns] == [first, second, third, fourth]
    for t in turns:
        check_quotes(http, t["answer"]["citations"])


def test_follow_ups_keep_the_measure_and_general_questions_inherit_no_trial(http):
    first, _ = ask(http, "What was the overall response rate in LINKER-SMM1?")
    cid = first["conversation_id"]
    compared, standalone = ask(http, "How does that compare with AQUILA?", cid)
    expected = "How does the overall response rate in LINKER-SMM1 compare with AQUILA?"
    assert standalone == compared["standalone_question"] == expected
    assert not compared["abstained"]
    assert "100%" in compared["answer"] and "63.4%" in compared["answer"]
    cited = {c["doc_id"].split("-")[0] for c in compared["citations"]}
    assert {"linker", "aquila"} <= cited  # both trials' own documents

    general = "Should high-risk smoldering myeloma be treated with daratumumab?"
    answered, standalone = ask(http, general, cid)
    assert standalone == answered["standalone_question"] == general  # no trial appended
    assert "searched only the documents of" not in answered["answer"]


def test_an_unknown_conversation_is_a_json_404(http):
    response = http.get("/v1/conversations/no-such-conversation")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# -- the OpenAI-compatible endpoint, through the official client ------------------------------


@pytest.fixture(scope="module")
def openai_client(live_server):
    from openai import OpenAI

    return OpenAI(base_url=f"{live_server}/v1", api_key="unused", max_retries=0, timeout=120)


MESSAGES = [
    {"role": "system", "content": "You answer from trial reports."},
    {"role": "user", "content": "What was the overall response rate in LINKER-SMM1?"},
    {"role": "assistant", "content": "The overall response rate was 100%. [1]"},
    {"role": "user", "content": "and the CRS rate?"},
]


def test_openai_client_lists_the_model_and_gets_cited_answers(openai_client, http):
    assert [m.id for m in openai_client.models.list()] == ["trialqa-extractive"]
    completion = openai_client.chat.completions.create(
        model="trialqa-extractive", messages=MESSAGES, temperature=0.3, max_tokens=200
    )
    message = completion.choices[0].message
    assert message.role == "assistant" and completion.choices[0].finish_reason == "stop"
    assert "42%" in message.content and "[1]" in message.content
    extra = completion.model_extra
    assert extra["standalone_question"] == "What was the CRS rate in LINKER-SMM1?"
    assert extra["abstained"] is False
    citations = extra["citations"]
    assert citations == message.model_extra["citations"]
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", message.content)}
    assert markers == {c["n"] for c in citations}
    check_quotes(http, citations)


def test_openai_client_streams_the_same_answer_with_citations_last(openai_client):
    stream = openai_client.chat.completions.create(model="anything", messages=MESSAGES, stream=True)
    chunks = list(stream)  # the client stops at data: [DONE]
    assert chunks[0].choices[0].delta.role == "assistant"
    content = "".join(c.choices[0].delta.content or "" for c in chunks)
    final = chunks[-1]
    assert final.choices[0].finish_reason == "stop"
    full = openai_client.chat.completions.create(model="x", messages=MESSAGES)
    assert content == full.choices[0].message.content
    assert final.model_extra["citations"] == full.model_extra["citations"]
    assert final.model_extra["calculations"] == full.model_extra["calculations"]
    # Each sentence's chunk already carries the citations its markers refer to.
    sentence_chunks = [c for c in chunks if c.choices[0].delta.content]
    assert all(c.choices[0].delta.model_extra["citations"] for c in sentence_chunks)


def test_chat_completions_errors_keep_the_json_shape(http):
    none = http.post(
        "/v1/chat/completions", json={"messages": [{"role": "system", "content": "hi"}]}
    )
    assert none.status_code == 422 and none.json()["error"]["code"] == "invalid_input"
    empty = http.post("/v1/chat/completions", json={"messages": []})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "invalid_request"


USER = {"role": "user", "content": "What was the CRS rate?"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"messages": [USER] * 101}, "messages"),
        ({"messages": [{"role": "narrator", "content": "hi"}]}, "role"),
        ({"messages": [USER], "model": "m" * 257}, "model"),
        ({"messages": [{"role": "user", "content": "x" * 100_001}]}, "content"),
        ({"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}] * 101}]},
         "content"),
        ({"messages": [USER], "filters": {"trial": ["a"] * 21}}, "filters"),
        # Found by tests/api/test_fuzz.py: a lone surrogate, in the text or in a text part,
        # reached the embedder and was a 500 (or, streaming, a 200 whose stream broke).
        ('{"messages": [{"role": "user", "content": "CRS? \\ud800"}]}', "content"),
        ('{"messages": [{"role": "user", "content": [{"type": "text", "text": "\\udfff"}]}],'
         ' "stream": true}', "content"),
    ],
)  # fmt: skip
def test_chat_request_bounds_are_422s_naming_the_field(http, body, field):
    if isinstance(body, str):
        response = http.post(
            "/v1/chat/completions", content=body, headers={"content-type": "application/json"}
        )
    else:
        response = http.post("/v1/chat/completions", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and field in error["message"]


# -- documents: upload and delete ------------------------------------------------------------


def upload(http, name: str, data: bytes) -> httpx.Response:
    return http.post("/v1/documents", files={"file": (name, data, "text/plain")})


def remove(http, doc_id: str) -> None:
    http.delete(f"/v1/documents/{doc_id}")


def test_upload_ask_and_delete_a_document(http, server_store):
    uploads = server_store / "uploads"
    response = upload(http, "zephyr-7-results.txt", MADE_UP.encode())
    body = response.json()
    try:
        assert response.status_code == 200, body
        assert body["status"] == "added" and body["doc_id"] == "zephyr-7-results"
        assert body["title"] == "ZEPHYR-7 Interim Results" and body["chunks"] >= 1
        assert (uploads / "zephyr-7-results.txt").read_text() == MADE_UP
        ids = [d["doc_id"] for d in http.get("/v1/documents").json()["documents"]]
        assert "zephyr-7-results" in ids

        answer, _ = ask(http, "What was the overall response rate in ZEPHYR-7?")
        assert "55%" in answer["answer"] and answer["citations"][0]["doc_id"] == "zephyr-7-results"
        check_quotes(http, answer["citations"])
        assert (
            upload(http, "zephyr-7-results.txt", MADE_UP.encode()).json()["status"] == "unchanged"
        )
    finally:
        deleted = http.delete("/v1/documents/zephyr-7-results")
    assert deleted.status_code == 200 and deleted.json() == {
        "doc_id": "zephyr-7-results",
        "deleted": True,
    }
    assert not (uploads / "zephyr-7-results.txt").exists()
    assert http.get("/v1/documents/zephyr-7-results").status_code == 404
    again = http.delete("/v1/documents/zephyr-7-results")
    assert again.status_code == 404 and again.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "name",
    [
        "../../zq-escape.txt",
        "..\\..\\zq-escape.txt",
        "/tmp/zq-escape.txt",
        "uploads/../../zq-escape.txt",
    ],
)
def test_uploaded_file_names_never_leave_the_upload_folder(http, server_store, name):
    before = {p for p in server_store.parent.rglob("zq-escape*")}
    response = upload(
        http, name, b"ZQ-ESCAPE notes.\n\nThe ZQ-ESCAPE trial enrolled 12 patients.\n"
    )
    body = response.json()
    try:
        assert response.status_code == 200, body
        assert body["filename"] == "zq-escape.txt"
        stored = Path(body["source"])
        if not stored.is_absolute():
            stored = Path(__file__).resolve().parents[2] / stored
        assert stored.resolve() == (server_store / "uploads" / "zq-escape.txt").resolve()
        created = {p for p in server_store.parent.rglob("zq-escape*")} - before
        assert created == {server_store / "uploads" / "zq-escape.txt"}
        assert not Path("/tmp/zq-escape.txt").exists()
    finally:
        remove(http, body.get("doc_id", "zq-escape"))


@pytest.mark.parametrize(
    ("name", "data", "status", "code"),
    [
        ("notes.exe", b"MZ binary", 415, "unsupported_format"),
        ("../../../etc/passwd", b"root:x:0:0", 415, "unsupported_format"),
        ("slides.pptx", b"PK", 415, "unsupported_format"),
        ("empty.txt", b"   \n", 422, "ingest_error"),
    ],
)
def test_uploads_that_cannot_be_ingested_are_refused(http, server_store, name, data, status, code):
    before = http.get("/readyz").json()
    response = upload(http, name, data)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code and response.json()["error"]["message"]
    assert http.get("/readyz").json() == before
    uploads = server_store / "uploads"
    assert not uploads.exists() or not list(uploads.iterdir())  # nothing kept, not even a temp


def test_an_upload_over_the_limit_is_413(http):
    limit = Settings().api.max_upload_mb * 1024 * 1024
    response = upload(http, "huge.txt", b"a" * (limit + 1))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert http.get("/v1/documents/huge").status_code == 404


def test_new_routes_are_in_openapi(http):
    paths = http.get("/openapi.json").json()["paths"]
    assert {"post"} <= set(paths["/v1/ask/stream"])
    assert {"get", "delete"} <= set(paths["/v1/documents/{doc_id}"])
    assert {"get", "post"} <= set(paths["/v1/documents"])
    assert "/v1/chat/completions" in paths and "/v1/models" in paths
    assert "/v1/conversations/{conversation_id}" in paths
    upload_body = paths["/v1/documents"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload_body
