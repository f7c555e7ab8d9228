"""The LLM composer: a language model writes the answer, the grounding gate decides what stays.

``LLMEngine`` wraps the extractive engine. For a question it

1. lets the extractive engine answer first. That answer decides whether to answer at all (an
   abstention, or a question that states its own figures, is returned as it is: no model is
   asked), runs the calculators, and is the fallback;
2. retrieves the same passages and gives them to the model numbered ``[1]..[k]`` with the
   calculation texts as facts to copy (``assistant/composer/messages.py``, templates in
   ``assistant/composer/prompts/``);
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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.answering.citations import MARKER, numbers, reply_spans
from assistant.answering.engine import Event, ExtractiveEngine
from assistant.composer.composition import Composition
from assistant.composer.gate import Claim, check_claim, split_reply
from assistant.composer.messages import build_messages
from assistant.models import Answer, Calculation, Citation, Filters, Passage, Verdict
from assistant.settings import ComposerSettings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger("trialqa.llm")

_ABSTAIN = re.compile(
    r"\b(?:do(?:es)? not|don't|doesn't|cannot|can't|no information|not (?:stated|mentioned|"
    r"provided|reported|given))\b[^.]*\b(?:answer|say|state|mention|contain|provide|report|"
    r"include)",
    re.I,
)


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


@dataclass
class _Reply:
    """One run of the model: the passages it was given, the calculation texts it may state, what
    it wrote, the sentences the gate kept and removed, and why the reply ended early."""

    passages: list[Passage]
    calc_texts: list[str]
    composition: Composition = field(default_factory=Composition)
    removed: list[Claim] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    failure: str | None = None


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
        reply = _Reply(passages, [c.text for c in base.calculations if c.text])
        facts = _facts(base, passages)
        messages = build_messages(question, passages, facts, self.extractive.settings.max_sentences)
        yield from self._verified(messages, reply)
        if not reply.composition.sentences:
            yield from _emit(_fallback(base, reply))
            return
        yield from _finished(question, conversation_id, base, reply)

    def _verified(self, messages: list[tuple[str, str]], reply: _Reply) -> Iterator[Event]:
        """``("token", text)`` for each sentence of the model's reply the gate keeps, as soon as
        the model has finished it, until the reply or the sentence limit ends; a model failure
        ends the reply too, noted in ``reply.failure``."""
        started = time.monotonic()
        buffer = ""
        limit = self.extractive.settings.max_sentences
        chunks = self.chat_model.stream(messages)
        try:
            for chunk in chunks:
                piece = _text_of(chunk)
                reply.written.append(piece)
                buffer += piece
                if time.monotonic() - started > self.settings.timeout:
                    raise TimeoutError(f"no complete answer within {self.settings.timeout:g} s")
                done, buffer = _complete(buffer)
                if done:
                    for token in self._judge(done, reply):
                        yield ("token", token)
                if len(reply.composition.sentences) >= limit:
                    break  # enough: stop the model writing
            else:
                for token in self._judge(buffer, reply):
                    yield ("token", token)
        except Exception as exc:  # any model failure falls back; it never becomes a 500
            reply.failure = _describe(exc)
            log.warning("model failed: %s", reply.failure)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()

    def _judge(self, text: str, reply: _Reply) -> Iterator[str]:
        """The tokens of the sentences of ``text`` the gate keeps (each said once, at most the
        sentence limit in all); the rest are noted in ``reply.removed``."""
        composition = reply.composition
        limit = self.extractive.settings.max_sentences
        for sentence, claim_text, cited in split_reply(text):
            if len(composition.sentences) >= limit:
                return
            claim = check_claim(
                Claim(sentence, claim_text, cited),
                reply.passages,
                reply.calc_texts,
                self.settings.min_support,
            )
            if not claim.kept:
                reply.removed.append(claim)
                log.info("removed %r: %s", claim.sentence, claim.reason)
            elif claim.text not in composition.said:  # a model repeating itself
                cited_numbers = [composition.cite(q) for q in claim.quotes]
                yield composition.add(claim.text, cited_numbers)


def _fallback(base: Answer, reply: _Reply) -> Answer:
    """The extractive answer, when no sentence of the model's survived, saying why."""
    full_reply = "".join(reply.written)
    if reply.failure:
        reason = f"the language model failed ({reply.failure})"
    elif not full_reply.strip():
        reason = "the language model's reply was empty"
    elif _ABSTAIN.search(full_reply):
        reason = "the language model said the passages do not answer"
    else:
        reason = (
            f"no sentence of the language model's answer passed the check against "
            f"its cited passages ({len(reply.removed)} removed)"
        )
    return base.model_copy(
        update={
            "composer": "extractive-fallback",
            "warnings": [f"{reason}; this is the extractive answer"],
        }
    )


def _warnings(reply: _Reply) -> list[str]:
    """What the composed answer warns of: a reply cut short, sentences the gate removed."""
    warnings = []
    if reply.failure:
        warnings.append(f"the language model's reply was cut short ({reply.failure})")
    if reply.removed:
        count = len(reply.removed)
        warnings.append(
            f"{count} sentence{'s' if count > 1 else ''} of the language model's answer "
            f"{'were' if count > 1 else 'was'} removed: the cited passages do not support "
            f"{'them' if count > 1 else 'it'}"
        )
    return warnings


def _finished(question: str, conversation_id: str, base: Answer, reply: _Reply) -> Iterator[Event]:
    """The extractive answer's calculation sentences as tokens (re-cited in the composition's
    numbering), then the composed ``("answer", Answer)``."""
    composition = reply.composition
    warnings = _warnings(reply)
    calculations: list[Calculation] = []
    for sentence, calcs in _calculation_sentences(base):
        by_old = {c.n: c for c in base.citations}
        new = {old: composition.cite(by_old[old]) for old in numbers(sentence) if old in by_old}
        body = MARKER.sub("", sentence).rstrip()
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


__all__ = ["LLMEngine"]
