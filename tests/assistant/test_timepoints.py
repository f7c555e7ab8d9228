"""A question about a time point is answered only by a sentence stating it (assistant.language.timepoints),
and declined, saying so, when no sentence does."""

import pytest

from assistant.language.timepoints import states, time_points, written
from tests.conftest import services_over


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("What was mortality one year after surgery?", "Mortality at 1 year was 4% in both arms."),
        ("What was the 1-year survival?", "Survival at 12 months was 81%."),
        ("What was the 1-year survival?", "Survival at week 52 was 81%."),
        ("Was pain lower at 12 weeks?", "At week 12, pain scores were lower with drug Z."),
        ("How many were pain free at 2 hours?", "At 2 h, 31% were pain free."),
        ("What was the 5-year overall survival?", "Five-year overall survival was 70%."),
    ],
)
def test_the_same_time_point_however_written(question, sentence):
    assert states(time_points(question), sentence)


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("What was mortality one year after surgery?", "Mortality at day 30 was 2%."),
        ("What was the 5-year overall survival?", "Overall survival improved (HR 0.16)."),
        ("Was pain lower at 12 weeks?", "At 48 weeks pain scores were lower."),
    ],
)
def test_another_time_point_or_none_is_not_it(question, sentence):
    assert not states(time_points(question), sentence)


def test_ages_and_treatment_lengths_are_not_time_points():
    assert time_points("Adults aged 18 years or older, and children 5-8 years old") == set()
    assert time_points("hydrotherapy for 6 weeks compared with exercises on land") == set()
    assert time_points("12 weeks of telephone follow-up; 68 Gy during 7 weeks") == set()
    assert time_points("0.7 mg/kg pethidine every 6 hours") == set()
    assert time_points("HbA1c at 12 months postintervention") == {365.25}
    assert time_points("inhibited by 33% after 2 weeks of 3.6 mg") == {14.0}
    assert time_points("over 65 years of age") == set()


def test_a_question_without_a_time_point_asks_for_none():
    assert states(time_points("How many patients were randomised?"), "No figures here.")
    assert written("Mortality at one year and at 30 days?") == ["one year", "30 days"]


PAPER = """# PEONY-5: fluid restriction after abdominal surgery

## Results
In all, 120 patients were randomised to restricted or usual fluids.
The ICU stay was shorter with restricted fluids (3 versus 6 days).
Mortality at day 30 was 2% with restricted fluids and 3% with usual care.
"""


@pytest.fixture(scope="module")
def services(tmp_path_factory, embedder):
    return services_over(tmp_path_factory.mktemp("timepoints"), {"peony.md": PAPER}, embedder)


@pytest.mark.slow
def test_a_time_point_no_sentence_states_is_declined_saying_so(services):
    answer = services.engine.answer("What was mortality one year after surgery in PEONY-5?")
    assert answer.abstained
    assert "time point asked about (“one year”)" in answer.answer


@pytest.mark.slow
def test_the_time_point_stated_is_answered(services):
    answer = services.engine.answer("What was mortality at 30 days in PEONY-5?")
    assert not answer.abstained, answer.answer
    assert "Mortality at day 30" in answer.citations[0].quote
