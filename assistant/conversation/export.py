"""A conversation as Markdown, for notes and slides: each turn's answer with its references.

Each turn is a section: the question, the standalone question when the follow-up was rewritten,
the answer text with its ``[n]`` markers, the calculations with their inputs, then the turn's
numbered references (its own ``[n]`` numbering, as the answer gave it):

    [1] *Title* · Publisher · 2024-12-09 · `doc-id`, characters 5170–5269
    > the quoted span, verbatim

Title, publisher and date are written when the citation carries them, or else the document's
metadata does (``provenance``); what neither states is left out. Text that came from a
question or a document is escaped, so the only bare ``[n]`` in the export are the markers and
the reference labels: every marker resolves to the reference of the same number in its turn.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from assistant.answering.citations import MARKER
from assistant.conversation.history import Conversation, Turn
from assistant.models import Calculation, Citation, EvidenceTable

Provenance = Callable[[str], Mapping[str, Any]]  # doc_id -> the document's metadata

FORMATS = ("markdown",)
_SPECIAL = r"[\\`*_\[\]<>]"
_INLINE = re.compile(rf"(?P<kept>)(?P<char>{_SPECIAL})")
_KEPT_MARKER = re.compile(rf"(?P<kept>{MARKER.pattern})|(?P<char>{_SPECIAL})")
_LINE_START = re.compile(r"^(\s*)([#>+|-]|\d+[.)])", re.M)


def _line_start(m: re.Match) -> str:
    mark = m.group(2)
    return m.group(1) + (mark[:-1] + "\\" + mark[-1] if mark[0].isdigit() else "\\" + mark)


def escape(text: str, *, markers: bool = False) -> str:
    """``text`` shown as itself by a Markdown reader: no emphasis, links, HTML, headings or
    lists. With ``markers``, its ``[n]`` citation markers are kept as they are."""
    pattern = _KEPT_MARKER if markers else _INLINE
    text = pattern.sub(lambda m: m.group("kept") or "\\" + m.group("char"), text)
    return _LINE_START.sub(_line_start, text)


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in escape(text).split("\n"))


def _fact(citation: Citation, metadata: Mapping[str, Any], key: str) -> str:
    value = getattr(citation, key, None) or metadata.get(key)
    if value is None or isinstance(value, dict | list):
        return ""
    return " ".join(str(value).split())


def reference(citation: Citation, metadata: Mapping[str, Any] | None = None) -> str:
    """One numbered reference: ``[n]`` then title, publisher, date, doc_id and offsets, and
    the quote as a block quote underneath."""
    metadata = metadata or {}
    parts = []
    if title := _fact(citation, metadata, "title"):
        parts.append(f"*{escape(title)}*")
    parts += [escape(v) for key in ("publisher", "date") if (v := _fact(citation, metadata, key))]
    parts.append(
        f"`{citation.doc_id.replace('`', '')}`, characters {citation.start}–{citation.end}"
    )
    return f"[{citation.n}] " + " · ".join(parts) + "\n" + _quoted(citation.quote)


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _inputs(calc: Calculation) -> str:
    items = []
    for name, value in calc.inputs.items():
        if isinstance(value, dict):
            shown = ", ".join(f"{k} {_number(v)}" for k, v in value.items())
            value = f"{{{shown}}}"
        items.append(f"{name.replace('_', ' ')} = {_number(value)}")
    return escape("; ".join(items))


def calculation(calc: Calculation) -> str:
    line = f"- {escape(calc.text)}"
    if calc.inputs:
        line += f" (inputs: {_inputs(calc)})"
    if calc.cited:
        line += " from " + " ".join(f"[{n}]" for n in calc.cited)
    return line


def table(t: EvidenceTable) -> list[str]:
    """An evidence table as Markdown lines: cell text escaped, its ``[n]`` markers kept."""

    def cell(text: str, cited: Sequence[int] = ()) -> str:
        shown = escape(text).replace("|", "\\|").replace("\n", " ")
        return " ".join([shown, "".join(f"[{n}]" for n in cited)]).strip()

    lines = ["| " + " | ".join(cell(c) for c in t.columns) + " |", "|" + "---|" * len(t.columns)]
    lines += ["| " + " | ".join(cell(c.text, c.cited) for c in row) + " |" for row in t.rows]
    return lines + ([f"*{escape(t.note)}*"] if t.note else [])


def turn_markdown(turn: Turn, provenance: Provenance | None = None) -> str:
    """One turn: question, standalone question, answer, calculations, references."""
    answer = turn.answer
    lines = [f"## {turn.n}. {escape(turn.question)}", ""]
    if turn.standalone_question != turn.question:
        lines += [f"*Searched as: {escape(turn.standalone_question)}*", ""]
    if answer.abstained:
        lines += ["**Not answered by the indexed documents.**", ""]
    lines += [escape(answer.answer, markers=True), ""]
    if answer.table is not None:
        lines += [*table(answer.table), ""]
    if answer.calculations:
        lines += ["**Calculations**", ""]
        lines += [calculation(c) for c in answer.calculations]
        lines.append("")
    if answer.citations:
        lines += ["**Closest passages**" if answer.abstained else "**References**", ""]
        for c in sorted(answer.citations, key=lambda c: c.n):
            metadata = provenance(c.doc_id) if provenance else None
            lines += [reference(c, metadata), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def conversation_markdown(
    conversation: Conversation,
    provenance: Provenance | None = None,
    turn: int | None = None,
) -> str:
    """The whole conversation (or only turn number ``turn``) as Markdown."""
    turns = conversation.turns if turn is None else [t for t in conversation.turns if t.n == turn]
    if turn is not None:
        return turn_markdown(turns[0], provenance) if turns else ""
    when = datetime.fromtimestamp(max([conversation.created_at, *(t.asked_at for t in turns)]), UTC)
    count = f"{len(turns)} question{'' if len(turns) == 1 else 's'}"
    head = [
        f"# {escape(conversation.title or 'Conversation')}",
        "",
        f"TrialQA conversation `{conversation.conversation_id.replace('`', '')}`, {count}, "
        f"last updated {when.strftime('%Y-%m-%d %H:%M')} UTC. The numbered markers of each "
        "answer refer to the references under it; every quote is verbatim from its document.",
    ]
    return "\n".join(head) + "\n\n" + "\n".join(turn_markdown(t, provenance) for t in turns)


__all__ = ["FORMATS", "conversation_markdown", "escape", "reference", "turn_markdown"]
