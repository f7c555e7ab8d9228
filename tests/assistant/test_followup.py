"""Follow-ups keep the earlier question's measure and change only what they change (issue 21):
comparisons, qualifiers, trial swaps, new measures, and self-contained questions that inherit
nothing. Rules only; no model, no store."""

import pytest

from assistant.conversation.question_parts import is_self_contained, read_question, subject_words
from assistant.conversation.rewrite import rewrite, standalone_questions
from tests.assistant.trial_names import names_finder

TRIALS = ["LINKER-SMM1", "LINKER-MM1", "AQUILA", "E3A06", "QuiRedex", "NCT02210780"]


names_in = names_finder(TRIALS)


ORR = "What was the overall response rate in LINKER-SMM1?"
AES = "What were the adverse events in LINKER-SMM1?"
PFS = "What was the 3-year PFS with lenalidomide in E3A06?"


@pytest.mark.parametrize(
    ("previous", "question", "kind", "standalone"),
    [
        # Comparison: the earlier measure, across the earlier subject and the new one.
        (ORR, "How does that compare with AQUILA?", "comparison", "How does the overall response rate in LINKER-SMM1 compare with AQUILA?"),
        (ORR, "how does it compare to E3A06?", "comparison", "How does the overall response rate in LINKER-SMM1 compare with E3A06?"),
        (ORR, "and versus AQUILA?", "comparison", "How does the overall response rate in LINKER-SMM1 compare with AQUILA?"),
        (ORR, "Is that higher than in AQUILA?", "comparison", "How does the overall response rate in LINKER-SMM1 compare with AQUILA?"),
        (AES, "How do those compare with AQUILA?", "comparison", "How do the adverse events in LINKER-SMM1 compare with AQUILA?"),
        (PFS, "Compare that with AQUILA", "comparison", "How does the 3-year PFS with lenalidomide in E3A06 compare with AQUILA?"),
        ("What was the ORR in AQUILA?", "How does the CRS rate compare with LINKER-SMM1?", "comparison", "How does the CRS rate in AQUILA compare with LINKER-SMM1?"),
        ("How many patients had CRS in LINKER-SMM1?", "how does that compare with AQUILA?", "comparison", "How many patients had CRS in LINKER-SMM1 compared with AQUILA?"),
        (ORR, "how does that compare with placebo?", "comparison", "How does the overall response rate in LINKER-SMM1 compare with placebo?"),
        # Qualifier: attached to the measure; one of the same sort is replaced.
        (AES, "what about grade 3 or higher?", "qualifier", "What were the grade 3 or higher adverse events in LINKER-SMM1?"),
        (AES, "and serious ones?", "qualifier", "What were the serious adverse events in LINKER-SMM1?"),
        ("What were the grade 3 or higher adverse events in AQUILA?", "and grade 1-2?", "qualifier", "What were the grade 1-2 adverse events in AQUILA?"),
        (ORR, "and in the placebo arm?", "qualifier", "What was the overall response rate in LINKER-SMM1 in the placebo arm?"),
        (ORR, "what about patients over 65?", "qualifier", "What was the overall response rate in LINKER-SMM1 in patients over 65?"),
        (PFS, "And with observation?", "qualifier", "What was the 3-year PFS with observation in E3A06?"),
        (PFS, "and placebo?", "qualifier", "What was the 3-year PFS with placebo in E3A06?"),
        # ... a new arm is written as the earlier question wrote its arm; only the name changes.
        (PFS, "and in the observation arm?", "qualifier", "What was the 3-year PFS with observation in E3A06?"),
        ("What was the ORR in the daratumumab arm of AQUILA?", "and with active monitoring?", "qualifier", "What was the ORR in the active monitoring arm of AQUILA?"),
        ("What was the ORR in each arm of AQUILA?", "and in the daratumumab arm?", "qualifier", "What was the ORR in the daratumumab arm of AQUILA?"),
        (PFS, "and at 2 years?", "qualifier", "What was the PFS with lenalidomide in E3A06 at 2 years?"),
        ("What was the 2-year PFS in E3A06?", "and the 3-year?", "qualifier", "What was the 3-year PFS in E3A06?"),
        ("What was the PFS in AQUILA at 60 months?", "and at 36 months?", "qualifier", "What was the PFS in AQUILA at 36 months?"),
        ("What was 60-month overall survival in each arm of AQUILA?", "and at 36 months?", "qualifier", "What was overall survival in each arm of AQUILA at 36 months?"),
        # Swap: the trial (or the whole scope) replaced, the measure kept.
        (ORR, "How about AQUILA?", "swap", "What was the overall response rate in AQUILA?"),
        ("What was the median time to progression in the final QuiRedex update?", "and in AQUILA?", "swap", "What was the median time to progression in AQUILA?"),
        ("What was 60-month overall survival in each arm of AQUILA?", "And in E3A06?", "swap", "What was 60-month overall survival in each arm of E3A06?"),
        # A new measure: the earlier frame, qualifiers and scope kept.
        (PFS, "And the overall survival?", "measure", "What was the overall survival with lenalidomide in E3A06?"),
        ("What was the hazard ratio for progression or death in AQUILA?", "and the hazard ratio for death?", "measure", "What was the hazard ratio for death in AQUILA?"),
        ("What was the objective response rate with nivolumab in CheckMate 017?", "and the median overall survival?", "measure", "What was the median overall survival with nivolumab in CheckMate 017?"),
        ("What was the very good partial response or better rate in LINKER-SMM1?", "and the CRS rate?", "measure", "What was the CRS rate in LINKER-SMM1?"),
        (ORR, "What about its safety?", "measure", "What was the safety in LINKER-SMM1?"),
        (ORR, "and their CRS rate?", "measure", "What was the CRS rate in LINKER-SMM1?"),
        # Nothing to ask of its own: left for the engine to say so.
        (ORR, "Why?", "standalone", "Why?"),
        # Carry: a complete question with no subject of its own takes the earlier trial.
        (ORR, "How many patients could be evaluated for response?", "carry", "How many patients could be evaluated for response in LINKER-SMM1?"),
        (ORR, "What is the recommended dose?", "carry", "What is the recommended dose in LINKER-SMM1?"),
        ("What was the ORR in CheckMate 017?", "Were there any deaths?", "carry", "Were there any deaths in CheckMate 017?"),
        ("What was the hazard ratio for death in AQUILA?", "How many patients were randomized in that trial?", "carry", "How many patients were randomized in AQUILA?"),
        # Self-contained: a subject of its own, no lead-in, no anaphora: inherits nothing.
        (ORR, "Should high-risk smoldering myeloma be treated with daratumumab?", "standalone", "Should high-risk smoldering myeloma be treated with daratumumab?"),
        (AES, "Does early treatment of smoldering myeloma improve overall survival?", "standalone", "Does early treatment of smoldering myeloma improve overall survival?"),
        (PFS, "Is daratumumab approved for smoldering myeloma?", "standalone", "Is daratumumab approved for smoldering myeloma?"),
        (PFS, "How does daratumumab compare with lenalidomide in smoldering myeloma?", "standalone", "How does daratumumab compare with lenalidomide in smoldering myeloma?"),
        (ORR, "What was the CRS rate in AQUILA?", "standalone", "What was the CRS rate in AQUILA?"),
    ],
)  # fmt: skip
def test_follow_ups_keep_the_measure_and_change_only_their_part(
    previous, question, kind, standalone
):
    got = rewrite(question, previous, names_in)
    assert (got.kind, got.question) == (kind, standalone)


def test_a_chain_keeps_the_measure_through_each_kind():
    asked = [
        AES,
        "what about grade 3 or higher?",
        "How does that compare with AQUILA?",
        "Should high-risk smoldering myeloma be treated with daratumumab?",
        "Were there any deaths?",  # nothing to carry: the question before named no trial
    ]
    assert standalone_questions(asked, names_in) == [
        AES,
        "What were the grade 3 or higher adverse events in LINKER-SMM1?",
        "How do the grade 3 or higher adverse events in LINKER-SMM1 compare with AQUILA?",
        "Should high-risk smoldering myeloma be treated with daratumumab?",
        "Were there any deaths?",
    ]


@pytest.mark.parametrize(
    ("question", "names", "expected"),
    [
        ("Should high-risk smoldering myeloma be treated with daratumumab?", [], True),
        ("What was the CRS rate in AQUILA?", ["AQUILA"], True),
        ("Were there any deaths?", [], False),  # a measure and no subject
        ("What was the median age?", [], False),
        ("How many patients had grade 3 infections?", [], False),
        ("Is it approved for smoldering myeloma?", [], False),  # anaphora
        ("And is daratumumab approved for smoldering myeloma?", [], False),  # a lead-in
        ("grade 3 or higher", [], False),  # not a question
    ],
)
def test_self_contained_questions(question, names, expected):
    assert is_self_contained(question, names) is expected


def test_subject_words_leave_out_measures_qualifiers_and_framing():
    assert subject_words("How many patients had grade 3 or higher cytokine release syndrome?") == []
    assert subject_words("Should high-risk smoldering myeloma be treated?") == [
        "high-risk",
        "smoldering",
        "myeloma",
        "treated",
    ]


def test_the_parts_of_an_earlier_question():
    parts = read_question(PFS, names_in(PFS))
    assert parts.body[slice(*parts.core)] == "3-year PFS"
    assert parts.body[slice(*parts.scope)] == "in E3A06"
    assert parts.measure_phrase() == "the 3-year PFS with lenalidomide in E3A06"
    hazard = "What was the hazard ratio for progression or death in AQUILA?"
    parts = read_question(hazard, ["AQUILA"])
    assert parts.body[slice(*parts.core)] == "hazard ratio for progression or death"
    quiredex = "What was the median time to progression in the final QuiRedex update?"
    parts = read_question(quiredex, ["QuiRedex"])
    assert parts.body[slice(*parts.scope)] == "in the final QuiRedex update"
