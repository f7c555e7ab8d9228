"""The runner, report and CLI on a scripted target: no model, no store."""

import json

import pytest

from api.cli import _parser
from assistant.models import Answer, Calculation, Citation
from eval.cases import Case, load_cases
from eval.report import write_report
from eval.runner import baseline_record, regressions, run_cases, summarise

DOCS = {"trial-a": "The overall response rate was 100% in 19 patients. CRS occurred in 42%."}


def cite(n, start, end, doc="trial-a"):
    return Citation(n=n, doc_id=doc, title="A", source="a.txt", chunk_id=f"{doc}#0000",
                    start=start, end=end, quote=DOCS[doc][start:end])  # fmt: skip


class ScriptedTarget:
    """Answers from a table; remembers the questions and conversation ids it was asked."""

    name = "scripted"

    def __init__(self, answers):
        self.answers = answers
        self.asked = []

    def ask(self, question, conversation_id=None, filters=None):
        self.asked.append((question, conversation_id))
        if question == "boom?":
            raise RuntimeError("engine failed")
        text, abstained, citations, calcs = self.answers.get(question, ("No idea.", True, [], []))
        return Answer(question=question, answer=text, abstained=abstained, citations=citations,
                      calculations=calcs, conversation_id=conversation_id or "c1")  # fmt: skip

    def ranked_doc_ids(self, query, k):
        return ["other", "trial-a"][:k]

    def document_text(self, doc_id):
        return DOCS.get(doc_id)

    def describe(self):
        return {"target": self.name, "documents": 1, "chunks": 1}


ORR = "The overall response rate was 100% in 19 patients."
CALC = Calculation(name="response_rate", inputs={}, result={},
                   text="19/19 = 100% (95% CI 82.4–100%)", cited=[1])  # fmt: skip
ANSWERS = {
    "ORR?": (f"{ORR} [1]", False, [cite(1, 0, 51)], []),
    "CRS?": ("CRS occurred in 24%. [1]", False, [cite(1, 52, 72)], []),
    "CI?": (f"{ORR} [1] 19/19 = 100% (95% CI 82.4–100%)", False, [cite(1, 0, 51)], [CALC]),
    "And the CRS rate?": ("CRS occurred in 42%. [1]", False, [cite(1, 52, 72)], []),
}
CASES = [
    Case(id="orr", user_input="ORR?", reference_context_ids=["trial-a"],
         expected_facts=["overall response rate"], expected_numbers=["100%"], tags=["number"]),
    Case(id="crs-wrong", user_input="CRS?", reference_context_ids=["trial-a"],
         expected_numbers=["42%"], tags=["number"]),
    Case(id="ci", user_input="CI?", expected_numbers=["82.4–100%"], tags=["calculator"]),
    Case(id="pfs", user_input="PFS?", reference_context_ids=["trial-a"], must_abstain=True,
         tags=["near-miss"]),
    Case(id="follow", user_input="And the CRS rate?", turns=["ORR?"], reference_context_ids=["trial-a"],
         expected_numbers=["42%"], tags=["follow-up"]),
    Case(id="boom", user_input="boom?", expected_facts=["x"], tags=["error"]),
]  # fmt: skip


@pytest.fixture
def results():
    return run_cases(ScriptedTarget(ANSWERS), CASES)


def test_each_case_is_scored(results):
    by_id = {r.case.id: r.scores for r in results}
    assert by_id["orr"]["correct"] and by_id["orr"]["quote_exactness"] == 1.0
    assert by_id["orr"]["recall@1"] == 0.0 and by_id["orr"]["mrr"] == 0.5
    assert not by_id["crs-wrong"]["correct"] and by_id["crs-wrong"]["numeric_recall"] == 0.0
    assert by_id["crs-wrong"]["untraceable_numbers"] == ["24%"]  # the quote says 42%
    assert by_id["ci"]["correct"] and by_id["ci"]["untraceable_numbers"] == []
    assert by_id["pfs"]["correct"]  # abstained, as it must
    assert by_id["follow"]["correct"]
    assert not by_id["boom"]["correct"]
    assert next(r for r in results if r.case.id == "boom").error == "RuntimeError: engine failed"


def test_turns_are_asked_first_under_one_conversation_id():
    target = ScriptedTarget(ANSWERS)
    run_cases(target, [CASES[4]])
    assert target.asked == [("ORR?", None), ("And the CRS rate?", "c1")]


def test_summary_overall_and_per_tag(results):
    summary = summarise(results, {"target": "scripted"})
    o = summary["overall"]
    assert o["cases"] == 6 and o["errors"] == 1
    assert o["accuracy"] == pytest.approx(4 / 6)
    assert o["abstention_recall"] == 1.0 and o["abstention_precision"] == 1.0
    assert o["numbers_traced"] == pytest.approx(3 / 4)
    assert summary["by_tag"]["number"]["accuracy"] == 0.5


def test_regressions_against_a_baseline(results):
    summary = summarise(results)
    base = baseline_record(summary, "cases.jsonl")
    assert regressions(summary, base, 0.02) == []
    base["metrics"]["accuracy"] = summary["overall"]["accuracy"] + 0.05
    assert [p.split(":")[0] for p in regressions(summary, base, 0.02)] == ["accuracy"]
    assert regressions(summary, base, 0.1) == []


def test_report_files(results, tmp_path):
    summary = summarise(results, {"target": "scripted", "cases_file": "x.jsonl"})
    report = write_report(tmp_path, summary, results, baseline=None, problems=None)
    text = report.read_text()
    assert "| number |" in text and "Ten worst cases" in text and "`crs-wrong`" in text
    rows = [json.loads(line) for line in (tmp_path / "cases.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == [c.id for c in CASES]
    assert json.loads((tmp_path / "summary.json").read_text())["overall"]["cases"] == 6
    assert (tmp_path / "by_tag.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "latency.png").exists()


def test_cases_file_errors_name_the_line(tmp_path):
    bad = tmp_path / "cases.jsonl"
    bad.write_text(
        '{"id": "a", "user_input": "q?", "expected_facts": ["x"]}\n{"id": "a", "user_input": "q?", "expected_facts": ["y"]}\n'
    )
    with pytest.raises(ValueError, match=":2: id 'a'"):
        load_cases(bad)
    bad.write_text(
        '{"id": "a", "user_input": "q?", "must_abstain": true, "expected_facts": ["x"]}\n'
    )
    with pytest.raises(ValueError, match=":1:"):
        load_cases(bad)


def test_cli_registers_eval_and_bench_eval():
    args = _parser().parse_args(["eval", "--tag", "calculator", "--threshold", "0.05"])
    assert args.command == "eval" and args.tag == ["calculator"] and args.threshold == 0.05
    args = _parser().parse_args(["bench-eval", "pubmedqa", "--limit", "5"])
    assert (args.command, args.benchmark, args.limit) == ("bench-eval", "pubmedqa", 5)


def test_eval_help_teaches_with_examples(capsys):
    with pytest.raises(SystemExit):
        _parser().parse_args(["eval", "--help"])
    out = capsys.readouterr().out
    assert "examples:" in out and "--update-baseline" in out and "exit status" in out


class RewritingTarget(ScriptedTarget):
    """Answers the follow-up and says which standalone question it answered."""

    def __init__(self, answers, standalone):
        super().__init__(answers)
        self.standalone = standalone

    def ask(self, question, conversation_id=None, filters=None):
        answer = super().ask(question, conversation_id, filters)
        return answer.model_copy(update={"standalone_question": self.standalone})


@pytest.mark.parametrize(
    ("answered", "match"),
    [("what was the CRS rate in trial A", True),  # case, spaces and end mark ignored
     ("What was the ORR in trial A?", False), (None, False)],
)  # fmt: skip
def test_a_follow_up_is_right_only_when_rewritten_as_expected(answered, match):
    case = Case(id="rewrite", user_input="And the CRS rate?", turns=["ORR?"],
                standalone="What was the CRS rate in trial A?", expected_numbers=["42%"],
                tags=["follow-up"])  # fmt: skip
    [result] = run_cases(RewritingTarget(ANSWERS, answered), [case])
    assert result.scores["numeric_recall"] == 1.0  # the figure is right either way
    assert result.scores["standalone_match"] == float(match)
    assert result.scores["correct"] is match
    assert summarise([result])["overall"]["standalone_match"] == float(match)
    assert result.row()["expected_standalone"] == case.standalone


def test_a_standalone_question_is_expected_only_of_a_follow_up():
    with pytest.raises(ValueError, match="only of a follow-up"):
        Case(id="x", user_input="ORR?", standalone="ORR?", expected_numbers=["1%"])
