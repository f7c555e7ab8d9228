"""The verdict on effect questions with the shipped classifier (assistant/verdicts/verdict.py), through
the real engine over a paper written here, and on EI2 validation prompts' annotated evidence."""

import json

import numpy as np
import pytest

from assistant.errors import ConfigError
from assistant.models import Answer, Citation
from assistant.verdicts.effects import Comparison
from assistant.verdicts.verdict import (
    EFFECTS,
    combine,
    document_alpha,
    load_verdict_model,
    results_first,
    stating_result,
    with_verdict,
)
from tests.conftest import SHARED, run_cli, services_over

pytestmark = pytest.mark.slow

PAPER = (
    "---\ntrial: MAPLE-3\nsource_type: paper\n---\n"
    "# Nasal spray M versus saline in seasonal allergic rhinitis: a randomised trial\n\n"
    "## Methods\n"
    "Adults with seasonal allergic rhinitis were randomly assigned to nasal spray M or saline "
    "spray twice daily for four weeks. The primary outcome was the change in total nasal "
    "symptom score.\n\n"
    "## Results\n"
    "A total of 312 adults were randomly assigned, 156 to each group. The total nasal symptom "
    "score fell by 3.1 points with spray M and by 1.2 points with saline (difference -1.9, 95% "
    "CI -2.6 to -1.2; P < 0.001). Rescue antihistamine use did not differ significantly "
    "between the groups (18% vs 21%, P = 0.48). Nosebleeds were reported by 9 patients given "
    "spray M and 4 given saline.\n"
)


@pytest.fixture(scope="module")
def services(tmp_path_factory, embedder):
    return services_over(tmp_path_factory.mktemp("verdict"), {"maple.md": PAPER}, embedder)


def ask(services, question):
    return services.engine.answer(question)


def test_a_significant_effect_opens_the_answer_with_its_direction_and_cue(services):
    answer = ask(
        services,
        "What was the effect of nasal spray M compared with saline on total nasal symptom score?",
    )
    v = answer.verdict
    assert v is not None and v.label == "significantly_decreased", answer
    assert answer.answer.startswith("Total nasal symptom score was significantly lower with")
    quotes = {c.n: c.quote for c in answer.citations}
    assert v.cited and all(n in quotes for n in v.cited)
    # every cue is a verbatim span of a quote the verdict rests on
    assert v.cues and all(any(cue in quotes[n] for n in v.cited) for cue in v.cues)
    assert 0.0 < v.confidence <= 1.0


def test_the_direction_follows_the_order_the_question_names_the_arms(services):
    answer = ask(
        services,
        "What was the effect of saline compared with nasal spray M on total nasal symptom score?",
    )
    assert answer.verdict is not None and answer.verdict.label == "significantly_increased"


def test_no_significant_difference_is_said_with_its_cue(services):
    answer = ask(
        services,
        "Did nasal spray M reduce rescue antihistamine use compared with saline?",
    )
    v = answer.verdict
    assert v is not None and v.label == "no_significant_difference", answer
    assert answer.answer.startswith("No significant difference in rescue antihistamine use")


def test_other_questions_get_no_verdict(services):
    answer = ask(services, "How many adults were randomly assigned?")
    assert answer.verdict is None and not answer.abstained


def test_a_comparison_the_paper_does_not_hold_is_not_reported(services):
    answer = ask(services, "Was nasal spray M better than saline for sleep quality at one year?")
    assert answer.verdict is not None and answer.verdict.label == "not_reported"
    assert answer.verdict.confidence is None or answer.abstained is False


def test_a_missing_model_file_is_one_line_naming_the_make_target(tmp_path):
    with pytest.raises(ConfigError, match="make train-verdict"):
        load_verdict_model(tmp_path)
    question = "Was A better than B?"
    cited = [Citation(n=1, doc_id="d", title="t", source="s", chunk_id="d#0", start=0, end=5,
                      quote="A won")]  # fmt: skip
    with pytest.raises(ConfigError, match="missing"):
        with_verdict(Answer(question=question, answer="A won [1]", abstained=False,
                            citations=cited), lambda: load_verdict_model(tmp_path))  # fmt: skip


def test_trialqa_stops_with_one_line_when_the_verdict_model_is_missing(tmp_path):
    """The verdict classifier is among the trained files trialqa loads before it asks, so a
    missing one stops it at once, not at the first effect question."""
    env = {"TRIALQA_ANSWER__VERDICT_PATH": str(tmp_path / "gone")}
    done = run_cli("ask", "What was the ORR?", store=tmp_path / "store", env=env)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "gone" in lines[0] and "make train-verdict" in lines[0]
    assert "Traceback" not in done.stderr


def test_annotated_evidence_of_ei2_validation_prompts():
    """The shipped model on the first 60 EI2 validation prompts' annotated evidence (data it was
    never trained on): the verdicts it gives are mostly right, and it gives most of them."""
    from eval.public import EI2_LABELS, evidence_question

    path = SHARED / "data" / "evidence_inference" / "ei2_validation.json"
    data = json.loads(path.read_text())
    model = load_verdict_model()
    given = right = 0
    prompts = data["prompts"][:60]
    for p in prompts:
        quotes = [" ".join(ev["text"].split()) for ev in p["evidence"]]
        probs = model.probabilities(evidence_question(p), quotes, document_alpha(quotes))
        label = combine(probs, model.threshold).label
        if label in EFFECTS:
            given += 1
            right += label == EI2_LABELS[p["label"]]
    assert given >= 0.6 * len(prompts)
    assert right >= 0.8 * given


def test_the_card_reports_validation_figures_only():
    from assistant.verdicts.verdict import default_folder

    report = json.loads((default_folder() / "report.json").read_text())
    assert set(report["validation"]) >= {"macro_f1_forced", "given", "accuracy_given"}
    assert report["counts"]["calibrate_prompts"] > 0
    assert report["arguments"]["data"].endswith("data")
    assert Comparison("a", "b").outcome == ""


COUGH = "What was the effect of drug Z compared with placebo on cough frequency?"
METHOD = "The primary outcome was the change in 24-hour cough frequency."
AIM = "We aimed to compare drug Z with placebo in adults with chronic cough."
RESULT = "Cough frequency fell by 38% with drug Z and by 17% with placebo (P < 0.001)."
HARM = "Taste disturbance occurred in 21 patients given drug Z."


def test_a_result_sentence_leads_an_effect_answer_over_a_method_and_an_aim():
    from types import SimpleNamespace

    method, aim, result, harm = (SimpleNamespace(text=t) for t in (METHOD, AIM, RESULT, HARM))
    led = results_first(COUGH, [method, aim, harm, result], [method, aim], load_verdict_model, 5, 3)
    assert led[0] is result and led[1:] == [method, aim]
    # at most `most` sentences; read only the `reads` best
    assert results_first(COUGH, [method, aim, result], [method, aim], load_verdict_model, 5, 2) == [
        result,
        method,
    ]
    assert results_first(
        COUGH, [method, aim, harm, result], [method], load_verdict_model, 3, 3
    ) == [method]
    # already led by a result, or no comparison asked: unchanged
    assert results_first(COUGH, [result, method], [result], load_verdict_model, 5, 3) == [result]
    asked = "How many patients had taste disturbance?"
    assert results_first(asked, [method, result], [method], load_verdict_model, 5, 3) == [method]


def test_only_a_sentence_stating_the_result_may_answer_an_effect_question_it_misses():
    from types import SimpleNamespace

    pool = [SimpleNamespace(text=t) for t in (METHOD, AIM, RESULT, HARM)]
    assert [c.text for c in stating_result(COUGH, pool, load_verdict_model, 0.8)] == [RESULT]
    assert stating_result(COUGH, pool, load_verdict_model, 1.0) == []
    assert stating_result("How many patients were enrolled?", pool, load_verdict_model, 0.8) == []


def test_a_reading_keeps_to_what_the_quotes_cues_all_say():
    """An interval of a ratio that excludes 1 is a significant difference whatever the
    classifier reads; p = 0.40 alone is none; mixed or no cues leave the reading as it is."""
    from assistant.verdicts.verdict import LABELS, agreeing_with_cues

    texts = [
        "The hazard ratio for progression was 0.49 (95% CI 0.36-0.67) with drug A.",
        "Pain did not differ between the groups (p = 0.40).",
        "Response was 63% with drug A and 41% with placebo.",
    ]
    torn = np.array([[0.1, 0.1, 0.2, 0.6]] * 3)
    read = agreeing_with_cues(torn, texts)
    nsd = LABELS.index("no_significant_difference")
    assert read[0, nsd] == 0 and read[0].argmax() == LABELS.index("significantly_decreased")
    assert read[1, 1] == read[1, 2] == 0 and read[1].argmax() == nsd
    np.testing.assert_allclose(read[2], torn[2], rtol=1e-6)
    np.testing.assert_allclose(read.sum(axis=1), 1.0, rtol=1e-6)
