"""The calculators over real HTTP (the served app) and through the ``trialqa calc`` command."""

import json

import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.slow

CALCULATION = {"name", "inputs", "result", "text", "cited"}
NAMES = ["response_rate", "counts_from_percent", "imwg_cumulative", "compare_arms", "ae_incidence"]


def test_response_rate_returns_the_calculation_of_answers(http):
    response = http.post("/v1/calculate/response_rate", json={"responders": 19, "evaluable": 19})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == CALCULATION
    assert body["inputs"] == {"responders": 19, "evaluable": 19}
    assert body["result"]["rate"] == 1.0 and round(body["result"]["ci_low"], 3) == 0.824
    assert body["text"] == "19/19 = 100% (95% CI 82.4–100%)" and body["cited"] == []


def test_listing_and_every_example(http):
    listed = http.get("/v1/calculate").json()["calculators"]
    assert [c["name"] for c in listed] == NAMES
    for c in listed:
        assert c["description"] and c["input_schema"]["properties"]
        body = http.post(c["path"], json=c["example"]).json()
        assert set(body) == CALCULATION and body["name"] == c["name"] and body["text"]


def test_openapi_has_a_schema_and_example_per_calculator(http):
    spec = http.get("/openapi.json").json()
    for name in NAMES:
        operation = spec["paths"][f"/v1/calculate/{name}"]["post"]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert schema["examples"] and all(p.get("description") or "$ref" in p or "anyOf" in p
                                          for p in schema["properties"].values())  # fmt: skip
    assert "/v1/calculate/{name}" not in spec["paths"]


@pytest.mark.parametrize(
    ("path", "body", "status", "code", "fragment"),
    [
        ("/v1/calculate/response_rate", {"responders": 20, "evaluable": 19}, 422, "calculator_input", "cannot exceed evaluable"),
        ("/v1/calculate/ae_incidence", {"any_grade": 2, "grade3plus": 3, "n": 19}, 422, "calculator_input", "cannot exceed any_grade"),
        ("/v1/calculate/imwg_cumulative", {"counts": {"CR": 5}, "evaluable": 4}, 422, "calculator_input", "more than evaluable"),
        ("/v1/calculate/counts_from_percent", {"percent": 74, "denominator": 0}, 422, "invalid_request", "denominator"),
        ("/v1/calculate/response_rate", {"responders": 1.5, "evaluable": 19}, 422, "invalid_request", "responders"),
        ("/v1/calculate/response_rate", {"responders": 1, "evaluable": 19, "confidence": 95}, 422, "invalid_request", "confidence"),
        ("/v1/calculate/nnt", {"events": 1}, 404, "not_found", "unknown calculator 'nnt'"),
    ],
)  # fmt: skip
def test_errors_are_json_with_a_code(http, path, body, status, code, fragment):
    response = http.post(path, json=body)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and fragment in error["message"]


def test_cli_text_json_and_help(tmp_path):
    done = run_cli(
        "calc", "response_rate", "--responders", "14", "--evaluable", "19", store=tmp_path
    )
    assert done.returncode == 0 and done.stdout == "14/19 = 73.7% (95% CI 48.8–90.9%)\n"

    done = run_cli("calc", "imwg_cumulative", "--counts", "sCR=10", "CR=6", "VGPR=14", "PR=16",
                   "--evaluable", "92", "--json", store=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert set(body) == CALCULATION and body["result"]["orr"]["count"] == 46

    helped = run_cli("calc", "--help", store=tmp_path)
    assert helped.returncode == 0 and "examples:" in helped.stdout
    assert all(name in helped.stdout for name in NAMES)
    assert "--responders N" in run_cli("calc", "response_rate", "--help", store=tmp_path).stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [(("response_rate", "--responders", "20", "--evaluable", "19"), "cannot exceed evaluable"),
     (("response_rate", "--evaluable", "19"), "responders: Field required"),
     (("counts_from_percent", "--percent", "120", "--denominator", "19"), "percent"),
     (("imwg_cumulative", "--counts", "CR5"), "KEY=N")],
)  # fmt: skip
def test_cli_bad_input_is_one_line_and_exit_1(tmp_path, args, fragment):
    done = run_cli("calc", *args, store=tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("trialqa: error:") and done.stderr.count("\n") == 1
    assert fragment in done.stderr and "Traceback" not in done.stderr
