"""The claim checker end to end: the real app over HTTP, the real CLI in a subprocess."""

import json

import pytest

from tests.conftest import CORPUS, run_cli

pytestmark = pytest.mark.slow

TEXT = (
    "In LINKER-SMM1, the overall response rate was 100% among 19 evaluable patients. "
    "Cytokine release syndrome occurred in 55% of patients in LINKER-SMM1.\n\n"
    "Hello. Linvoseltamab cured every patient with smoldering myeloma in a trial on Mars."
)
CLAIM = {"text", "start", "end", "verdict", "citations", "numbers"}
NUMBER = {"text", "status", "source_says", "cited"}


def by_text(body):
    return {c["text"]: c for c in body["claims"]}


def test_check_supports_contradicts_and_cites_verbatim(http):
    response = http.post("/v1/check", json={"text": TEXT})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"claims", "message"} and body["message"] is None
    claims = body["claims"]
    assert [c["text"] for c in claims] == [  # "Hello." makes no claim
        "In LINKER-SMM1, the overall response rate was 100% among 19 evaluable patients.",
        "Cytokine release syndrome occurred in 55% of patients in LINKER-SMM1.",
        "Linvoseltamab cured every patient with smoldering myeloma in a trial on Mars.",
    ]
    for claim in claims:
        assert set(claim) == CLAIM and TEXT[claim["start"] : claim["end"]] == claim["text"]
        for number in claim["numbers"]:
            assert set(number) == NUMBER
            assert set(number["cited"]) <= {c["n"] for c in claim["citations"]}
        for c in claim["citations"]:
            text = http.get(f"/v1/documents/{c['doc_id']}").json()["text"]
            assert text[c["start"] : c["end"]] == c["quote"]
    orr, crs, mars = claims
    assert orr["verdict"] == "supported"
    assert [(n["text"], n["status"]) for n in orr["numbers"]] == [
        ("100%", "matches"),
        ("19", "matches"),
    ]
    assert crs["verdict"] == "contradicted"
    (number,) = crs["numbers"]
    assert number["status"] == "differs" and "42%" in number["source_says"]
    cited = {c["n"]: c["quote"] for c in crs["citations"]}
    assert number["source_says"] in cited[number["cited"][0]]  # verbatim from its quote
    assert mars["verdict"] == "not_found"


def test_check_honours_filters(http):
    claim = "In LINKER-SMM1, the overall response rate was 100% among 19 evaluable patients."
    body = http.post("/v1/check", json={"text": claim, "filters": {"trial": "AQUILA"}}).json()
    (checked,) = body["claims"]
    assert checked["verdict"] == "not_found"
    assert all(c["doc_id"].startswith("aquila") for c in checked["citations"])


def test_no_checkable_claim_is_an_empty_list_with_a_message(http):
    body = http.post("/v1/check", json={"text": "Hello. Thanks!"}).json()
    assert body["claims"] == [] and "no checkable claim" in body["message"]


@pytest.mark.parametrize(
    ("text", "words"),
    [("", "empty"), ("   \n ", "empty"), ("x. " * 6667 + "y", "limit is 20,000")],
)
def test_bad_text_is_a_422_in_the_error_shape(http, text, words):
    response = http.post("/v1/check", json={"text": text})
    assert response.status_code == 422
    error = response.json()["error"]
    assert set(error) == {"code", "message"} and words in error["message"]
    assert "Traceback" not in response.text


def test_check_in_openapi(http):
    paths = http.get("/openapi.json").json()["paths"]
    assert "post" in paths["/v1/check"]


@pytest.fixture(scope="module")
def check_store(tmp_path_factory):
    store = tmp_path_factory.mktemp("check-store")
    seed = [str(CORPUS / "linker-smm1-interview.txt"), str(CORPUS / "trials")]
    done = run_cli("ingest", *seed, store=store)
    assert done.returncode == 0, done.stderr
    return store


def test_cli_check_prints_claims_and_json(check_store, tmp_path):
    draft = tmp_path / "draft.txt"
    draft.write_text(TEXT, encoding="utf-8")
    done = run_cli("check", str(draft), store=check_store)
    assert done.returncode == 0, done.stderr
    assert "1. SUPPORTED: In LINKER-SMM1, the overall response rate was 100%" in done.stdout
    assert "2. CONTRADICTED: Cytokine release syndrome occurred in 55%" in done.stdout
    assert "55% differs:" in done.stdout and "“" in done.stdout
    as_json = run_cli("check", "-", "--json", store=check_store, input_text=TEXT)
    assert as_json.returncode == 0, as_json.stderr
    body = json.loads(as_json.stdout)
    assert [c["verdict"] for c in body["claims"]] == ["supported", "contradicted", "not_found"]


def test_cli_check_bad_input_is_one_line_and_non_zero(check_store, tmp_path):
    missing = run_cli("check", str(tmp_path / "nope.txt"), store=check_store)
    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr.strip().count("\n") == 0 and "no such file" in missing.stderr
    empty = run_cli("check", "-", store=check_store, input_text="  \n")
    assert empty.returncode == 1 and "the text is empty" in empty.stderr
    assert "Traceback" not in missing.stderr + empty.stderr
    hello = run_cli("check", "-", store=check_store, input_text="Hello.")
    assert hello.returncode == 0 and "no checkable claim" in hello.stdout


def test_cli_check_help_teaches():
    done = run_cli("check", "--help", store=CORPUS)
    assert done.returncode == 0
    assert "trialqa check draft.txt" in done.stdout and "contradicted" in done.stdout
