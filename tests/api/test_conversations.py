"""Listing, renaming, deleting and exporting conversations over real HTTP (the real model, a
real Chroma store, ``trialqa serve``), bad requests included, and an old conversations
database served after an upgrade."""

from __future__ import annotations

import re
import sqlite3
import uuid
from datetime import UTC, datetime

import pytest

from assistant.conversation.history import conversation_store_path
from tests.assistant.test_conversation_store import OLD_SCHEMA, markers_resolve
from tests.conftest import serving

pytestmark = pytest.mark.slow

ORR = "What was the overall response rate in LINKER-SMM1?"
AQUILA_PFS = "What was the 60-month PFS in AQUILA?"


def ask(http, question: str, conversation_id: str) -> dict:
    response = http.post("/v1/ask", json={"question": question, "conversation_id": conversation_id})
    assert response.status_code == 200, response.text
    return response.json()


def listed(http, **params) -> list[dict]:
    response = http.get("/v1/conversations", params=params)
    assert response.status_code == 200, response.text
    return response.json()["conversations"]


def assert_error(response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["message"] and "Traceback" not in response.text
    if code:
        assert body["error"]["code"] == code


def test_list_newest_updated_first_with_title_time_and_turns(http):
    first, second = f"list-1-{uuid.uuid4().hex}", f"list-2-{uuid.uuid4().hex}"
    ask(http, f"  {ORR}  ", first)
    ask(http, AQUILA_PFS, second)
    ask(http, "and the CRS rate?", first)  # first is now the most recently updated
    rows = {row["conversation_id"]: row for row in listed(http)}
    order = [cid for cid in rows if cid in (first, second)]
    assert order == [first, second]
    assert rows[first]["title"] == ORR and rows[first]["turn_count"] == 2
    assert rows[second]["title"] == AQUILA_PFS and rows[second]["turn_count"] == 1
    assert not rows[first]["renamed"]
    updated = rows[first]["updated_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)", updated), updated
    when = datetime.fromisoformat(updated.replace("Z", "+00:00"))
    assert when.tzinfo is not None and abs((datetime.now(UTC) - when).total_seconds()) < 600
    everything = listed(http)
    stamps = [row["updated_at"] for row in everything]
    assert stamps == sorted(stamps, reverse=True)
    assert len(listed(http, limit=1)) == 1


@pytest.mark.parametrize("limit", ["0", "-1", "501", "many", "1.5"])
def test_a_bad_limit_is_a_422(http, limit):
    assert_error(http.get("/v1/conversations", params={"limit": limit}), 422, "invalid_request")


def test_rename_replaces_the_title_and_bad_titles_are_422s(http):
    cid = f"rename-{uuid.uuid4().hex}"
    ask(http, ORR, cid)
    renamed = http.patch(f"/v1/conversations/{cid}", json={"title": "  Tumour board:  ORR "})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["title"] == "Tumour board: ORR" and renamed.json()["renamed"]
    row = next(r for r in listed(http) if r["conversation_id"] == cid)
    assert row["title"] == "Tumour board: ORR" and row["turn_count"] == 1
    conversation = http.get(f"/v1/conversations/{cid}").json()
    assert conversation["title"] == "Tumour board: ORR"
    assert conversation["turns"][0]["question"] == ORR  # the turns are unchanged
    for body, code in [
        ({"title": ""}, "invalid_request"),
        ({"title": "   "}, "invalid_input"),
        ({"title": "x" * 201}, "invalid_request"),
        ({"title": 7}, "invalid_request"),
        ({"title": "ok", "extra": 1}, "invalid_request"),
        ({}, "invalid_request"),
    ]:
        assert_error(http.patch(f"/v1/conversations/{cid}", json=body), 422, code)
    bad_json = http.patch(f"/v1/conversations/{cid}", content=b"{not json",
                          headers={"content-type": "application/json"})  # fmt: skip
    assert_error(bad_json, 422)
    assert http.get(f"/v1/conversations/{cid}").json()["title"] == "Tumour board: ORR"
    assert_error(http.patch("/v1/conversations/no-such-one", json={"title": "x"}), 404, "not_found")
    assert_error(http.patch("/v1/conversations/" + "c" * 129, json={"title": "x"}), 422)


def test_delete_removes_only_that_conversation(http):
    keep, drop = f"keep-{uuid.uuid4().hex}", f"drop-{uuid.uuid4().hex}"
    ask(http, ORR, keep)
    ask(http, AQUILA_PFS, drop)
    documents = http.get("/v1/documents").json()
    ready = http.get("/readyz").json()
    deleted = http.delete(f"/v1/conversations/{drop}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert_error(http.get(f"/v1/conversations/{drop}"), 404, "not_found")
    assert_error(http.delete(f"/v1/conversations/{drop}"), 404, "not_found")
    assert_error(http.get(f"/v1/conversations/{drop}/export"), 404, "not_found")
    ids = [row["conversation_id"] for row in listed(http)]
    assert drop not in ids and keep in ids
    assert len(http.get(f"/v1/conversations/{keep}").json()["turns"]) == 1
    assert http.get("/v1/documents").json() == documents  # the document store is untouched
    assert http.get("/readyz").json() == ready
    assert_error(http.delete("/v1/conversations/never-was"), 404, "not_found")
    assert_error(http.delete("/v1/conversations/" + "c" * 129), 422, "invalid_request")


def test_export_round_trip_every_marker_resolves_to_its_reference(http):
    cid = f"export-{uuid.uuid4().hex}"
    for question in [ORR, "and the CRS rate?", "what about in AQUILA?", AQUILA_PFS,
                     "What was the progression-free survival in LINKER-SMM1?"]:  # fmt: skip
        ask(http, question, cid)
    conversation = http.get(f"/v1/conversations/{cid}").json()
    response = http.get(f"/v1/conversations/{cid}/export", params={"format": "markdown"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    markdown = response.text
    markers_resolve(markdown)
    sections = re.split(r"^## \d+\. ", markdown, flags=re.M)[1:]
    assert len(sections) == len(conversation["turns"]) == 5
    for section, turn in zip(sections, conversation["turns"], strict=True):
        answer = turn["answer"]
        assert section.startswith(turn["question"])
        if turn["standalone_question"] != turn["question"]:
            assert f"*Searched as: {turn['standalone_question']}*" in section
        assert re.sub(r"\\(.)", r"\1", section).count(answer["answer"]) == 1
        for c in answer["citations"]:
            head = re.search(rf"^\[{c['n']}\] (.*)\n((?:>.*\n?)+)", section, re.M)
            assert head, (c["n"], section)
            assert f"`{c['doc_id']}`, characters {c['start']}–{c['end']}" in head.group(1)
            quote = "\n".join(line[2:] for line in head.group(2).rstrip("\n").split("\n"))
            assert re.sub(r"\\(.)", r"\1", quote) == c["quote"]  # the span, verbatim
            assert c["title"] in re.sub(r"\\(.)", r"\1", head.group(1))
        for calc in answer["calculations"]:
            assert calc["text"] in section and "inputs:" in section
    # The corpus's front matter gives the AQUILA abstract its publisher and date.
    aquila = re.search(r"^\[\d+\] .*`aquila-abstract`.*$", markdown, re.M)
    assert aquila and "2024-12-09" in aquila.group(0)
    assert "TrialQA corpus (written from public sources)" in aquila.group(0)
    one = http.get(f"/v1/conversations/{cid}/export", params={"turn": 2}).text
    assert one.startswith("## 2. and the CRS rate?") and one in markdown
    markers_resolve(one)


@pytest.mark.parametrize(
    ("params", "status"),
    [({"format": "pdf"}, 422), ({"format": ""}, 422), ({"turn": "0"}, 422),
     ({"turn": "x"}, 422), ({"turn": "99"}, 404)],
)  # fmt: skip
def test_export_bad_requests_are_json_errors(http, params, status):
    cid = f"bad-export-{uuid.uuid4().hex}"
    ask(http, ORR, cid)
    assert_error(http.get(f"/v1/conversations/{cid}/export", params=params), status)


def test_export_of_an_unknown_conversation_is_a_404(http):
    assert_error(http.get("/v1/conversations/nobody/export?format=markdown"), 404, "not_found")


def test_an_old_conversations_database_is_migrated_in_place(tmp_path):
    import httpx

    from assistant.models import Answer, Citation

    store = tmp_path / "store"
    path = conversation_store_path(store)
    path.parent.mkdir(parents=True)
    old_answer = Answer(question="Old question?", answer="It was 42%. [1]", abstained=False,
                        citations=[Citation(n=1, doc_id="gone", title="Gone", source="g.txt",
                                            chunk_id="gone#0000", start=0, end=3, quote="42%")])  # fmt: skip
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    db.execute("INSERT INTO conversations VALUES ('legacy', 1700000000.0)")
    db.execute("INSERT INTO turns VALUES ('legacy', 1, 'Old question?', 'Old question?', ?, ?)",
               (old_answer.model_dump_json(), 1700000001.0))  # fmt: skip
    db.commit()
    db.close()

    with serving(store, tmp_path / "server.log") as url, httpx.Client(base_url=url) as client:
        (row,) = client.get("/v1/conversations").json()["conversations"]
        assert row["conversation_id"] == "legacy" and row["title"] == "Old question?"
        assert row["turn_count"] == 1 and row["updated_at"].startswith("2023-11-14T22:13:21")
        turn = client.get("/v1/conversations/legacy").json()["turns"][0]
        assert Answer.model_validate(turn["answer"]) == old_answer
        markdown = client.get("/v1/conversations/legacy/export").text
        markers_resolve(markdown)
        assert "`gone`, characters 0–3\n> 42%" in markdown  # the document need not exist now
        renamed = client.patch("/v1/conversations/legacy", json={"title": "Kept"})
        assert renamed.status_code == 200 and renamed.json()["title"] == "Kept"
    db = sqlite3.connect(path)
    assert [r[1] for r in db.execute("PRAGMA table_info(conversations)")] == [
        "id", "created_at", "title"]  # fmt: skip
    assert db.execute("SELECT * FROM conversations").fetchall() == [
        ("legacy", 1700000000.0, "Kept")]  # fmt: skip
    assert db.execute("SELECT question, answer_json FROM turns").fetchall() == [
        ("Old question?", old_answer.model_dump_json())]  # fmt: skip
