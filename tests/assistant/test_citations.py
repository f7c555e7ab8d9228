"""Citation markers have one owner: assistant/answering/citations.py writes their grammar, in
the three widths its readers accept, and no other module writes a marker pattern."""

import ast
import re
from pathlib import Path

from assistant.answering.citations import MARKER, MARKER_LIST, REPLY_MARKER, numbers, reply_numbers

ROOT = Path(__file__).resolve().parents[2]
OWNER = ROOT / "assistant" / "answering" / "citations.py"
# A journal's own reference marks in a document's text ("... as before.[12, 14]"), which the
# sentence splitter keeps with their sentence: not an answer's citations.
REFERENCE_MARKS = ROOT / "assistant" / "language" / "text.py"
# How a pattern for "[" followed by a number is written: \[\d, \[(\d, \[\s*\d, \[\s*(\d
MARKER_SOURCE = re.compile(r"\\\[\s*(?:\\s\*)?\(?\\d")


def test_no_other_module_writes_a_citation_marker_pattern():
    offenders = []
    for room in ("assistant", "api", "ingest", "eval"):
        for path in (ROOT / room).rglob("*.py"):
            if path in (OWNER, REFERENCE_MARKS):
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                written = isinstance(node, ast.Constant) and isinstance(node.value, str)
                if written and MARKER_SOURCE.search(node.value):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_the_owner_is_found_by_the_same_check():
    """The check above would see a marker pattern if one were written elsewhere."""
    sources = [
        node.value
        for node in ast.walk(ast.parse(OWNER.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    assert any(MARKER_SOURCE.search(s) for s in sources)


def test_the_three_widths_accept_what_their_readers_read():
    text = "A [1], B [2][3], C [4, 5], D [6\u20138], E [Passage 9], F \u301010\u3011."
    assert numbers(text) == [1, 2, 3]  # engines write and read back one number a marker
    assert [m.group(0) for m in MARKER.finditer(text)] == ["[1]", "[2]", "[3]"]
    assert [m.group(0) for m in MARKER_LIST.finditer(text)] == [
        "[1]", "[2]", "[3]", "[4, 5]", "[6\u20138]",
    ]  # fmt: skip
    # a model's reply: words and lists, any bracket, but no ranges
    assert reply_numbers(text) == (1, 2, 3, 4, 5, 9, 10)
    assert not REPLY_MARKER.fullmatch("[6\u20138]")
