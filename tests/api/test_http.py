"""The real app, served by uvicorn in a subprocess, called over HTTP."""

import pytest

from ingest.loaders import supported
from tests.conftest import CORPUS

pytestmark = pytest.mark.slow

CONTRACT = {"question", "answer", "abstained", "citations", "calculations", "conversation_id",
            "composer", "warnings", "verdict", "decision", "standalone_question", "table"}  # fmt: skip
CITATION = {"n", "doc_id", "title", "source", "chunk_id", "start", "end", "quote",
            "source_type", "publisher", "date", "date_precision", "url"}  # fmt: skip


def test_health_and_readiness(http):
    assert http.get("/healthz").json() == {"status": "ok"}
    ready = http.get("/readyz").json()
    shipped = sum(1 for p in CORPUS.rglob("*") if p.is_file() and supported(p))
    assert ready["ready"] and ready["model_loaded"] and ready["documents"] == shipped
    assert ready["chunks"] > shipped


def test_ask_returns_the_contract_with_exact_quotes(http):
    response = http.post(
        "/v1/ask", json={"question": "What was the overall response rate in LINKER-SMM1?"}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == CONTRACT
    assert not body["abstained"] and "100%" in body["answer"]
    assert body["conversation_id"]
    for citation in body["citations"]:
        assert set(citation) == CITATION
        text = http.get(f"/v1/documents/{citation['doc_id']}").json()["text"]
        assert text[citation["start"] : citation["end"]] == citation["quote"]


def test_ask_echoes_conversation_and_honours_filters(http):
    body = http.post(
        "/v1/ask",
        json={"question": "What was the CRS rate in LINKER-SMM1?", "conversation_id": "c-1", "top_k": 3,
              "filters": {"doc_id": "linker-smm1-interview"}},
    ).json()  # fmt: skip
    assert body["conversation_id"] == "c-1" and "42%" in body["answer"]
    other = http.post(
        "/v1/ask",
        json={"question": "What was the CRS rate in LINKER-SMM1?", "filters": {"trial": "AQUILA"}},
    )
    assert other.json()["abstained"] is True


def test_abstains_over_http(http):
    body = http.post(
        "/v1/ask", json={"question": "What was the progression-free survival in LINKER-SMM1?"}
    ).json()
    assert body["abstained"] is True and "progression-free" in body["answer"]


def test_search_returns_offsets(http):
    body = http.get("/v1/search", params={"q": "cytokine release syndrome", "k": 2}).json()
    assert len(body["results"]) == 2
    hit = body["results"][0]
    text = http.get(f"/v1/documents/{hit['doc_id']}").json()["text"]
    assert text[hit["start"] : hit["end"]] == hit["text"] and "cytokine" in hit["text"]


def test_search_honours_filters(http):
    kept = http.get("/v1/search", params={"q": "infection", "trial": "LINKER-SMM1"}).json()[
        "results"
    ]
    assert kept and all(hit["doc_id"].startswith("linker-smm1-") for hit in kept)
    registry = http.get("/v1/search", params={"q": "infection", "source_type": "registry"})
    assert {hit["doc_id"] for hit in registry.json()["results"]} <= {
        "nct01642004",
        "nct01207388",
        "nct02210780",
    }
    assert (
        http.get("/v1/search", params={"q": "infection", "nct_id": "NCT00000000"}).json()["results"]
        == []
    )


def test_concurrent_questions_all_answer_correctly(live_server):
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    questions = {"What was the CRS rate in LINKER-SMM1?": "42%", "What was the overall response rate in LINKER-SMM1?": "100%",
                 "What is the NCT number of LINKER-SMM1?": "NCT05955508"}  # fmt: skip

    def ask(question):
        with httpx.Client(base_url=live_server, timeout=120) as client:
            return question, client.post("/v1/ask", json={"question": question})

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(ask, list(questions) * 8))
    for question, response in results:
        assert response.status_code == 200
        assert questions[question] in response.json()["answer"]


def test_documents_list_and_detail(http):
    docs = http.get("/v1/documents").json()["documents"]
    ids = [d["doc_id"] for d in docs]
    assert "linker-smm1-interview" in ids and "nct01642004" in ids and ids == sorted(ids)
    detail = http.get("/v1/documents/linker-smm1-interview").json()
    assert detail["metadata"]["nct_id"] == "NCT05955508" and detail["chars"] == len(detail["text"])


X = {"question": "x"}


@pytest.mark.parametrize(
    ("method", "path", "payload", "status", "code"),
    [
        ("post", "/v1/ask", {"question": ""}, 422, "invalid_input"),
        ("post", "/v1/ask", {"question": "   "}, 422, "invalid_input"),
        ("post", "/v1/ask", {"question": "why? " * 1000}, 422, "invalid_input"),
        ("post", "/v1/ask", {}, 422, "invalid_request"),
        ("post", "/v1/ask", {"question": "x", "top_k": 0}, 422, "invalid_request"),
        ("post", "/v1/ask", {"question": "x", "unknown": 1}, 422, "invalid_request"),
        ("post", "/v1/ask", "not json", 422, "invalid_request"),
        # Found by tests/api/test_fuzz.py: bytes that are not UTF-8 were a 400 in FastAPI's shape,
        # and a lone surrogate (valid JSON, not encodable) crashed the embedder with a 500.
        ("post", "/v1/ask", b'\xff"', 422, "invalid_request"),
        ("post", "/v1/ask", '{"question": "What was the ORR \\ud800?"}', 422, "invalid_request"),
        ("post", "/v1/ask/stream", '{"question": "ORR? \\udfff"}', 422, "invalid_request"),
        # Bounds: over-long or oversized parts of a request are refused, naming the field.
        ("post", "/v1/ask", {"question": "x" * 100_001}, 422, "invalid_request"),
        ("post", "/v1/ask", {**X, "conversation_id": "c" * 129}, 422, "invalid_request"),
        ("post", "/v1/ask", {**X, "filters": {"trial": ["a"] * 21}}, 422, "invalid_request"),
        ("post", "/v1/ask", {**X, "filters": {"doc_id": "d" * 201}}, 422, "invalid_request"),
        ("post", "/v1/ask", {**X, "filters": {"trail": "AQUILA"}}, 422, "invalid_request"),
        ("get", "/v1/search?q=x" + "&trial=a" * 21, None, 422, "invalid_request"),
        ("get", "/v1/conversations/" + "c" * 129, None, 422, "invalid_request"),
        ("get", "/v1/documents/no-such-doc", None, 404, "not_found"),
        ("get", "/v1/search?q=", None, 422, "invalid_request"),
        ("get", "/v1/nowhere", None, 404, "not_found"),
        ("delete", "/healthz", None, 405, "method_not_allowed"),
    ],
)
def test_bad_requests_get_json_errors(http, method, path, payload, status, code):
    if isinstance(payload, str | bytes):
        response = http.request(
            method, path, content=payload, headers={"content-type": "application/json"}
        )
    else:
        response = http.request(method, path, json=payload)
    assert response.status_code == status
    body = response.json()
    assert body["error"]["code"] == code and body["error"]["message"]
    assert "Traceback" not in response.text


def test_a_method_not_allowed_says_which_are(http):
    # Found by tests/api/test_fuzz.py: the 405 dropped Starlette's Allow header (RFC 9110).
    response = http.request("TRACE", "/v1/documents")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_bad_requests_leave_the_store_as_it_was(http):
    before = http.get("/readyz").json()
    http.post("/v1/ask", json={"question": ""})
    http.get("/v1/documents/../../etc/passwd")
    assert http.get("/readyz").json() == before


def test_openapi_and_page(http):
    assert http.get("/docs").status_code == 200
    paths = http.get("/openapi.json").json()["paths"]
    assert {
        "/v1/ask",
        "/v1/search",
        "/v1/documents",
        "/v1/documents/{doc_id}",
        "/healthz",
        "/readyz",
    } <= set(paths)
    page = http.get("/")
    assert page.status_code == 200 and "<form" in page.text
    assert http.get("/static/app.js").status_code == 200


@pytest.mark.parametrize(
    "question",
    [
        "What is the 95% CI for the ORR in LINKER-SMM1?",
        "Compare serious adverse events between arms in NCT02210780",
        "If 12 of 24 patients responded with drug A and 9 of 24 with drug B, compare the arms.",
    ],
)
def test_numeric_answers_over_http_trace_every_number(http, question):
    from assistant.answering.verify import verify

    body = http.post("/v1/ask", json={"question": question}).json()
    assert not body["abstained"] and body["calculations"], body
    for calc in body["calculations"]:
        assert all(1 <= n <= len(body["citations"]) for n in calc["cited"])
    quotes = [c["quote"] for c in body["citations"]]
    assert verify(body["answer"], quotes, [c["text"] for c in body["calculations"]]).ok


def test_a_yes_no_question_gets_a_decision_resting_on_its_quotes(http):
    body = http.post(
        "/v1/ask", json={"question": "Did daratumumab reduce the risk of progression in AQUILA?"}
    ).json()
    decision = body["decision"]
    assert decision is not None and decision["label"] == "yes", body
    quotes = {c["n"]: c["quote"] for c in body["citations"]}
    assert decision["cited"] and set(decision["cited"]) <= set(quotes)
    assert decision["cues"] and all(
        any(cue in quotes[n] for n in decision["cited"]) for cue in decision["cues"]
    )
    assert body["answer"].startswith("Yes, by the cited evidence")
    other = http.post("/v1/ask", json={"question": "What was the overall response rate in "
                                                   "LINKER-SMM1?"}).json()  # fmt: skip
    assert other["decision"] is None
