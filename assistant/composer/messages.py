"""The messages a language model is asked with: rules, worked examples, passages, question.

The templates are package data (``assistant/composer/prompts/``). The passages are numbered
from 1 inside a ``<passages>`` fence as quoted data, never instructions: their text is put on
one line with chat-template control tokens and fence tags taken out, so no document can open a
turn of its own or close the quoted block early.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from assistant.models import Passage


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


__all__ = ["build_messages", "examples", "prompt", "quoted"]
