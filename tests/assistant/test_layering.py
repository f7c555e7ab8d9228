"""The layout is the data flow: assistant/ imports no outer package, its families import only
the families below them, and the outer rooms import a family's ``__init__``, never its modules."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTER = ("ingest", "api", "eval")

# From the bottom up; a family may import only from rows above its own. The first row is the
# top-level modules everything shares (they import one another freely).
LAYERS = [
    {"errors", "provenance", "answer_settings", "settings", "models"},
    {"language", "calculators"},
    {"embedding"},
    {"store"},
    {"retrieval"},
    {"scoring"},
    {"verdicts"},
    {"answering"},
    {"checking", "composer", "conversation"},
    {"factory"},
    {"__init__"},
]
RANK = {family: i for i, row in enumerate(LAYERS) for family in row}


def imported(path: Path) -> list[str]:
    """The absolute modules ``path`` imports (``from assistant import x`` counts as
    ``assistant.x``), lazy imports inside functions included."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "assistant":
                names += [f"assistant.{a.name}" for a in node.names]
            else:
                names.append(node.module)
    return names


def family(path: Path) -> str:
    parts = path.relative_to(ROOT / "assistant").parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def test_assistant_imports_no_outer_package():
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "assistant").rglob("*.py")
        for name in imported(path)
        if name.split(".")[0] in OUTER
    ]
    assert offenders == []


def test_every_family_has_a_row():
    found = {family(path) for path in (ROOT / "assistant").rglob("*.py")}
    assert found == set(RANK)


def test_families_import_only_the_families_below():
    offenders = []
    for path in (ROOT / "assistant").rglob("*.py"):
        here = family(path)
        for name in imported(path):
            parts = name.split(".")
            if parts[0] != "assistant" or len(parts) < 2 or parts[1] == here:
                continue
            there = parts[1]
            if RANK[there] >= RANK[here] and RANK[here] > 0:
                offenders.append(f"{path.relative_to(ROOT)} ({here}) imports {name}")
    assert offenders == []


def test_outer_rooms_import_families_not_their_modules():
    """api/, ingest/ and eval/ import ``assistant.<family>`` or a top-level module: what a
    family offers them is what its ``__init__`` exports (pinned in tests/test_public_api.py)."""
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for room in OUTER
        for path in (ROOT / room).rglob("*.py")
        for name in imported(path)
        if name.startswith("assistant.") and name.count(".") > 1
    ]
    assert offenders == []
