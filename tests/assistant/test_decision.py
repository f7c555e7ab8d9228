"""The yes/no decision (assistant/verdicts/decision.py): which questions get one, the shipped layer
against its model card on held-apart PubMedQA dev items, and the decision in a real answer
over a small document ingested into a real store."""

import json

import numpy as np
import pytest

from assistant.errors import ConfigError
from assistant.models import Answer, Citation, Decision
from assistant.verdicts.decision import (
    DECISIONS,
    FEATURE_NAMES,
    asks_alike,
    decision_features,
    default_path,
    is_yes_no,
    load_decision_layer,
    read,
    with_decision,
)
from assistant.verdicts.verdict import load_verdict_model
from eval import splits
from tests.conftest import SHARED, services_over

PQA = SHARED / "data" / "pubmedqa" / "pqal_labeled.json"


@pytest.mark.parametrize(
    "question",
    [
        "Does vitamin D supplementation reduce falls in older adults?",
        "Is early mobilisation safe after hip fracture surgery?",
        "Can a smartphone app improve inhaler technique?",
        "Should statins be stopped in frail patients?",
        "Were outcomes better with drug M than with placebo?",
        "Robotic hysterectomy in obese women: is it feasible?",
        "Assessment of stenosis before surgery. Is it always necessary?",
    ],
)
def test_yes_no_questions_are_recognised(question):
    assert is_yes_no(question)


@pytest.mark.parametrize(
    "question",
    [
        "What was the median progression-free survival?",
        "How many patients were randomised?",
        "Which dose was chosen for phase 3?",
        "Islands of calm: what helps?",  # "Is" inside a word is no auxiliary verb
        "",
    ],
)
def test_other_questions_are_not_yes_no(question):
    assert not is_yes_no(question)


@pytest.mark.parametrize(
    ("question", "alike"),
    [
        ("Were users as happy with the online programme as with the group sessions?", True),
        ("Is drug A as effective as drug B?", True),
        ("Is drug A equivalent to drug B?", True),
        ("Was drug A non-inferior to drug B?", True),
        ("Did drug A reduce pain as well as nausea?", False),  # "as well as" joins
        ("Were response rates as high as 40%?", False),  # a bound
        ("Is drug A safe as a first-line treatment as compared with drug B?", False),
        ("Did drug A reduce pain more than drug B?", False),
    ],
)
def test_questions_asking_whether_two_things_are_alike(question, alike):
    assert asks_alike(question) is alike


@pytest.mark.slow
def test_a_significant_difference_answers_no_to_whether_two_things_are_alike():
    """The layer reads whether the quotes show an effect; asked whether two things are alike,
    that reading is mirrored: a significant difference is a "no", none is a "yes"."""
    model, layer = load_verdict_model(), load_decision_layer()
    differ = ["Satisfaction was significantly lower with the online programme than with the "
              "group sessions (P < 0.001)."]  # fmt: skip
    alike = "Were users as happy with the online programme as with the group sessions?"
    effect = "Were users less happy with the online programme than with the group sessions?"
    assert read(effect, differ, model, layer).label == "yes"
    assert read(alike, differ, model, layer).label == "no"


def test_features_have_the_layer_width_with_no_quote_and_with_several():
    empty = decision_features("Is it safe?", [], np.zeros((0, 4)))
    assert empty.shape == (len(FEATURE_NAMES),) and empty[0] == 0.0
    probs = np.array([[0.1, 0.8, 0.05, 0.05], [0.9, 0.03, 0.03, 0.04]])
    quotes = ["Mortality was significantly lower (p = 0.01).", "Patients were enrolled in 2010."]
    row = decision_features("Is it safe?", quotes, probs)
    assert row.shape == (len(FEATURE_NAMES),)
    assert row[FEATURE_NAMES.index("p_significant")] > 0
    assert row[FEATURE_NAMES.index("p_not_significant")] == 0


def test_the_answer_contract_carries_a_decision():
    decision = Decision(label="no", confidence=0.7, cues=["p = 0.48"], cited=[1])
    answer = Answer(question="Is it?", answer="x [1]", abstained=False, decision=decision)
    dumped = json.loads(answer.model_dump_json())
    assert dumped["decision"] == {"label": "no", "confidence": 0.7, "cues": ["p = 0.48"],
                                  "cited": [1]}  # fmt: skip
    assert Answer(question="q", answer="a", abstained=True).decision is None
    with pytest.raises(ValueError):
        Decision(label="probably")


def test_a_missing_or_foreign_layer_is_one_line_naming_the_make_target(tmp_path):
    with pytest.raises(ConfigError, match="make train-decision"):
        load_decision_layer(tmp_path / "absent.json")
    wrong = tmp_path / "decision.json"
    wrong.write_text(json.dumps({"weights": [[1.0]], "bias": [0.0], "mean": [0.0],
                                 "scale": [1.0], "threshold": 0.5, "features": ["x"]}))  # fmt: skip
    with pytest.raises(ConfigError, match="cannot be read"):
        load_decision_layer(wrong)


def test_questions_that_are_not_yes_no_or_were_declined_are_left_alone():
    def boom():
        raise AssertionError("no model is read for these")

    other = Answer(question="What was the dose?", answer="10 mg [1]", abstained=False,
                   citations=[_citation("The dose was 10 mg.")])  # fmt: skip
    declined = Answer(question="Is it safe?", answer="Nothing found.", abstained=True)
    assert with_decision(other, boom, boom) == other
    assert with_decision(declined, boom, boom) == declined


def _citation(quote: str, n: int = 1) -> Citation:
    return Citation(n=n, doc_id="d", title="t", source="s", chunk_id="c", start=0,
                    end=len(quote), quote=quote)  # fmt: skip


@pytest.mark.slow
@pytest.mark.skipif(not PQA.is_file(), reason=f"no PubMedQA data at {PQA}")
def test_the_layer_reproduces_its_card_on_held_apart_dev_items():
    """The shipped layer and verdict model re-read the fixed sample of held-apart dev items
    that `make train-decision` scored (never fitted on, never a test item): the same
    accuracy, and the same label on nearly every item."""
    from eval.train_decision import context_sentences

    report = json.loads((default_path().parent / "decision_report.json").read_text())
    sample = report["held_apart_sample"]
    items = {str(i["pmid"]): i for i in json.loads(PQA.read_text())}
    model, layer = load_verdict_model(), load_decision_layer()
    said, right = [], 0
    for pmid, label in sample["labels"].items():
        item = items[pmid]
        assert item["split"] == "dev" and splits.pubmedqa_held_apart(pmid)
        p = read(item["question"], context_sentences(item), model, layer).probabilities
        said.append(DECISIONS[int(np.argmax(p))] == label)
        right += DECISIONS[int(np.argmax(p))] == item["final_decision"]
    assert len(said) >= 30 and sum(said) >= len(said) - 1
    assert abs(right / len(said) - sample["accuracy"]) <= 1 / len(said) + 1e-9
    assert (
        report["held_apart"]["contexts"]["accuracy"]
        > report["held_apart"]["contexts"]["majority_class"]
    )


PAPER = (
    "---\ntrial: BRISK-2\nsource_type: paper\n---\n"
    "# Brisk walking and glycaemic control in adults with type 2 diabetes\n\n"
    "## Methods\n"
    "Adults with type 2 diabetes were randomly assigned to a supervised brisk walking "
    "programme or usual care for 24 weeks. The primary outcome was the change in HbA1c.\n\n"
    "## Results\n"
    "A total of 240 adults were randomised, 120 to each group. HbA1c fell significantly more "
    "with brisk walking than with usual care (difference -0.6%, 95% CI -0.8 to -0.4; "
    "P < 0.001). Body weight did not differ significantly between the groups (P = 0.41).\n"
)


@pytest.fixture(scope="module")
def services(tmp_path_factory, embedder):
    return services_over(tmp_path_factory.mktemp("decision"), {"brisk.md": PAPER}, embedder)


@pytest.mark.slow
def test_a_yes_no_question_gets_a_decision_resting_on_its_cited_quotes(services):
    answer = services.engine.answer(
        "Does brisk walking improve HbA1c in adults with type 2 diabetes?"
    )
    assert not answer.abstained
    d = answer.decision
    assert d is not None and d.label == "yes", answer
    quotes = {c.n: c.quote for c in answer.citations}
    assert d.cited and all(n in quotes for n in d.cited)
    assert all(any(cue in quotes[n] for n in d.cited) for cue in d.cues)
    assert answer.answer.startswith("Yes")
    opening = answer.answer.split("]")[0]  # the cue it shows is one of them, a figure first
    assert any(f"({cue})" in opening for cue in d.cues if any(ch.isdigit() for ch in cue))
    assert 0.0 < d.confidence <= 1.0


@pytest.mark.slow
def test_a_question_that_is_not_yes_no_gets_no_decision(services):
    answer = services.engine.answer("How many adults were randomised?")
    assert answer.decision is None and not answer.abstained


@pytest.mark.slow
def test_decisions_can_be_switched_off(services):
    services.engine.settings.decision = False
    try:
        answer = services.engine.answer("Does brisk walking improve HbA1c?")
    finally:
        services.engine.settings.decision = True
    assert answer.decision is None and not answer.answer.startswith("Yes")


def test_pairs_read_again_when_the_verdict_memory_is_full_are_kept():
    """A full memory of read pairs drops the oldest ones, never one asked for now (a yes/no
    answer reads its document's sentences again after its quotes were read)."""
    from assistant.verdicts.verdict import VerdictModel, default_folder

    model = VerdictModel(default_folder(), threads=1)
    model.MEMORY = 3
    q = "Is it safe?"
    first = model.logits(q, ["A was safe.", "B was not safe."])
    again = model.logits(q, ["A was safe.", "C was safe (p = 0.01).", "D failed."])
    assert again.shape == (3, 4) and np.allclose(again[0], first[0], atol=1e-5)
    assert len(model._read) == 3


@pytest.mark.slow
def test_an_effect_question_asked_yes_or_no_opens_with_the_verdict_then_the_decision(services):
    answer = services.engine.answer("Did brisk walking lower HbA1c more than usual care?")
    assert answer.verdict is not None and answer.decision is not None, answer.answer
    assert answer.decision.label == "yes", answer.answer
    verdict_end = answer.answer.index("].") + 2
    assert answer.answer[verdict_end:].lstrip().startswith("Yes"), answer.answer


@pytest.mark.slow
def test_an_effect_question_with_an_unclear_verdict_gets_no_yes_or_no(services, monkeypatch):
    model = services.engine._verdict_model()
    monkeypatch.setattr(model, "threshold", 1.01)  # no reading reaches the bar: unclear
    answer = services.engine.answer("Did brisk walking lower HbA1c more than usual care?")
    assert answer.verdict is None and answer.decision is None, answer.answer
    assert "Yes" not in answer.answer and any("no verdict" in w for w in answer.warnings)
