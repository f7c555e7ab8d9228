"""Public benchmarks on a handful of items (skipped when the shared data is absent)."""

import json

import pytest

from eval import public, pubmedqa
from tests.conftest import SHARED

DATA = SHARED / "data"


def test_locate_finds_spans_after_normalisation():
    text = "Results\n\nThe dose was significantly lower (p < 0.001; Table 2)."
    assert public.locate("The dose  was\nsignificantly lower", text) == (9, 41)
    assert public.locate("not there", text) is None
    assert public.overlaps((0, 10), (9, 20)) and not public.overlaps((0, 9), (9, 20))


def test_missing_data_is_a_skip_not_a_failure(tmp_path, capsys):  # before any model loads
    assert public.main("pubmedqa", tmp_path / "absent.json", limit=2, progress=False) == 0
    assert "skipped" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "pubmedqa").is_dir(), reason=f"no PubMedQA data under {DATA}")
def test_pubmedqa_on_five_questions(embedder, tmp_path):
    path = DATA / "pubmedqa" / "pqal_labeled.json"
    assert (
        public.main("pubmedqa", path, limit=5, report=tmp_path, progress=False, embedder=embedder)
        == 0
    )
    result = json.loads((tmp_path / "pubmedqa.json").read_text())
    assert result["questions"] == 5 and result["decision_items"] == 5
    assert 0 <= result["recall@1"] <= result["recall@5"] <= 1 and result["recall@5"] > 0
    for key in ("decision_accuracy", "decision_given", "decision_accuracy_gold_contexts",
                "majority_class_accuracy", "decision_macro_f1"):  # fmt: skip
        assert 0 <= result[key] <= 1, key
    assert result["majority_class_accuracy"] >= 0.4  # of 5 items with 3 labels


def test_pubmedqa_scores_test_items_only():
    items = [{"pmid": 1, "split": "dev"}, {"pmid": 2, "split": "test"}, {"pmid": 3}]
    assert [i["pmid"] for i in pubmedqa.pubmedqa_test_items(items)] == [2]
    assert pubmedqa.pubmedqa_test_items([{"pmid": 4}]) == [{"pmid": 4}]  # a file with no splits


def test_decision_scores_count_withheld_apart_from_forced():
    scores = pubmedqa.decision_scores(
        ["yes", "no", "yes", "maybe"], ["yes", None, "no", None], ["yes", "no", "no", "yes"],
        ["yes", "no", "yes", "maybe"],
    )  # fmt: skip
    assert scores["decision_accuracy"] == 0.5 and scores["decision_given"] == 0.5
    assert scores["decision_accuracy_when_given"] == 0.5
    assert scores["decision_accuracy_withheld_as_wrong"] == 0.25
    assert scores["decision_accuracy_gold_contexts"] == 1.0
    assert scores["majority_class_accuracy"] == 0.5


@pytest.mark.slow
@pytest.mark.skipif(
    not (DATA / "evidence_inference").is_dir(), reason=f"no Evidence Inference data under {DATA}"
)
def test_evidence_inference_on_five_prompts(embedder, tmp_path):
    path = DATA / "evidence_inference" / "ei2_validation.json"
    assert (
        public.main(
            "evidence-inference", path, limit=5, report=tmp_path, progress=False, embedder=embedder
        )
        == 0
    )
    result = json.loads((tmp_path / "evidence-inference.json").read_text())
    assert result["prompts"] == 5
    # the verdict is scored end to end and on the annotated evidence, as shares
    assert 0 <= result["verdict_macro_f1"] <= 1
    assert 0 <= result["verdict_macro_f1_annotated_evidence"] <= 1
    assert 0 <= result["verdict_given"] <= 1
    assert (
        result["prompts_scored"] >= 1
        and 0 <= result["passage_recall@1"] <= result["passage_recall@3"] <= 1
    )


def test_a_quote_of_a_repeated_sentence_holds_the_answer_where_the_words_stand():
    from eval.covidqa import _holds

    text = "Cases rose. It cost 5 dollars. Then more. It cost 5 dollars. End."
    first, second = text.find("It cost"), text.rfind("It cost")
    span = (second + 8, second + 17)  # "5 dollars", located in the second copy
    assert _holds((first, first + 19), span, text)  # the first copy: the same words
    assert _holds((second, second + 19), span, text)
    assert not _holds((0, 11), span, text)


def test_covidqa_asks_only_held_out_articles():
    from eval.covidqa import held_out_articles
    from eval.splits import covidqa_held_out

    data = {"data": [{"paragraphs": [{"document_id": d, "context": "c", "qas": []}]}
                     for d in (7, 3, 11, 5, 9, 1)]}  # fmt: skip
    kept = [a["document_id"] for a in held_out_articles(data)]
    assert kept == sorted(covidqa_held_out([7, 3, 11, 5, 9, 1])) == [1, 11]


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "covidqa").is_dir(), reason=f"no COVID-QA data under {DATA}")
def test_covidqa_on_eight_questions(embedder, tmp_path):
    path = DATA / "covidqa" / "covidqa.json"
    assert (
        public.main("covidqa", path, limit=8, report=tmp_path, progress=False, embedder=embedder)
        == 0
    )
    result = json.loads((tmp_path / "covidqa.json").read_text())
    assert result["questions"] == 8 and result["articles_in_store"] >= 1
    assert result["questions_scored"] + result["answer_spans_not_located"] == 8
    assert 0 <= result["citation_contains@1"] <= result["citation_contains@3"] <= 1
    assert result["citation_contains@3"] <= result["citation_overlaps@3"] <= 1
    # the engine finds the answer to at least one of eight expert questions in its own paper
    assert result["citation_overlaps@3"] > 0
