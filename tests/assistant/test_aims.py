"""A question wanting a finding is answered by a sentence reporting one, not by an aim, a method
or a registered outcome that shares its words (assistant.answering.aims), and declined, saying so, when
the documents only describe what was measured."""

import pytest

from assistant.answering.aims import (
    amounts_first,
    asks_count,
    asks_counts_apart,
    asks_result,
    counted_event,
    describes_only,
    findings_first,
    others_findings,
    own_findings_first,
    same_survival,
    states_count,
    states_counts_apart,
    survival_kinds,
)
from tests.conftest import services_over


@pytest.mark.parametrize(
    "question",
    [
        "How many patients had a relapse?",
        "How much did pain scores fall with the gel?",
        "How often were patients pain free at 2 hours?",
        "How did quality of life change on drug Q?",
        "What was the 3-year overall survival with drug Q?",
        "What share of the infants were hospitalised?",
        "Did anyone get a rash from the cream?",
    ],
)
def test_questions_wanting_a_finding(question):
    assert asks_result(question)


@pytest.mark.parametrize(
    "question",
    [
        "What was the aim of the study?",
        "How was pain measured?",
        "What were the inclusion criteria?",
        "Which doses were compared?",
        "What was the primary outcome?",
        "Did the trial use blinded assessors?",
    ],
)
def test_questions_about_the_design(question):
    assert not asks_result(question)


@pytest.mark.parametrize(
    "sentence",
    [
        "The objective of this study was to estimate the incidence of relapse in adults under 40.",
        "Primary outcome: Pain on movement (time frame: 6 weeks).",
        "Quality of life as measured by the EORTC QLQ-C30 questionnaire.",
        "The total score can range from 0 to 72, with higher scores indicating worse pain.",
        "Frequency and severity of side effects were compared between the groups.",
        "Subsequent results will be needed to determine whether drug Q prolongs survival.",
        "The HAM-A scale was used as a criterion to measure anxiety 1 h before and 8 h after "
        "surgery.",
    ],
)
def test_sentences_that_only_describe_the_study(sentence):
    assert describes_only(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "The incidence of relapse was 13.3 cases per 1000 person-years (95% CI 7.7-21.3).",
        "No rash was recorded in either group.",
        "Pain on movement was assessed at 6 weeks and fell by 57 mm with the gel (p<0.001).",
        "Side effects were compared: 36% with drug Q versus 20% with placebo.",
        "Minor side effects were seen in seven patients.",
        "Quality of life improved with drug Q.",
    ],
)
def test_sentences_reporting_a_finding(sentence):
    assert not describes_only(sentence)


class Sentence:
    def __init__(self, text):
        self.text = text


def test_findings_lead_and_only_descriptions_mean_none():
    aim = Sentence("The aim was to measure relapse at one year.")
    result = Sentence("Relapse occurred in 12% with drug Q and 20% with placebo.")
    assert findings_first("How often did patients relapse?", [aim, result]) == [result, aim]
    assert findings_first("How often did patients relapse?", [aim]) is None
    assert findings_first("What was the aim?", [aim, result]) == [aim, result]


PAPER = """# LUPIN-2: drug Q in chronic knee pain

## Methods
The aim of the LUPIN-2 study was to compare pain on walking between drug Q and placebo.
Quality of life was measured with the EQ-5D questionnaire at every visit.

## Results
Pain on walking fell by 31 mm with drug Q and by 12 mm with placebo (p = 0.002).
Rescue paracetamol was used as needed.
"""


@pytest.fixture(scope="module")
def services(tmp_path_factory, embedder):
    return services_over(tmp_path_factory.mktemp("aims"), {"lupin.md": PAPER}, embedder)


@pytest.mark.slow
def test_the_result_is_quoted_before_the_aim(services):
    answer = services.engine.answer("How much did pain on walking change with drug Q in LUPIN-2?")
    assert not answer.abstained, answer.answer
    assert answer.citations[0].quote.startswith("Pain on walking fell by 31 mm")


@pytest.mark.slow
def test_an_outcome_only_described_is_declined_saying_so(services):
    answer = services.engine.answer("How did quality of life change with drug Q in LUPIN-2?")
    assert answer.abstained, answer.answer
    assert "report no result" in answer.answer


@pytest.mark.slow
def test_an_amount_no_sentence_states_is_declined_saying_so(services):
    answer = services.engine.answer("How much rescue paracetamol was used with drug Q in LUPIN-2?")
    assert answer.abstained, answer.answer
    assert "state no amount" in answer.answer


@pytest.mark.parametrize(
    "sentence",
    [
        "We identified five studies that were included and were assessed for quality.",
        "Twenty-one patients were assessed at week 12.",
    ],
)
def test_a_count_written_in_words_is_a_finding(sentence):
    assert not describes_only(sentence)


def test_how_many_patients_wants_a_count_of_them():
    assert asks_count("How many newborns were randomised to each humidifier?")
    assert asks_count("How many were pain free at 2 hours?")
    assert not asks_count("How many doses were given?")
    assert states_count("Patients were randomized to two groups of 35.")
    assert states_count("Sixty patients were randomly allocated to three groups.")
    assert states_count("At 2 h, 31% were pain free.")
    assert not states_count("After randomisation, participants attended for 8 weeks.")


@pytest.mark.parametrize(
    ("question", "asks"),
    [("How many patients were in each treatment group?", True),
     ("How many men and how many women were analysed?", True),
     ("How many patients were randomised?", False)],
)  # fmt: skip
def test_a_count_question_about_each_group_is_told_apart(question, asks):
    assert asks_counts_apart(question) is asks


def test_counts_for_each_group_are_more_than_one_figure():
    assert states_counts_apart("Among 50 patients, 26 were given A and 24 were given B.")
    assert states_counts_apart("Patients were randomized to two groups of 35.")
    assert not states_counts_apart("A random number table allocated 50 patients.")


def test_an_amount_question_is_answered_by_a_sentence_stating_one():
    named, counted, none = (
        Sentence("The kit is widely used."),
        Sentence("It costs 12 dollars."),
        Sentence("None did."),
    )
    assert amounts_first("How much does the kit cost?", [named, counted]) == [counted, named]
    assert amounts_first("How many patients relapsed?", [named, none]) == [none, named]
    assert amounts_first("How much does the kit cost?", [named]) is None
    assert amounts_first("How much does the KIT-4 kit cost?", [Sentence("KIT-4 is sold.")]) is None
    assert amounts_first("Who makes the kit?", [named]) == [named]


def test_one_kind_of_survival_is_not_another():
    assert survival_kinds("median PFS and overall survival") == {"progression", "overall"}
    asked = "What was the median overall survival in ASPEN-4?"
    assert not same_survival(asked, "Median progression-free survival was 41.5 months.")
    assert same_survival(asked, "Median OS was 30.1 months; median PFS was 12.0 months.")
    assert same_survival(asked, "Median follow-up was 24 months.")
    assert same_survival("What did ASPEN-4 find?", "Median PFS was 12.0 months.")


def test_a_rate_question_wants_a_share_fraction_or_frequency():
    endpoint = Sentence("The primary end point is the MRD negativity rate at 1 year and 2 years.")
    rate = Sentence("MRD negativity was reached by 11 of 19 patients.")
    asked = "What was the MRD negativity rate in ASPEN-4?"
    assert amounts_first(asked, [endpoint, rate]) == [rate, endpoint]
    assert amounts_first(asked, [endpoint]) is None
    assert describes_only(endpoint.text)


ASPEN = """# ASPEN-4: drug K in relapsed lymphoma

## Results
Median progression-free survival was 14.2 months with drug K and 8.1 months with placebo.
Of 120 patients, 60 were allocated to drug K and 60 to placebo.
Patients who relapsed were followed for survival.
"""


@pytest.fixture(scope="module")
def aspen(tmp_path_factory, embedder):
    return services_over(tmp_path_factory.mktemp("aspen"), {"aspen.md": ASPEN}, embedder)


@pytest.mark.slow
def test_overall_survival_is_not_answered_by_progression_free_survival(aspen):
    declined = aspen.engine.answer("What was the median overall survival with drug K?")
    assert declined.abstained, declined.answer
    answered = aspen.engine.answer("What was the median progression-free survival with drug K?")
    assert not answered.abstained and "14.2 months" in answered.answer, answered.answer


def test_a_count_question_says_what_happened_to_those_counted():
    assert counted_event("How many Japanese patients relapsed into depression?") == "relapsed"
    assert counted_event("How many patients died in the first year?") == "died"
    assert counted_event("How many newborns were randomised to each humidifier?") == ""
    assert counted_event("How many patients were in each treatment group?") == ""
    assert counted_event("How many cases were identified in February?") == ""
    assert counted_event("How many patients had raised liver enzymes?") == ""


@pytest.mark.slow
def test_how_many_relapsed_is_not_answered_by_how_many_were_allocated(aspen):
    answer = aspen.engine.answer("How many patients relapsed on drug K?")
    assert answer.abstained, answer.answer
    allocated = aspen.engine.answer("How many patients were allocated to drug K?")
    assert not allocated.abstained and "60" in allocated.answer, allocated.answer


ELM = """# ELM-5: drug T versus drug F in heart failure

## Abstract
A total of 56 patients were randomized to drug T (n = 28) or drug F (n = 28).

## Results
A total of 56 patients were randomized to drug T (n = 28) or drug F (n = 28). Weight fell by
2.1 kg with drug T.
"""


@pytest.mark.slow
def test_a_sentence_a_paper_repeats_is_quoted_once(tmp_path, embedder):
    services = services_over(tmp_path, {"elm.md": ELM}, embedder)
    answer = services.engine.answer("How many patients were randomized to drug T?")
    assert not answer.abstained, answer.answer
    quotes = [c.quote for c in answer.citations]
    assert "n = 28" in quotes[0] and len(set(quotes)) == len(quotes), quotes


@pytest.mark.parametrize(
    ("sentence", "section", "others"),
    [
        (
            "Smith et al. reported a response rate of 100% with the same regimen.",
            "Background",
            True,
        ),
        ("CKD patients on 80 mg/day had a 32% lower risk (HR = 0.68) [20].", "Discussion", True),
        ("A recent meta-analysis found a 12% reduction in fractures.", "BODY.INTRODUCTION:", True),
        ("Rates were lower than in earlier cohorts (Jones 2004).", "Discussion", True),
        ("Shojania et al. (20) showed that reminders reduced A1C by 0.11%.", "", True),
        ("Our rate of delirium was lower than reported.9", "Discussion", True),
        ("Another similar study was conducted in China in 2014.", "BODY.DISCUSSION:", True),
        # This trial's own findings, wherever they are restated.
        ("Delirium occurred in 4.9% of the intervention group.", "Discussion", False),
        ("Response was seen in 12 of 20 patients [see Table 2].", "Results", False),
        ("The response rate was 41% [3].", "Results", False),
        ("As in earlier trials [7], 30% of patients responded.", "BODY.RESULTS:", False),
    ],
)
def test_another_studys_finding_is_told_from_this_trials(sentence, section, others):
    assert others_findings(sentence, section) is others


def test_only_another_studys_findings_mean_none():
    class C:
        def __init__(self, text, section):
            self.text, self.section = text, section

    cited = C("Palumbo et al. reported an overall response rate of 100%.", "Background")
    own = C("The overall response rate was 64% (95% CI 51 to 75).", "Results")
    question = "What was the overall response rate?"
    sections = {"Background", "Methods", "Results"}
    assert own_findings_first(question, [cited, own], sections) == [own]
    assert own_findings_first(question, [cited], sections) is None
    # A review has no results of its own: the findings it cites are its matter.
    assert own_findings_first(question, [cited], {"Background", "Vaccines"}) == [cited]
    # A question about the design is not asking for a finding.
    assert own_findings_first("What was the aim of the study?", [cited], sections) == [cited]
    # Unless it is one every trial report answers of itself: another study's volunteers are
    # not this one's.
    volunteers = C("Chambers et al. [10] found impaired dilation in healthy volunteers.", "")
    question = "Who were the volunteers?"
    assert own_findings_first(question, [volunteers], sections, of_trial=True) is None


OTHERS = """# Drug Q in relapsed lymphoma: the QUARTZ-2 phase 2 trial

## Background
Drug Q is a new oral inhibitor. In an earlier phase 1 study, Marsh et al. reported an overall
response rate of 88% with drug Q at 40 mg daily [4].

## Methods
Sixty adults with relapsed lymphoma received drug Q at 40 mg daily in QUARTZ-2.

## Results
Grade 3 neutropenia occurred in 9 of 60 patients (15%).
The median duration of treatment was 7.2 months.
"""


@pytest.fixture(scope="module")
def quartz(tmp_path_factory, embedder):
    return services_over(tmp_path_factory.mktemp("quartz"), {"quartz.md": OTHERS}, embedder)


@pytest.mark.slow
def test_another_studys_response_rate_is_not_this_trials(quartz):
    answer = quartz.engine.answer("What was the overall response rate with drug Q in QUARTZ-2?")
    assert answer.abstained, answer.answer
    assert "other studies' findings" in answer.answer
    # This trial's own finding is still answered.
    answer = quartz.engine.answer("How many patients had grade 3 neutropenia in QUARTZ-2?")
    assert not answer.abstained, answer.answer
    assert "9 of 60 patients" in answer.citations[0].quote


@pytest.mark.slow
def test_who_took_part_is_answered_by_this_trials_population(quartz):
    """The question "Who took part?" is answered by the count of people with the condition the
    trial enrolled, though the paper never writes "took part"; without the question kinds it is
    declined for want of those words (assistant/answering/kinds.py)."""
    question = "Who took part in QUARTZ-2?"
    answer = quartz.engine.answer(question)
    assert not answer.abstained, answer.answer
    assert "Sixty adults with relapsed lymphoma" in answer.citations[0].quote
    plain = quartz.engine.settings.model_copy(update={"kind_lift": 0.0})
    assert type(quartz.engine)(quartz.retriever, quartz.embedder, plain).answer(question).abstained
