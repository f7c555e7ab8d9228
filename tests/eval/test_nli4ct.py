"""``trialqa bench-eval nli4ct``: record lines as documents, labels and evidence lines."""

import json

import pytest

from assistant.checking.claims import CheckResult, Claim
from assistant.models import Citation
from eval import nli4ct
from tests.conftest import SHARED, run_cli

DATA = SHARED / "data" / "nli4ct"
RECORD = {
    "Clinical Trial ID": "NCT00000001",
    "Eligibility": ["Inclusion Criteria:", "  Age 18 or older", "   ", "  ECOG 0 - 1."],
}


def test_each_record_line_is_a_paragraph_whose_span_is_kept():
    doc, spans = nli4ct.record_document(RECORD, "Eligibility", "primary")
    assert doc.doc_id == "nct00000001-eligibility-primary"
    assert doc.title == "The primary trial (NCT00000001): Eligibility"
    assert spans[2] is None  # a line that is empty once normalised
    for i in (0, 1, 3):
        assert doc.text[spans[i][0] : spans[i][1]] == RECORD["Eligibility"][i].strip()
    assert doc.text.count("\n\n") == 2


def test_labels_from_verdicts():
    assert nli4ct.statement_label(["supported", "supported"]) == "Entailment"
    assert nli4ct.statement_label(["supported", "contradicted"]) == "Contradiction"
    assert nli4ct.statement_label(["supported", "not_found"]) is None
    assert nli4ct.statement_label([]) is None


def test_cited_lines_are_the_lines_a_quote_overlaps():
    doc, spans = nli4ct.record_document(RECORD, "Eligibility", "primary")
    start = spans[1][0]
    end = spans[3][1]  # one quote over lines 1 to 3
    cite = Citation(n=1, doc_id=doc.doc_id, title="", source="", chunk_id="x", start=start,
                    end=end, quote=doc.text[start:end])  # fmt: skip
    claim = Claim(text="c", start=0, end=1, verdict="not_found", citations=[cite])
    found = nli4ct.cited_lines(CheckResult(claims=[claim]), {doc.doc_id: ("primary", spans)})
    assert found == {("primary", 1), ("primary", 3)}


@pytest.mark.slow
@pytest.mark.skipif(not DATA.is_dir(), reason=f"no NLI4CT data under {DATA}")
def test_bench_eval_nli4ct_runs_the_checker_on_dev(tmp_path):
    done = run_cli("bench-eval", "nli4ct", "--limit", "4", "--report", str(tmp_path),
                   store=tmp_path / "unused")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "cpu: " in done.stdout and "label_accuracy: " in done.stdout
    result = json.loads((tmp_path / "nli4ct.json").read_text())
    assert result["statements"] == 4 and result["cpu"]
    total = result["supported"] + result["contradicted"] + result["not_found"]
    assert total == pytest.approx(1.0)
    assert 0 <= result["label_accuracy"] <= result["forced_label_accuracy"] <= 1
    assert 0 < result["evidence_line_precision_pooled"] <= 1  # quotes land on record lines
