"""The LLM composer: a language model writes the answer, the grounding gate decides what stays.

``LLMEngine`` wraps the extractive engine. For a question it

1. lets the extractive engine answer first. That answer decides whether to answer at all (an
   abstention, or a question that states its own figures, is returned as it is: no model is
   asked), runs the calculators, and is the fallback;
2. retrieves the same passages and gives them to the model numbered ``[1]..[k]`` with the
   calculation texts as facts to copy (prompt templates in ``assistant/composer/prompts/``);
3. streams the reply through the gate (``assistant.composer.gate``) sentence by sentence: a sentence
   stays only when the passage it cites supports its words and numbers, and it is re-cited
   with exact quotes of that passage, chosen by the gate, never taken from the model;
4. appends the extractive answer's calculation sentences (the numbers come from the
   calculators, never from the model), with their citations.

When nothing survives, or the model fails (timeout, unreachable endpoint, malformed reply,
any exception), the answer is the extractive one, ``composer="extractive-fallback"``, and
``warnings`` says why. A failure never becomes an error response.

``stream`` yields ``("token", text)`` events whose texts joined are exactly the final answer
text (each a verified sentence with its markers, so nothing unverified is ever shown), then
one ``("answer", Answer)``. ``answer`` is the same run, returning only the ``Answer``.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Literal

from assistant.answering.engine import AnswerEngine, ExtractiveEngine
from assistant.composer.gate import Claim, Quote, check_claim, reply_spans, split_reply
from assistant.composer.streaming import split_sentences
from assistant.models import Answer, Calculation, Citation, Filters, Passage, Verdict
from assistant.provenance import provenance
from assistant.settings import ComposerSettings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger("trialqa.llm")

Event = tuple[Literal["token", "answer"], "str | Answer"]
_MARKER = re.compile(r"\[(\d+)\]")
_ABSTAIN = re.compile(
    r"\b(?:do(?:es)? not|don't|doesn't|cannot|can't|no information|not (?:stated|mentioned|"
    r"provided|reported|given))\b[^.]*\b(?:answer|say|state|mention|contain|provide|report|"
    r"include)",
    re.I,
)


@lru_cache(maxsize=8)
def prompt(name: str) -> str:
    """A prompt template of ``assistant/composer/prompts/`` (package data)."""
    return resources.files("assistant.composer").joinpath(f"prompts/{name}.txt").read_text("utf-8")


def examples() -> list[tuple[str, str]]:
    """The worked examples of ``prompts/examples.txt`` as (role, text) chat turns; a line
    starting ``user:`` or ``assistant:`` opens a turn, other lines continue it."""
    turns: list[tuple[str, str]] = []
    for line in prompt("examples").splitlines():
        role, sep, text = line.partition(":")
        if sep and role in ("user", "assistant"):
            turns.append((role, text.strip()))
        elif turns:
            turns[-1] = (turns[-1][0], f"{turns[-1][1]}\n{line}")
    return [(role, text.strip()) for role, text in turns]


# Chat-template control tokens (``<|im_start|>``, ``<|eot_id|>``...) and the passages' own fence:
# document text holding them could open a turn of its own or close the quoted block early.
_CONTROL = re.compile(r"<\|[^<>|\s]{1,40}\|>|</?\s*passages\s*>", re.I)


def quoted(text: str) -> str:
    """Document text as the prompt quotes it: one line, no control tokens, no fence tags."""
    return " ".join(_CONTROL.sub(" ", text).split())


def build_messages(
    question: str, passages: list[Passage], facts: list[str], max_sentences: int
) -> list[tuple[str, str]]:
    """(role, text) messages: the rules, worked examples, then the passages numbered from 1
    inside a ``<passages>`` fence (quoted data, never instructions), the computed facts and
    the question."""
    blocks = []
    for n, p in enumerate(passages, start=1):
        title = p.title or p.chunk.doc_id
        section = p.chunk.section.strip()
        heading = quoted(f"{title}, {section}" if section and section not in title else title)
        text = quoted(p.chunk.text)
        blocks.append(prompt("passage").format(n=n, heading=heading, text=text))
    fact_block = prompt("facts").format(facts="\n".join(f"- {f}" for f in facts)) if facts else ""
    user = prompt("user").format(passages="".join(blocks), facts=fact_block, question=question)
    system = prompt("system").format(max_sentences=max_sentences)
    return [("system", system), *examples(), ("user", user)]


def _text_of(chunk) -> str:
    """The text of a streamed message chunk (a string, or a list of content parts)."""
    content = getattr(chunk, "content", chunk)
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part if isinstance(part, str) else str(part.get("text", ""))
            for part in content
            if isinstance(part, str | dict)
        )
    raise TypeError(f"the model sent {type(content).__name__}, not text")


def _complete(buffer: str) -> tuple[str, str]:
    """Split ``buffer`` into (finished sentences, the sentence still being written).

    A sentence is finished once the next one has started with two words, so citation markers
    written after its full stop are still its own.
    """
    spans = reply_spans(buffer)
    if len(spans) < 2:
        return "", buffer
    start = spans[-1][0]
    if len(re.findall(r"[A-Za-z]{2,}", re.sub(r"\[[^\]]*\]", " ", buffer[start:]))) < 2:
        if len(spans) < 3:
            return "", buffer
        start = spans[-2][0]
    return buffer[:start], buffer[start:]


class _Composition:
    """The verified sentences so far, and the citations they number in order."""

    def __init__(self) -> None:
        self.sentences: list[str] = []
        self.said: set[str] = set()  # the claims' texts, before markers
        self.citations: list[Citation] = []
        self._numbers: dict[tuple[str, int, int], int] = {}

    def cite(self, quote: Quote | Citation) -> int:
        key = (quote.doc_id, quote.start, quote.end) if isinstance(quote, Citation) else quote.key
        if key not in self._numbers:
            n = self._numbers[key] = len(self.citations) + 1
            if isinstance(quote, Citation):
                self.citations.append(quote.model_copy(update={"n": n}))
            else:
                p = quote.passage
                self.citations.append(
                    Citation(
                        n=n,
                        doc_id=p.chunk.doc_id,
                        title=p.title,
                        source=p.source,
                        chunk_id=p.chunk.chunk_id,
                        start=quote.start,
                        end=quote.end,
                        quote=quote.text,
                        **provenance(p.metadata),
                    )
                )
        return self._numbers[key]

    def add(self, text: str, numbers: list[int]) -> str:
        """Append a sentence; returns the token to stream (with its leading space)."""
        text = text.rstrip()
        self.said.add(text)
        if not re.search(r"[.!?:;)\]\"'\u201d]$", text):
            text += "."
        markers = "".join(f"[{n}]" for n in dict.fromkeys(numbers))
        sentence = f"{text} {markers}"
        token = (" " if self.sentences else "") + sentence
        self.sentences.append(sentence)
        return token

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


class LLMEngine:
    """An ``AnswerEngine`` whose answers a chat model writes and the gate checks."""

    def __init__(
        self, extractive: ExtractiveEngine, chat_model: BaseChatModel, settings: ComposerSettings
    ) -> None:
        self.extractive = extractive
        self.chat_model = chat_model
        self.settings = settings

    @property
    def retriever(self):
        return self.extractive.retriever

    def check_question(self, question: str) -> str:
        return self.extractive.check_question(question)

    def answer(
        self,
        question: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        conversation_id: str | None = None,
    ) -> Answer:
        final: Answer | None = None
        for kind, value in self.stream(
            question, k=k, filters=filters, conversation_id=conversation_id
        ):
            if kind == "answer":
                final = value  # type: ignore[assignment]
        assert final is not None
        return final

    def stream(
        self,
        question: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        conversation_id: str | None = None,
    ) -> Iterator[Event]:
        """``("token", text)`` per verified sentence, then ``("answer", Answer)``."""
        question = self.extractive.check_question(question)
        conversation_id = conversation_id or uuid.uuid4().hex
        base = self.extractive.answer(
            question, k=k, filters=filters, conversation_id=conversation_id
        )
        if base.abstained or not base.citations or base.table is not None:
            # Whether to answer at all stays the extractive engine's decision (its coverage
            # test), and a question stating its own figures is computed, not composed; an
            # evidence table's cells cite the extractive answer's numbers, so it is kept whole.
            yield from _emit(base.model_copy(update={"composer": "extractive"}))
            return
        passages = self.retriever.search(self.retriever.read(question), k, filters)
        calc_texts = [c.text for c in base.calculations if c.text]
        facts = _facts(base, passages)
        messages = build_messages(question, passages, facts, self.extractive.settings.max_sentences)

        composition = _Composition()
        removed: list[Claim] = []
        reply: list[str] = []
        failure: str | None = None
        started = time.monotonic()
        buffer = ""

        limit = self.extractive.settings.max_sentences

        def judge(text: str) -> Iterator[str]:
            for sentence, claim_text, cited in split_reply(text):
                if len(composition.sentences) >= limit:
                    return
                claim = check_claim(
                    Claim(sentence, claim_text, cited),
                    passages,
                    calc_texts,
                    self.settings.min_support,
                )
                if not claim.kept:
                    removed.append(claim)
                    log.info("removed %r: %s", claim.sentence, claim.reason)
                elif claim.text not in composition.said:  # a model repeating itself
                    numbers = [composition.cite(q) for q in claim.quotes]
                    yield composition.add(claim.text, numbers)

        chunks = self.chat_model.stream(messages)
        try:
            for chunk in chunks:
                piece = _text_of(chunk)
                reply.append(piece)
                buffer += piece
                if time.monotonic() - started > self.settings.timeout:
                    raise TimeoutError(f"no complete answer within {self.settings.timeout:g} s")
                done, buffer = _complete(buffer)
                if done:
                    for token in judge(done):
                        yield ("token", token)
                if len(composition.sentences) >= limit:
                    break  # enough: stop the model writing
            else:
                for token in judge(buffer):
                    yield ("token", token)
        except Exception as exc:  # any model failure falls back; it never becomes a 500
            failure = _describe(exc)
            log.warning("model failed: %s", failure)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()

        full_reply = "".join(reply)
        if not composition.sentences:
            if failure:
                reason = f"the language model failed ({failure})"
            elif not full_reply.strip():
                reason = "the language model's reply was empty"
            elif _ABSTAIN.search(full_reply):
                reason = "the language model said the passages do not answer"
            else:
                reason = (
                    f"no sentence of the language model's answer passed the check against "
                    f"its cited passages ({len(removed)} removed)"
                )
            fallback = base.model_copy(
                update={
                    "composer": "extractive-fallback",
                    "warnings": [f"{reason}; this is the extractive answer"],
                }
            )
            yield from _emit(fallback)
            return

        warnings = []
        if failure:
            warnings.append(f"the language model's reply was cut short ({failure})")
        if removed:
            count = len(removed)
            warnings.append(
                f"{count} sentence{'s' if count > 1 else ''} of the language model's answer "
                f"{'were' if count > 1 else 'was'} removed: the cited passages do not support "
                f"{'them' if count > 1 else 'it'}"
            )
        calculations: list[Calculation] = []
        for sentence, calcs in _calculation_sentences(base):
            by_old = {c.n: c for c in base.citations}
            new = {
                int(old): composition.cite(by_old[int(old)])
                for old in _MARKER.findall(sentence)
                if int(old) in by_old
            }
            body = _MARKER.sub("", sentence).rstrip()
            yield ("token", composition.add(body, list(new.values())))
            for calc in calcs:
                cited = sorted({new[n] for n in calc.cited if n in new})
                calculations.append(calc.model_copy(update={"cited": cited}))
        yield (
            "answer",
            Answer(
                question=question,
                answer=composition.text,
                abstained=False,
                citations=composition.citations,
                calculations=calculations,
                conversation_id=conversation_id,
                composer="llm",
                warnings=warnings,
                verdict=_carried(base, composition.citations),
                decision=_carried(base, composition.citations, "decision"),
            ),
        )


def stream_answer(
    engine: AnswerEngine,
    question: str,
    *,
    k: int | None = None,
    filters: Filters | None = None,
    conversation_id: str | None = None,
) -> Iterator[Event]:
    """``("token", text)`` events then ``("answer", Answer)`` from any engine: its own
    ``stream`` when it has one (the LLM engine sends each verified sentence as the model
    finishes it), else its finished answer cut at its sentences. The texts joined are exactly
    the answer text."""
    own = getattr(engine, "stream", None)
    if own is not None:
        yield from own(question, k=k, filters=filters, conversation_id=conversation_id)
        return
    answer = engine.answer(question, k=k, filters=filters, conversation_id=conversation_id)
    for text in split_sentences(answer.answer):
        if text:
            yield ("token", text)
    yield ("answer", answer)


def _emit(answer: Answer) -> Iterator[Event]:
    if answer.answer:
        yield ("token", answer.answer)
    yield ("answer", answer)


def _carried(base: Answer, citations: list[Citation], field: str = "verdict") -> Verdict | None:
    """The extractive answer's verdict (or decision) with its citation numbers as the
    composed answer numbers the same quotes (quotes the composition dropped drop out)."""
    carried = getattr(base, field)
    if carried is None:
        return None
    where = {(c.chunk_id, c.start, c.end): c.n for c in citations}
    old = {c.n: (c.chunk_id, c.start, c.end) for c in base.citations}
    cited = [where[old[n]] for n in carried.cited if old.get(n) in where]
    return carried.model_copy(update={"cited": cited})


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _facts(base: Answer, passages: list[Passage]) -> list[str]:
    """The calculation texts, each with the passage its inputs come from."""
    where = {p.chunk.chunk_id: n for n, p in enumerate(passages, start=1)}
    by_n = {c.n: c for c in base.citations}
    facts = []
    for calc in base.calculations:
        if not calc.text:
            continue
        numbers = sorted(
            {where[by_n[n].chunk_id] for n in calc.cited if n in by_n and by_n[n].chunk_id in where}
        )
        source = "".join(f"[{n}]" for n in numbers)
        facts.append(f"{calc.text} (computed from passage {source})" if source else calc.text)
    return facts


def _calculation_sentences(base: Answer) -> list[tuple[str, list[Calculation]]]:
    """The sentences of the extractive answer that state its calculations."""
    out = []
    for sentence, _, _ in split_reply(base.answer):
        calcs = [c for c in base.calculations if c.text and c.text in sentence]
        if calcs:
            out.append((sentence, calcs))
    return out


__all__ = ["LLMEngine", "build_messages", "examples", "prompt", "quoted", "stream_answer"]
