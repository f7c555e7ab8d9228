"""``GET /v1/suggestions`` over real HTTP (the real model, a real Chroma store of the shipped
corpus, ``trialqa serve``): questions drawn from what is indexed, answerable, filtered like
``/v1/ask``, following uploads and deletes, and bad requests refused in the one error shape."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.api.test_conversations import assert_error

pytestmark = pytest.mark.slow

# A word each kind's documents must contain (a looser check than the server's own).
KIND_WORDS = {
    "primary_endpoint": r"primary",
    "enrollment": r"enrol|randomi|participants",
    "response": r"response",
    "progression": r"progression|PFS",
    "safety": r"grade|serious",
}
TEMPLATES = [
    r"What was the primary endpoint of (?P<s>.+)\?",
    r"How many patients were enrolled in (?P<s>.+)\?",
    r"What was the overall response rate in (?P<s>.+)\?",
    r"What was the progression-free survival in (?P<s>.+)\?",
    r"What were the grade 3 or higher adverse events in (?P<s>.+)\?",
]


def suggest(http, **params) -> list[dict]:
    response = http.get("/v1/suggestions", params=params)
    assert response.status_code == 200, response.text
    return response.json()["suggestions"]


def trials_of(documents: list[dict]) -> dict[str, set[str]]:
    """Trial name -> its documents, read from the documents' metadata."""
    out: dict[str, set[str]] = {}
    for d in documents:
        value = d["metadata"].get("trial")
        for name in value if isinstance(value, list) else [value]:
            if name:
                out.setdefault(name, set()).add(d["doc_id"])
    return out


def subject(question: str) -> str:
    for template in TEMPLATES:
        if m := re.fullmatch(template, question):
            return m.group("s")
    raise AssertionError(f"not a suggestion's wording: {question!r}")


def test_questions_name_indexed_trials_whose_documents_state_what_is_asked(http):
    documents = http.get("/v1/documents").json()["documents"]
    trials = trials_of(documents)
    texts = {
        d["doc_id"]: http.get(f"/v1/documents/{d['doc_id']}").json()["text"] for d in documents
    }

    first = suggest(http)
    assert len(first) == 4  # the default
    assert suggest(http) == first  # deterministic
    assert len({s["trial"] for s in first}) == 4  # four trials, not four questions about one
    every = suggest(http, limit=20)
    assert every[:4] == first and len(every) == 20
    assert len({s["question"] for s in every}) == 20
    assert len({s["kind"] for s in every}) == len(KIND_WORDS)
    for s in every:
        assert subject(s["question"]) == s["trial"] and s["trial"] in trials
        assert s["doc_ids"] and set(s["doc_ids"]) <= trials[s["trial"]]
        assert any(re.search(KIND_WORDS[s["kind"]], texts[d], re.I) for d in s["doc_ids"]), s
    # Documents that state none of it (risk-model reviews, a trial's design notes) get none.
    stated = {s["trial"] for s in every}
    assert not stated & {"IMWG 2020 risk score", "Mayo 20/2/20", "CAR-PRISM"}
    assert suggest(http, trial="CAR-PRISM") == []


def test_the_first_suggestions_are_answered_from_their_trial(http):
    documents = http.get("/v1/documents").json()["documents"]
    trials = trials_of(documents)
    for s in suggest(http):
        answer = http.post("/v1/ask", json={"question": s["question"]}).json()
        assert not answer["abstained"], (s["question"], answer["answer"])
        cited = {c["doc_id"] for c in answer["citations"]}
        assert cited and cited <= trials[s["trial"]], (s["question"], cited)


def test_filters_keep_the_trial_source_type_or_document(http):
    aquila = suggest(http, trial="aquila", limit=20)  # without regard to case
    assert aquila and {s["trial"] for s in aquila} == {"AQUILA"}
    assert len(aquila) == len(KIND_WORDS)
    registry = {
        d["doc_id"]
        for d in http.get("/v1/documents").json()["documents"]
        if d["metadata"].get("source_type") == "registry"
    }
    from_registry = suggest(http, source_type="registry", limit=20)
    assert from_registry and all(set(s["doc_ids"]) <= registry for s in from_registry)
    one = suggest(http, doc_id="linker-smm1-interview", limit=20)
    assert one and all(s["doc_ids"] == ["linker-smm1-interview"] for s in one)
    assert {s["trial"] for s in one} == {"LINKER-SMM1"}
    both = suggest(http, trial=["AQUILA", "E3A06"], limit=20)
    assert {s["trial"] for s in both} == {"AQUILA", "E3A06"}
    assert suggest(http, doc_id="no-such-document") == []
    assert suggest(http, trial="AQUILA", source_type="registry") == []


UPLOADED_TRIAL = """---
id: zephyr-{tag}
title: "Zephyr-{tag}: a made-up trial"
trial: Zephyr-{tag}
source_type: abstract
---
Zephyr-{tag} enrolled 212 patients. The primary endpoint was event-free survival.

The overall response rate was 58% (123 of 212).
"""


def test_uploaded_documents_are_suggested_and_deleted_ones_are_not(http):
    tag = uuid.uuid4().hex[:8]
    trial = f"Zephyr-{tag}"
    bare = f"Results of an unnamed study {tag}\n\nIn all, 48 participants were randomised.\n"
    ids = []
    try:
        for name, text in ((f"zephyr-{tag}.md", UPLOADED_TRIAL.format(tag=tag)),
                           (f"bare-{tag}.txt", bare)):  # fmt: skip
            uploaded = http.post("/v1/documents", files={"file": (name, text.encode())})
            assert uploaded.status_code == 200, uploaded.text
            ids.append(uploaded.json()["doc_id"])
        got = suggest(http, trial=trial, limit=20)
        assert [s["question"] for s in got] == [
            f"What was the primary endpoint of {trial}?",
            f"How many patients were enrolled in {trial}?",
            f"What was the overall response rate in {trial}?",
        ]
        assert trial in {s["trial"] for s in suggest(http, limit=20)}
        # A document without front matter, asked alone, is "this study".
        alone = suggest(http, doc_id=ids[1])
        assert alone == [
            {"question": "How many patients were enrolled in this study?", "kind": "enrollment",
             "trial": None, "doc_ids": [ids[1]]},
        ]  # fmt: skip
        assert all(s["trial"] for s in suggest(http, limit=20))  # unscoped, it is not asked about
    finally:
        for doc_id in ids:
            assert http.delete(f"/v1/documents/{doc_id}").status_code == 200
    assert suggest(http, trial=trial) == []
    assert trial not in {s["trial"] for s in suggest(http, limit=20)}


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=-1",
        "limit=21",
        "limit=1000",
        "limit=many",
        "limit=1.5",
        "colour=red",  # an unknown parameter
        "filters=trial",
        "trial_name=AQUILA",
        "&".join(["trial=x"] * 21),  # at most 20 values
        "doc_id=" + "x" * 201,  # of at most 200 characters
    ],
)
def test_bad_requests_are_422s_in_the_error_shape(http, query):
    assert_error(http.get(f"/v1/suggestions?{query}"), 422, "invalid_request")
