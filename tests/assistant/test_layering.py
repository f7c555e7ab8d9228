"""assistant/ is the core: it imports nothing from ingest/, api/ or eval/."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTER = {"ingest", "api", "eval"}


def test_assistant_imports_no_outer_package():
    offenders = []
    for path in (ROOT / "assistant").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in OUTER]
    assert offenders == []
