"""The LLM composer's seams, with LangChain's fake chat models over the shipped corpus: whatever
the model writes, the answer keeps only sentences its cited passages support, quotes exactly,
and falls back to the extractive answer (with a warning) when nothing survives or the model
fails. The real model's run is in test_llm_real.py."""

from __future__ import annotations

import re
import socket
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.answering.verify import verify
from assistant.composer.gate import split_reply
from assistant.composer.llm import LLMEngine
from assistant.composer.messages import build_messages
from assistant.errors import ConfigError
from assistant.settings import ComposerSettings, Settings
from tests.conftest import assert_answer_contract

pytestmark = pytest.mark.slow

ORR = "What was the overall response rate in LINKER-SMM1?"
ORR_CI = "What is the 95% CI for the ORR in LINKER-SMM1?"
CRS = "What was the rate of cytokine release syndrome in LINKER-SMM1?"


class Recording(FakeListChatModel):
    """A fake chat model that remembers the messages it was sent."""

    seen: list[Any] = []

    def _stream(self, messages, *args, **kwargs):
        self.seen.append(messages)
        yield from super()._stream(messages, *args, **kwargs)


class Exploding(FakeListChatModel):
    def _stream(self, messages, *args, **kwargs):
        raise RuntimeError("connection reset by peer")
        yield  # pragma: no cover


def engine(services, *replies: str, model=None, **settings) -> LLMEngine:
    chat = model or Recording(responses=list(replies) or [""], seen=[])
    return LLMEngine(services.engine, chat, ComposerSettings(kind="openai", **settings))


def passage_number(services, question: str, phrase: str) -> int:
    """The [n] under which the prompt shows the passage containing ``phrase``."""
    passages = services.retriever.search(question)
    return next(n for n, p in enumerate(passages, 1) if phrase in p.chunk.text)


def check_guarantees(services, answer) -> None:
    assert_answer_contract(services.store, answer)
    quotes = [c.quote for c in answer.citations]
    assert verify(answer.answer, quotes, [c.text for c in answer.calculations]).ok
    for _, _, cited in split_reply(answer.answer):
        assert cited, "every sentence cites"


def test_a_supported_answer_is_kept_with_exact_quotes(corpus_services):
    n = passage_number(corpus_services, ORR, "overall response rate was 100%")
    llm = engine(
        corpus_services, f"All 19 response-evaluable patients responded, an ORR of 100% [{n}]."
    )
    answer = llm.answer(ORR)
    check_guarantees(corpus_services, answer)
    assert answer.composer == "llm" and answer.warnings == []
    assert answer.answer.startswith("All 19 response-evaluable patients responded")
    assert "the overall response rate was 100%" in answer.citations[0].quote


def test_the_prompt_numbers_the_passages_and_hands_over_the_calculation(corpus_services):
    model = Recording(responses=["The passages do not answer this question."], seen=[])
    engine(corpus_services, model=model).answer(ORR_CI)
    [messages] = model.seen
    prompt = messages[-1].content
    assert prompt.count("\n[1] ") == 1 and "\n[2] " in prompt
    assert "19/19 = 100% (95% CI 82.4–100%) (computed from passage [" in prompt
    assert "square brackets" in messages[0].content


def test_the_calculation_comes_from_the_calculator_not_the_model(corpus_services):
    n = passage_number(corpus_services, ORR_CI, "overall response rate was 100%")
    llm = engine(corpus_services, f"The ORR was 100%, with a 95% CI of 82.4–100% [{n}].")
    answer = llm.answer(ORR_CI)
    check_guarantees(corpus_services, answer)
    assert answer.composer == "llm"
    assert answer.calculations and answer.calculations[0].text in answer.answer
    assert answer.calculations[0].cited == [1]


def test_a_planted_wrong_number_is_removed(corpus_services):
    n = passage_number(corpus_services, CRS, "cytokine release syndrome occurred in 42%")
    llm = engine(
        corpus_services,
        f"Cytokine release syndrome occurred in 42% of the 24 treated patients [{n}]. "
        f"Grade 3 cytokine release syndrome occurred in 17% of patients [{n}].",
    )
    answer = llm.answer(CRS)
    check_guarantees(corpus_services, answer)
    assert "17%" not in answer.answer and "42%" in answer.answer
    assert answer.composer == "llm"
    assert any("1 sentence" in w and "removed" in w for w in answer.warnings)


def test_only_wrong_numbers_fall_back_to_the_extractive_answer(corpus_services):
    n = passage_number(corpus_services, CRS, "cytokine release syndrome occurred in 42%")
    answer = engine(corpus_services, f"Cytokine release syndrome occurred in 57% [{n}].").answer(
        CRS
    )
    check_guarantees(corpus_services, answer)
    assert answer.composer == "extractive-fallback" and "57%" not in answer.answer
    assert answer.answer == corpus_services.engine.answer(CRS).answer
    assert "extractive answer" in answer.warnings[0]


def test_a_fabricated_quote_is_removed(corpus_services):
    n = passage_number(corpus_services, CRS, "cytokine release syndrome occurred in 42%")
    answer = engine(
        corpus_services,
        f'The summary states that "cytokine release syndrome was rare and always mild" [{n}].',
    ).answer(CRS)
    assert answer.composer == "extractive-fallback"
    assert "always mild" not in answer.answer
    check_guarantees(corpus_services, answer)


def test_a_citation_to_the_wrong_passage_is_removed(corpus_services):
    right = passage_number(corpus_services, CRS, "cytokine release syndrome occurred in 42%")
    wrong = next(
        n
        for n, p in enumerate(corpus_services.retriever.search(CRS), 1)
        if "42%" not in p.chunk.text and n != right
    )
    answer = engine(
        corpus_services, f"Cytokine release syndrome occurred in 42% of patients [{wrong}]."
    ).answer(CRS)
    assert answer.composer == "extractive-fallback"
    check_guarantees(corpus_services, answer)


@pytest.mark.parametrize(
    ("model", "warning"),
    [
        (FakeListChatModel(responses=[" \n "]), "reply was empty"),
        (Exploding(responses=["x"]), "RuntimeError: connection reset by peer"),
        (FakeListChatModel(responses=["abc"], error_on_chunk_number=0), "FakeListChatModelError"),
        (FakeListChatModel(responses=["The passages do not answer this question."]), "do not"),
        (FakeListChatModel(responses=["Mostly fine, I think."]), "no sentence"),
    ],
    ids=["empty", "exception", "error-mid-stream", "model-abstains", "uncited"],
)
def test_a_failed_or_unusable_reply_falls_back_with_a_warning(corpus_services, model, warning):
    answer = engine(corpus_services, model=model).answer(CRS)
    assert answer.composer == "extractive-fallback" and not answer.abstained
    assert answer.answer == corpus_services.engine.answer(CRS).answer
    assert len(answer.warnings) == 1 and warning in answer.warnings[0]
    check_guarantees(corpus_services, answer)


def test_a_slow_model_times_out_into_the_fallback(corpus_services):
    slow = FakeListChatModel(responses=["Cytokine release syndrome " * 20], sleep=0.02)
    answer = engine(corpus_services, model=slow, timeout=0.2).answer(CRS)
    assert answer.composer == "extractive-fallback"
    assert "TimeoutError" in answer.warnings[0]


def test_an_unreachable_endpoint_falls_back(corpus_services):
    pytest.importorskip("langchain_openai")
    from assistant.composer.chat_models import make_chat_model

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = ComposerSettings(
        kind="openai", model="m", base_url=f"http://127.0.0.1:{port}/v1", timeout=5
    )
    llm = LLMEngine(corpus_services.engine, make_chat_model(settings), settings)
    answer = llm.answer(CRS)
    assert answer.composer == "extractive-fallback"
    assert "Connection" in answer.warnings[0]


@pytest.fixture
def garbage_endpoint():
    """An "OpenAI-compatible" endpoint that answers every request with a malformed body."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("content-length", 0)))
            body = b"data: {not json\n\n<html>oops</html>"
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_a_malformed_reply_falls_back(corpus_services, garbage_endpoint):
    pytest.importorskip("langchain_openai")
    from assistant.composer.chat_models import make_chat_model

    settings = ComposerSettings(kind="openai", model="m", base_url=garbage_endpoint, timeout=5)
    answer = LLMEngine(corpus_services.engine, make_chat_model(settings), settings).answer(CRS)
    assert answer.composer == "extractive-fallback" and "failed" in answer.warnings[0]
    check_guarantees(corpus_services, answer)


def test_an_abstention_stays_extractive_and_asks_no_model(corpus_services):
    question = "What was the progression-free survival in LINKER-SMM1?"
    answer = engine(corpus_services, model=Exploding(responses=["x"])).answer(question)
    assert answer.abstained and answer.composer == "extractive" and answer.warnings == []


def test_stream_yields_verified_sentences_that_join_to_the_answer(corpus_services):
    n = passage_number(corpus_services, CRS, "cytokine release syndrome occurred in 42%")
    llm = engine(
        corpus_services,
        f"Cytokine release syndrome occurred in 42% of the 24 treated patients. [{n}] "
        f"It was fatal in 9% [{n}]. Grade 3 or 4 infections occurred in 12% of patients [{n}].",
    )
    events = list(llm.stream(CRS))
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "answer" and set(kinds[:-1]) == {"token"}
    answer = events[-1][1]
    assert "".join(text for _, text in events[:-1]) == answer.answer
    assert "9%" not in answer.answer and answer.composer == "llm"
    tokens = [text for kind, text in events[:-1]]
    assert tokens[0].endswith("[1]") and re.search(r"12% of patients\. \[\d\]$", tokens[1])
    check_guarantees(corpus_services, answer)


def test_the_extractive_engine_streams_too(corpus_services):
    events = list(corpus_services.engine.stream(CRS))
    answer = events[-1][1]
    assert events[-1][0] == "answer" and len(events) > 2
    assert "".join(text for _, text in events[:-1]) == answer.answer


def test_a_model_repeating_itself_is_quoted_once_and_cut_at_the_sentence_limit(corpus_services):
    n = passage_number(corpus_services, CRS, "cytokine release syndrome occurred in 42%")
    same = f"Cytokine release syndrome occurred in 42% of the 24 treated patients [{n}]. "
    other = f"Grade 3 or 4 infections occurred in 12% of patients [{n}]. "
    answer = engine(corpus_services, same * 3 + other * 4 + same).answer(CRS)
    check_guarantees(corpus_services, answer)
    assert answer.answer.count("Cytokine release syndrome occurred in 42%") == 1
    assert answer.answer.count("Grade 3 or 4 infections") == 1


def test_build_messages_numbers_passages_from_one(corpus_services):
    passages = corpus_services.retriever.search(ORR, 3)
    messages = build_messages(ORR, passages, ["19/19 = 100%"], 3)
    assert messages[0][0] == "system" and messages[-1][0] == "user"
    user = messages[-1][1]
    assert [int(m) for m in re.findall(r"^\[(\d+)\] ", user, re.M)] == [1, 2, 3]
    assert user.rstrip().endswith(f"Question: {ORR}")


def test_make_chat_model_reads_the_settings(monkeypatch):
    pytest.importorskip("langchain_openai")
    from assistant.composer.chat_models import make_chat_model

    monkeypatch.setenv("MY_KEY", "sk-test")
    model = make_chat_model(
        Settings(
            composer=ComposerSettings(
                kind="openai", model="gpt-x", base_url="http://h:1/v1", api_key_env="MY_KEY"
            )
        )
    )
    assert model.model_name == "gpt-x" and model.openai_api_base == "http://h:1/v1"
    assert model.temperature == 0 and model.openai_api_key.get_secret_value() == "sk-test"
    with pytest.raises(ConfigError):
        make_chat_model(ComposerSettings(kind="openai"))
    with pytest.raises(ConfigError):
        make_chat_model(ComposerSettings(kind="llamacpp", model_path="/nowhere/model.gguf"))


def test_the_factory_builds_the_llm_engine(tmp_path, embedder):
    pytest.importorskip("langchain_openai")
    from assistant.factory import build
    from tests.conftest import make_settings

    settings = make_settings(tmp_path / "store")
    settings.composer = ComposerSettings(kind="openai", model="m")
    services = build(settings, embedder=embedder)
    assert isinstance(services.engine, LLMEngine)
