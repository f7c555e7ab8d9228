"""Effect questions and statistical cues (assistant/verdicts/effects.py), and how the verdict pools
quotes (assistant/verdict.combine, opening): deterministic, no model."""

import numpy as np
import pytest

from assistant.verdicts.effects import (
    Comparison,
    comparison,
    cue_features,
    cues,
    orientation,
    outcome_terms,
    stated_alpha,
)
from assistant.verdicts.verdict import EFFECTS, combine, cue_spans, opening


@pytest.mark.parametrize(
    "question, expected",
    [
        ("What was the effect of drug Z compared with placebo on cough frequency?",
         Comparison("drug Z", "placebo", "cough frequency")),
        ("Was Zeta better than placebo?", Comparison("Zeta", "placebo")),
        ("Did aspirin reduce stroke compared with clopidogrel?",
         Comparison("aspirin", "clopidogrel", "stroke")),
        ("How did pain at 6 weeks differ between ibuprofen and paracetamol?",
         Comparison("ibuprofen", "paracetamol", "pain at 6 weeks")),
        ("Mortality: early surgery vs watchful waiting",
         Comparison("early surgery", "watchful waiting", "Mortality")),
        ("Was the low dose safer than the high dose for kidney function?",
         Comparison("low dose", "high dose", "kidney function")),
        ("Did quality of life improve more with drug T than with drug E?",
         Comparison("drug T", "drug E", "quality of life")),
        ("Does pain improve faster on gel W than on placebo?",
         Comparison("gel W", "placebo", "pain")),
        ("How much did itching fall with cream V compared with vehicle?",
         Comparison("cream V", "vehicle", "itching")),
        ("How did creatinine change over 24 weeks on drug K compared with controls?",
         Comparison("drug K", "controls", "creatinine")),
        ("How did drug K affect bone density compared with placebo?",
         Comparison("drug K", "placebo", "bone density")),
    ],
)  # fmt: skip
def test_effect_questions_name_both_arms_in_order(question, expected):
    assert comparison(question) == expected


@pytest.mark.parametrize(
    "question",
    [
        "How many patients were randomised?",
        "What was the effect of the drug?",  # one arm: no direction to give
        "Was placebo better than placebo?",
        "What were the grade 3 adverse events?",
    ],
)
def test_other_questions_are_no_comparison(question):
    assert comparison(question) is None


@pytest.mark.parametrize(
    ("question", "terms"),
    [
        ("What was the effect of gel W compared with vehicle on WOMAC pain?", {"womac", "pain"}),
        ("Did drug Z reduce mortality compared with placebo?", {"mortal"}),
        ("What was the effect of drug Z versus placebo on efficacy?", set()),
        ("Was drug Z better than placebo?", set()),
        ("What were the grade 3 adverse events?", set()),
        # One arm's effect: the outcome, up to whom or when it is asked of.
        ("Did the vest improve walking speed in these children?", {"walk", "speed"}),
        ("Did drug Z lower blood pressure after 12 weeks?", {"blood", "pressur"}),
        ("Does early treatment improve overall survival?", {"overal", "surviv"}),
        ("Did anyone have side effects?", set()),
    ],
)
def test_outcome_terms_are_what_an_effect_question_asks_about(question, terms):
    assert {g.term for g in outcome_terms(question)} == terms


def spans(text):
    return [(c.span(text), c.significant, c.kind) for c in cues(text)]


def test_p_values_are_read_against_the_alpha():
    text = "Pain fell more with Z (p < 0.001) but sleep did not (P = 0.41); fatigue p=.049."
    assert spans(text) == [
        ("p < 0.001", True, "p-value"),
        ("P = 0.41", False, "p-value"),
        ("p=.049", True, "p-value"),
    ]
    # a stated alpha of 0.01 makes p = .049 not significant
    stricter = "Significance was set at alpha = 0.01. Fatigue p=.049."
    assert stated_alpha(stricter) == 0.01
    assert [c.significant for c in cues(stricter) if c.kind == "p-value"] == [False]
    # "p < 0.10" says nothing at 0.05; "p = 0.05" is on the line
    assert [c for c in cues("trend (p < 0.10); borderline (p = 0.05)") if c.kind == "p-value"] == []


def test_intervals_are_read_against_their_null_value():
    ratio = "The hazard ratio was 0.62 (95% CI 0.45 to 0.85)."
    crossing = "odds ratio 1.20 (95% CI, 0.80-1.90)"
    difference = "mean difference -2.1 points (95% CI -4.0 to -0.2)"
    near_one = "mean difference 0.4 (95% CI 0.1 to 0.7)"  # a difference: null is 0, not 1
    assert spans(ratio) == [("95% CI 0.45 to 0.85)", True, "interval")]
    assert spans(crossing) == [("95% CI, 0.80-1.90)", False, "interval")]
    assert spans(difference) == [("95% CI -4.0 to -0.2)", True, "interval")]
    assert spans(near_one) == [("95% CI 0.1 to 0.7)", True, "interval")]
    # an interval of a plain mean (no ratio or difference named) is no cue
    assert cues("Mean age was 54 years (95% CI 51 to 57).") == []


def test_words_say_significant_or_not_and_negation_is_read():
    assert spans("Delivery rate 11.5 vs 10.0, ns") == [("ns", False, "words")]
    assert spans("was significantly lower with r-FSH") == [("significantly", True, "words")]
    assert spans("did not differ significantly between groups") == [
        ("did not differ", False, "words")
    ]
    assert [c.significant for c in cues("there was no significant difference in pain")] == [False]
    assert [c.significant for c in cues("not statistically significant")] == [False]


def test_cue_features_count_each_kind_then_sign_the_direction():
    assert cue_features("no cue at all here") == [0.0] * 10
    row = cue_features("significantly lower (p < 0.001; HR 0.5, 95% CI 0.3 to 0.8)")
    assert row == [0.5, 0.0, 0.5, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0]
    asked = Comparison("drug Z", "placebo", "pain")
    assert cue_features("Pain was lower with drug Z than with placebo.", None, asked)[6:] == [
        0.0, 1.0, 0.0, 0.0,
    ]  # fmt: skip
    assert cue_features("Pain was lower with placebo than with drug Z.", None, asked)[6:] == [
        0.0, -1.0, 0.0, 0.0,
    ]  # fmt: skip
    # a ratio below 1 reads as lower; a sentence naming neither arm keeps its sign apart
    assert cue_features("HR 0.49 (95% CI 0.36-0.67) with drug Z versus placebo", None, asked)[
        6:
    ] == [0.0, 1.0, 0.0, 0.0]
    assert cue_features("Pain rose more (95% CI 0.1 to 0.7 difference)", None, asked)[6:] == [
        0.0, 0.0, 1.0, 0.0,
    ]  # fmt: skip


@pytest.mark.parametrize(
    "text, way",
    [
        ("Pain was lower with drug Z than with placebo.", 1),
        ("Compared with placebo, drug Z lowered pain.", 1),
        ("Compared with drug Z, placebo left more pain.", -1),
        ("Placebo recipients had more pain than those given drug Z.", -1),
        ("Pain fell significantly in the drug Z group.", 1),
        ("Pain fell in both groups.", 0),
    ],
)
def test_orientation_finds_which_arm_a_sentence_is_about(text, way):
    assert orientation(Comparison("drug Z", "placebo", "pain"), text) == way


def test_combine_pools_quotes_that_state_a_result():
    none = [0.9, 0.03, 0.03, 0.04]
    down = [0.05, 0.02, 0.9, 0.03]
    flat = [0.1, 0.05, 0.05, 0.8]
    assert combine(np.array([none, down]), 0.6).label == "significantly_decreased"
    assert combine(np.array([none, down]), 0.6).rests_on == (1,)
    assert combine(np.array([none, none]), 0.6).label == "not_reported"
    assert combine(np.array([]).reshape(0, 4), 0.6).label == "not_reported"
    # two torn quotes leaning opposite ways: unclear, withheld under the bar, said over it
    lean_down = [0.05, 0.02, 0.55, 0.38]
    lean_flat = [0.05, 0.02, 0.4, 0.53]
    split = combine(np.array([lean_down, lean_flat]), 0.6)
    assert split.label is None and split.confidence < 0.6
    assert combine(np.array([lean_down, lean_flat]), 0.5).label is not None
    # a sure quote outweighs a torn one
    torn = [0.05, 0.25, 0.2, 0.5]
    assert combine(np.array([torn, down]), 0.6).label == "significantly_decreased"
    assert combine(np.array([down, flat]), 0.0).label in EFFECTS
    up = [0.05, 0.9, 0.02, 0.03]
    assert combine(np.array([up, down]), 0.6).label == "conflicting"


def test_opening_states_the_direction_of_the_first_arm():
    asked = Comparison("drug Z", "placebo", "cough frequency")
    assert opening("significantly_decreased", asked, "p = 0.004", [1]) == (
        "Cough frequency was significantly lower with drug Z than with placebo (p = 0.004) [1]."
    )
    assert opening("no_significant_difference", asked, "", [2]) == (
        "No significant difference in cough frequency between drug Z and placebo [2]."
    )
    assert "does not clearly show" in opening(None, asked, "", [])
    assert "do not report" in opening("not_reported", Comparison("A", "B"), "", [])


def test_cue_spans_are_verbatim_and_agree_with_the_label():
    quotes = ["Pain was significantly lower with Z (p = 0.004).", "Sleep did not differ (p = 0.6)."]
    found = cue_spans(quotes, [0, 1], "significantly_decreased", 0.05)
    assert found == [(0, "significantly"), (0, "p = 0.004")]
    assert all(text in quotes[i] for i, text in found)
