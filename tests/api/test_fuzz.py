"""Schemathesis against the real server: every operation in /openapi.json, generated requests.

The server runs over a store of its own (three shipped documents, so questions find passages),
since the run uploads and deletes documents. Checks (tests/api/fuzz.toml): no 5xx; status
codes, content types, headers and bodies as the schema documents them, server-sent events
included, each event checked against its schema; schema-violating requests refused;
undeclared methods answered 405 with ``Allow``; a deleted document gone; and every error the
one JSON shape (``error_shape`` in tests/api/fuzz_hooks.py).

``TRIALQA_FUZZ_EXAMPLES`` (default 25) sets the examples per operation and phase, about 20 s
of requests here; ``make fuzz`` runs 500 with a random seed. ``TRIALQA_FUZZ_SEED`` fixes the
seed (default 20251126; ``random`` for a new one each run).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import CORPUS, make_settings, run_cli, serving

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "fuzz.toml"
DOCUMENTS = [
    CORPUS / "linker-smm1-interview.txt",
    CORPUS / "trials" / "aquila-abstract.md",
    CORPUS / "trials" / "car-prism-qa.txt",
]
# The operations the issue names; the run must reach each of them.
MUST_FUZZ = {
    ("POST", "/v1/ask"),
    ("POST", "/v1/ask/stream"),
    ("POST", "/v1/chat/completions"),
    ("POST", "/v1/documents"),
    ("DELETE", "/v1/documents/{doc_id}"),
    ("GET", "/v1/search"),
    ("GET", "/v1/suggestions"),
    ("POST", "/v1/calculate/response_rate"),
    ("POST", "/v1/calculate/compare_arms"),
}


def _examples() -> int:
    return int(os.environ.get("TRIALQA_FUZZ_EXAMPLES", "25"))


def _seed_args() -> list[str]:
    seed = os.environ.get("TRIALQA_FUZZ_SEED", "20251126")
    return [] if seed == "random" else ["--seed", seed]


def _clip(text: str, width: int = 400) -> str:
    """Schemathesis prints each failing request as a curl line, whole; keep lines readable."""
    return "\n".join(
        line if len(line) <= width else line[:width] + " …" for line in text.splitlines()
    )


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


def _summary(output: str) -> str:
    """The run's SUMMARY block (operations, phases, failures, test cases, seed)."""
    start = output.rfind("SUMMARY")
    summary = output[output.rfind("\n", 0, start) + 1 :] if start >= 0 else output[-3000:]
    return "\n".join(line for line in summary.splitlines() if line.strip())


@pytest.mark.slow
def test_schemathesis_finds_nothing_in_any_operation(tmp_path):
    store = tmp_path / "store"
    ingested = run_cli("ingest", *map(str, DOCUMENTS), store=store)
    assert ingested.returncode == 0, ingested.stderr
    server_log = tmp_path / "server.log"
    with serving(store, server_log) as url:
        schema = httpx.get(f"{url}/openapi.json", timeout=30).json()
        operations = {(m.upper(), p) for p, item in schema["paths"].items() for m in item}
        assert operations >= MUST_FUZZ
        started = time.monotonic()
        command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG)]
        command += ["run", f"{url}/openapi.json", "--max-examples", str(_examples()), *_seed_args()]
        command += ["--workers", "1", "--request-timeout", "30", "--generation-database", "none"]
        # A request that never ends (a server stuck computing) must fail the test, not hang it.
        budget = 300 + 6 * _examples()
        try:
            run = subprocess.run(
                [*command, "--no-color"],
                env={**os.environ, "SCHEMATHESIS_HOOKS": str(HERE / "fuzz_hooks.py")},
                cwd=tmp_path,  # nothing lands in the checkout
                capture_output=True,
                text=True,
                timeout=budget,
            )
        except subprocess.TimeoutExpired as stuck:
            partial = stuck.stdout or ""
            if isinstance(partial, bytes):
                partial = partial.decode("utf-8", "replace")
            alive = _answers(url)
            pytest.fail(
                f"schemathesis still running after {budget} s; the server "
                f"{'still answers' if alive else 'no longer answers /healthz'}\n{_clip(partial)}"
            )
        elapsed = time.monotonic() - started
    output = _clip(run.stdout + run.stderr)
    print(_summary(output))
    print(f"schemathesis: {elapsed:.0f} s, {_examples()} examples per operation and phase")
    assert run.returncode == 0, output
    tested = re.search(r"Tested: (\d+)", output)
    assert tested and int(tested.group(1)) == len(operations), output
    assert re.search(r"\d+ generated, \d+ passed", output), output
    log = server_log.read_text()
    assert "unhandled error" not in log and "Traceback" not in log, log[-5000:]


# -- the schema itself: fast, no server ----------------------------------------------------


@pytest.fixture(scope="module")
def openapi(tmp_path_factory) -> dict:
    from api.main import create_app

    return create_app(make_settings(tmp_path_factory.mktemp("openapi-store"))).openapi()


def _operations(openapi: dict):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def test_every_error_response_is_documented_with_the_error_shape(openapi):
    error_ref = "#/components/schemas/ErrorResponse"
    for method, path, operation in _operations(openapi):
        for status, response in operation["responses"].items():
            if int(status) < 400 or (path, status) == ("/readyz", "503"):  # readiness, not error
                continue
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": error_ref}, (method, path, status, schema)
    # FastAPI's own 422 shape ({"detail": [...]}) is never what the API sends.
    assert "HTTPValidationError" not in openapi["components"]["schemas"]


def test_every_operation_with_inputs_documents_422(openapi):
    for method, path, operation in _operations(openapi):
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in operation["responses"], (method, path)


def test_streams_document_each_event_with_its_schema(openapi):
    ask = openapi["paths"]["/v1/ask/stream"]["post"]["responses"]["200"]["content"]
    events = ask["text/event-stream"]["schema"]["anyOf"]
    names = [e["properties"]["event"]["const"] for e in events]
    assert names == ["meta", "sentence", "answer", "done", "error"]
    answer = events[2]["properties"]["data"]
    assert answer["contentMediaType"] == "application/json"
    assert {"question", "answer", "citations"} <= set(answer["contentSchema"]["properties"])
    chat = openapi["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]
    assert "application/json" in chat
    (chunk,) = chat["text/event-stream"]["schema"]["anyOf"]
    assert {"const": "[DONE]"} in chunk["properties"]["data"]["anyOf"]


def test_every_reference_resolves(openapi):
    text = json.dumps(openapi)
    for ref in set(re.findall(r'"\$ref": "([^"]+)"', text)):
        node = openapi
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        assert isinstance(node, dict), ref


def test_request_bounds_are_in_the_schema(openapi):
    schemas = openapi["components"]["schemas"]
    ask = schemas["AskRequest"]["properties"]
    assert ask["question"]["maxLength"] == 100_000
    assert ask["conversation_id"]["anyOf"][0]["maxLength"] == 128
    assert ask["top_k"]["anyOf"][0] == {"type": "integer", "minimum": 1, "maximum": 50}
    filters = schemas["RequestFilters"]
    assert filters["additionalProperties"] is False
    many = filters["properties"]["trial"]["anyOf"][0]
    assert many["maxItems"] == 20 and many["items"]["maxLength"] == 200
    chat = schemas["ChatCompletionRequest"]["properties"]
    assert (chat["messages"]["minItems"], chat["messages"]["maxItems"]) == (1, 100)
    search = {p["name"]: p["schema"] for p in openapi["paths"]["/v1/search"]["get"]["parameters"]}
    assert search["q"]["maxLength"] == 2000 and search["trial"]["maxItems"] == 20
