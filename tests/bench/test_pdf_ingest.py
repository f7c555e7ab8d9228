"""The PDF ingest benchmark runs end to end at a tiny size and writes its JSON.

Like ``test_bench_smoke.py``: no speed is checked, only what is a fact (both files ingest to
chunks, the PDF has the pages asked for, the loader now reads the set text back).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.ingest.journal_pdf import EI2

pytestmark = pytest.mark.slow


def test_pdf_ingest_runs_at_a_tiny_size(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bench.pdf_ingest", "--repeats", "1", "--pages", "2",
         "--backends", "torch", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    if not (EI2 / "ei2_validation.json").is_file():
        assert done.stdout.startswith("pdf_ingest: skipped")
        assert not (tmp_path / "pdf_ingest.json").exists()
        pytest.skip("../shared/data/evidence_inference is absent: the benchmark skips")
    result = json.loads((tmp_path / "pdf_ingest.json").read_text())
    assert result["benchmark"] == "pdf_ingest" and result["pages"] == 2
    assert [r["name"] for r in result["results"]] == ["text (.txt)", "PDF"]
    assert all(r["chunks"] > 0 and len(r["all_seconds"]) == 1 for r in result["results"])
    assert result["pdf_vs_text"] > 0 and result["cpu"]["model"]
    assert result["read"][0]["char_f1"] >= 0.98
    for title in ("PDF ingest:", "PDF / text:", "CPU:"):
        assert title in done.stdout
