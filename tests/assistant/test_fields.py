"""Document fields answer questions about themselves (assistant.answering.fields), and a question that
asks for a figure is answered by a sentence that states one (answering._figures_first)."""

import json

import pytest

from assistant.answering import fields
from assistant.answering.candidates import Candidate
from assistant.answering.ranking import _figures_first
from assistant.language.query import analyse
from tests.conftest import services_over


@pytest.mark.parametrize(
    ("question", "line"),
    [
        ("What is the status of this study?", "Overall status: withdrawn."),
        ("Is the trial still recruiting?", "Overall status: recruiting."),
        ("What is the acronym of this trial?", "Trial acronym: C-AXSPAND."),
        ("How was the study designed?", "Design: allocation: randomized; model: crossover."),
        ("Was it double-blind?", "Design: allocation: randomized; masking: double."),
        ("How many participants were enrolled?", "Enrollment: 317 participants (actual)."),
        ("What ages of children could take part?", "Minimum age: 5 Years."),
        ("How old did patients have to be?", "Maximum age: 80 Years."),
        ("Which interventions were compared?", "Interventions: Drug: GET73; Other: Placebo."),
        ("Who sponsored the study?", "NCT02552212 is a phase 3 interventional study sponsored by UCB."),
        ("What phase was this trial in?", "NCT02552212 is a phase 3 interventional study sponsored by UCB."),
        ("When did the study start?", "Dates: Start 2015-09; Completion 2020-05."),
        ("How was certolizumab pegol given?",
         "Certolizumab Pegol 200 mg Q2W (experimental): CZP 400 mg sc at Weeks 0, 2 and 4."),
        ("What did the control group receive?", "Usual care (no intervention): booklets only."),
        ("Where was the study done?", "Setting: six secondary schools in New Delhi."),
    ],
)  # fmt: skip
def test_a_field_line_answers_the_question_that_asks_for_it(question, line):
    assert fields.asked(question, line)


@pytest.mark.parametrize(
    ("question", "line"),
    [
        # the question asks for something else
        ("What was the overall response rate?", "Overall status: completed."),
        ("How many patients had grade 3 events?", "Minimum age: 18 Years."),
        ("What was the primary endpoint?", "Design: allocation: randomized."),
        # prose that only starts like a field is not one
        ("What is the status of the disease?", "The status of the disease was assessed monthly."),
        ("How was the drug given?", "Patients in the experimental arm received 200 mg."),
        ("What ages could take part?", "Adults aged 18 to 80 years took part."),
        # a word of the question that only names something
        ("How much did symptoms improve with the PRIDE intervention?", "Interventions: PRIDE."),
        ("What was the mean age of the patients?", "Minimum age: 18 Years."),
        ("How many patients were given placebo?", "Placebo (placebo comparator): saline."),
    ],
)  # fmt: skip
def test_other_questions_and_prose_are_not_fields(question, line):
    assert not fields.asked(question, line)


def _candidate(text: str, rank: float) -> Candidate:
    return Candidate(passage=None, start=0, end=len(text), text=text, rank=rank, score=rank)  # type: ignore[arg-type]


def test_a_figure_question_prefers_a_close_sentence_that_states_a_figure():
    aim = _candidate("The aim was to count the patients randomised.", 0.30)
    count = _candidate("In all, 329 patients were randomised.", 0.20)
    other = _candidate("Randomisation used sealed envelopes.", 0.25)
    ranked = _figures_first(analyse("How many patients were randomised?"), [aim, other, count])
    assert [c.text for c in ranked] == [count.text, aim.text, other.text]


def test_a_figure_far_below_the_best_does_not_lead():
    aim = _candidate("The aim was to count the patients randomised.", 0.60)
    count = _candidate("In all, 329 patients were randomised.", 0.20)
    ranked = _figures_first(analyse("How many patients were randomised?"), [aim, count])
    assert ranked[0] is aim


def test_a_dose_question_prefers_a_close_sentence_stating_an_amount_of_drug():
    allocation = _candidate("A total of 56 patients received tolvaptan (n = 28).", 0.30)
    dose = _candidate("Patients took 7.5 mg of tolvaptan daily for 7 days.", 0.20)
    ranked = _figures_first(analyse("What doses of tolvaptan were used?"), [allocation, dose])
    assert ranked[0] is dose


def test_counts_for_each_group_lead_a_count_question_about_each_group():
    total = _candidate("A random number table allocated 50 patients.", 0.30)
    each = _candidate("Among 50 patients, 26 were given A and 24 were given B.", 0.20)
    ranked = _figures_first(analyse("How many patients were in each group?"), [total, each])
    assert ranked[0] is each


def test_a_question_not_asking_for_a_figure_keeps_the_order():
    effect = _candidate("Drug Z lowered the cough frequency.", 0.30)
    count = _candidate("Cough fell by 38% with drug Z.", 0.29)
    ranked = _figures_first(analyse("Did drug Z help the cough?"), [effect, count])
    assert ranked[0] is effect


RECORD = {
    "protocolSection": {
        "identificationModule": {
            "nctId": "NCT09999993",
            "briefTitle": "Fluoride varnish in young children",
            "acronym": "VARNISH-3",
        },
        "statusModule": {"overallStatus": "WITHDRAWN"},
        "designModule": {
            "studyType": "INTERVENTIONAL",
            "phases": ["PHASE2"],
            "designInfo": {"allocation": "RANDOMIZED", "interventionModel": "PARALLEL",
                           "maskingInfo": {"masking": "SINGLE"}},
            "enrollmentInfo": {"count": 0, "type": "ACTUAL"},
        },
        "armsInterventionsModule": {
            "armGroups": [
                {"label": "Varnish", "type": "EXPERIMENTAL",
                 "description": "Fluoride varnish 22,600 ppm applied every 6 months."},
                {"label": "Usual care", "type": "NO_INTERVENTION",
                 "description": "Toothbrushing advice only."},
            ]
        },
        "descriptionModule": {
            "briefSummary": "This study compares fluoride varnish with usual care for the "
            "prevention of caries in young children attending community clinics. Caries "
            "increments will be measured at two years by blinded dentists."
        },
        "eligibilityModule": {"minimumAge": "3 Years", "maximumAge": "6 Years"},
    }
}  # fmt: skip


@pytest.fixture(scope="module")
def services(tmp_path_factory, embedder):
    return services_over(
        tmp_path_factory.mktemp("fields"), {"NCT09999993.json": json.dumps(RECORD)}, embedder
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "quoted"),
    [
        ("What is the status of this study?", "Overall status: withdrawn."),
        ("What is the acronym of this trial?", "Trial acronym: VARNISH-3."),
        ("What ages of children could take part?", "Minimum age: 3 Years."),
        ("How was the varnish given?", "Fluoride varnish 22,600 ppm applied every 6 months."),
    ],
)
def test_registry_fields_answer_within_the_record(services, question, quoted):
    from assistant.models import Filters

    answer = services.engine.answer(question, filters=Filters(doc_id=["nct09999993"]))
    assert not answer.abstained, answer.answer
    assert quoted in answer.citations[0].quote, answer.answer
