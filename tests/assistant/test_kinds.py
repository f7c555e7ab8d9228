"""The kinds of question every trial report answers (assistant.answering.kinds): how many were
randomised, who was enrolled, what dose; and the sentences shaped as their answers, which the
ranking lifts above sentences that only share the question's words."""

import pytest

from assistant.answering.kinds import kind_of
from tests.conftest import services_over


@pytest.mark.parametrize(
    ("question", "kind", "apart"),
    [
        ("How many patients were randomised?", "size", False),
        ("How many were enrolled?", "size", False),
        ("How many children took part?", "size", False),
        ("How many doctors and patients were in this feedback trial?", "size", False),
        ("How many women were randomised to each group?", "size", True),
        ("How many people were randomised to drug A and to placebo?", "size", True),
        ("Who was enrolled in the delirium trial?", "population", False),
        ("What CD4 count did people need to have to join the study?", "population", False),
        ("What were the inclusion criteria?", "population", False),
        ("What dose of atorvastatin was given?", "dose", False),
        ("How much of the supplement were the infants given?", "dose", False),
        ("What was the primary endpoint?", "endpoint", False),
        ("What kind of study was this?", "design", False),
        ("Who sponsored the trial?", "sponsor", False),
        ("How long were patients followed up?", "follow-up", False),
        ("Who took part in the trial?", "population", False),
        ("Who were the volunteers?", "population", False),
        ("How often were the exercise sessions held?", "schedule", False),
        ("What was the treatment schedule?", "schedule", False),
        ("How were the children allocated to the groups?", "allocation", False),
        ("Who was blinded in this trial?", "allocation", False),
        ("What did each group receive?", "arms", False),
        ("Which antibiotics did each arm start on?", "arms", False),
        ("What did the volunteers drink after each session?", "arms", False),
        ("What were the interventions?", "arms", False),
        ("When were the patients reassessed after treatment?", "follow-up", False),
        ("What was the main outcome in the online therapy trial, and when?", "endpoint", False),
    ],
)
def test_the_kind_of_a_question(question, kind, apart):
    found = kind_of(question)
    assert found is not None and (found.name, found.apart) == (kind, apart)


@pytest.mark.parametrize(
    "question",
    [
        # Counts of events, not of those who took part.
        "How many patients relapsed?",
        "How many patients had grade 3 neutropenia in each arm?",
        "How many serious adverse events were there with drug A?",
        # Results, whatever words they share with a kind.
        "Did the programme reduce the number of patients left in pain?",
        "What was the median overall survival?",
        "Did the primary endpoint improve with drug A?",
        # A time, though it names a dose.
        "How long until the first analgesic dose was needed in each group?",
        # How often an event happened, not a treatment.
        "How often did patients get numbness of the lip?",
        # What a group reported or gained is a finding, not what it was given.
        "What did patients in the placebo group report?",
        "What happened to the control group?",
        "What was the primary endpoint result in arm A?",
        "When were the children vaccinated?",
    ],
)
def test_questions_of_no_kind(question):
    assert kind_of(question) is None


def test_the_words_asking_for_a_kind_are_its_frame():
    """A sentence of the kind's shape answers "how many ... patients were randomised" by its
    shape; "COPD" says what the question is about and stays to be found."""
    question = "How many COPD patients were randomised?"
    size = kind_of(question)
    assert size is not None
    assert size.frame(question) == {"how", "many", "patients", "were", "randomised"}
    question = "Which patients took part in the study of videos before surgery?"
    population = kind_of(question)
    assert population is not None
    assert population.frame(question) == {"which", "patients", "took", "part"}


APART = "How many women were randomised to each group?"
DOSE_ASKED = "What dose of drug A was given?"
ENROLLED = "Who was enrolled?"
HELD = "How often were the sessions held?"
ALLOCATED = "How were the children allocated?"
RECEIVED = "What did each group receive?"
REASSESSED = "When were the patients reassessed?"
LEVEL = "Drug A: 2 mg/L (mean, 4 participants analysed)."  # a level measured, not a dose


@pytest.mark.parametrize(
    ("question", "heading", "sentence", "answers"),
    [
        (APART, "", "In all, 561 and 542 patients were randomised to drug A and drug B.", True),
        (APART, "", "Overall Study, started: Placebo 79; Lenalidomide 160.", True),
        (APART, "", "A total of 1103 patients were randomised.", False),  # one figure
        (APART, "", "This randomised open-label study compared two regimens.", False),
        (APART, "", LEVEL, False),
        (DOSE_ASKED, "", "Drug A was started at 10 mg/day.", True),
        (DOSE_ASKED, "", "Drug A was given once daily with food.", False),
        (DOSE_ASKED, "", LEVEL, False),
        (ENROLLED, "", "Inpatients aged 65 or older were eligible.", True),
        # Under an eligibility heading, each criterion answers.
        (ENROLLED, "Eligibility", "CD4+ count below 50 cells/mm3.", True),
        (ENROLLED, "Results", "Delirium occurred in 5% of patients.", False),
        (ENROLLED, "", "Ten healthy male volunteers of mean age 23 years were studied.", True),
        (ENROLLED, "", "Sixty adults with relapsed lymphoma received drug Q.", True),
        (ENROLLED, "", "Sixty adults received drug Q.", False),
        (HELD, "", "Patients attended a 30-minute session weekly for 6 weeks.", True),
        (HELD, "", "Each child had 10 sessions of vision therapy.", True),
        (HELD, "", "Vision improved in 46 children (78%).", False),
        (ALLOCATED, "", "Children were randomly allocated using sealed envelopes.", True),
        (ALLOCATED, "", "The radiologist was blinded to the groups.", True),
        (ALLOCATED, "", "This randomised trial compared two insoles.", False),
        (RECEIVED, "", "The protein group received 30 g of whey after each session.", True),
        (RECEIVED, "", "Volunteers received either endotoxin or saline on day 0.", True),
        (RECEIVED, "", "Placebo (placebo comparator): matching capsules once daily.", True),
        (RECEIVED, "", "Both groups improved significantly.", False),
        (REASSESSED, "", "Follow-up took place at 3, 12 and 24 months.", True),
    ],
)
def test_sentences_shaped_as_the_answer(question, heading, sentence, answers):
    kind = kind_of(question)
    assert kind is not None
    assert kind.answers(sentence, heading=heading) is answers


PAPER = """# Monthly drug A against weekly drug B in postmenopausal osteoporosis (PERSEVERE)

## Background
Once-weekly drug B is widely prescribed to postmenopausal women, yet many women stop taking it,
and a randomised cross-over study found most women preferred a monthly regimen.

## Methods
This randomised open-label study in postmenopausal women compared persistence with monthly
drug A and with weekly drug B over six months.
Women in both groups met a study nurse once a month to talk about adherence.
Randomisation was stratified by age and used a computer-generated randomised schedule.

## Results
Of 1103 patients who consented, 561 and 542 patients were randomised to the drug A and drug B
groups respectively.
Persistence at six months was 56.6% with drug A and 38.6% with drug B.
"""


@pytest.fixture(scope="module")
def services(tmp_path_factory, embedder):
    return services_over(tmp_path_factory.mktemp("kinds"), {"persevere.md": PAPER}, embedder)


QUESTION = "How many women were randomised to each group in PERSEVERE?"
AIM = "This randomised open-label study in postmenopausal women"


@pytest.mark.slow
def test_the_count_of_each_group_answers_how_many_were_randomised(services):
    answer = services.engine.answer(QUESTION)
    assert not answer.abstained, answer.answer
    assert "561 and 542 patients were randomised" in answer.citations[0].quote
    assert not any(AIM in c.quote for c in answer.citations), answer.answer


@pytest.mark.slow
def test_without_the_lift_the_aim_sharing_the_words_is_quoted_too(services):
    """The seam's other side: the lift is what keeps the aim, which shares more of the
    question's words, out of the answer (so the test above can fail)."""
    plain = services.engine.settings.model_copy(update={"kind_lift": 0.0})
    engine = type(services.engine)(services.retriever, services.embedder, plain)
    answer = engine.answer(QUESTION)
    assert any(AIM in c.quote for c in answer.citations), answer.answer


@pytest.mark.slow
def test_a_question_all_of_whose_words_ask_for_the_kind_is_answered_by_its_shape(services):
    """Every word of "How many women were randomised to each group?" asks for the count (the
    people, the verb of taking part): the count of each group answers all of it, though it
    says "patients" and not "women"."""
    answer = services.engine.answer("How many women were randomised to each group?")
    assert not answer.abstained, answer.answer
    assert "561 and 542 patients were randomised" in answer.citations[0].quote


@pytest.mark.slow
def test_the_reranker_reads_the_sentences_of_the_kind_however_low_the_scorer_puts_them(
    services, monkeypatch
):
    """With a shortlist of one, the reranker still reads the best sentences shaped as the
    kind is answered (``kind_reads``): a count of each group for "how many were randomised
    to each group"; with ``kind_reads`` 0 it reads the shortlist alone. A spy on the real
    reranker records what it reads."""
    question = "How many women were randomised to each group in PERSEVERE?"
    read: list[list[str]] = []

    def reads(kind_reads: int) -> list[list[str]]:
        settings = services.engine.settings.model_copy(
            update={"rerank_top": 1, "kind_reads": kind_reads}
        )
        engine = type(services.engine)(services.retriever, services.embedder, settings)
        real = engine.reranker.logits

        def spy(asked, texts):
            read.append(list(texts))
            return real(asked, texts)

        monkeypatch.setattr(engine.reranker, "logits", spy)
        read.clear()
        engine.answer(question)
        return list(read)

    shaped = "561 and 542 patients were randomised"
    with_kinds = reads(2)
    assert any(len(texts) > 1 and any(shaped in t for t in texts) for texts in with_kinds)
    assert all(len(texts) == 1 for texts in reads(0))


NURSE = "Women in both groups met a study nurse once a month"


@pytest.mark.slow
def test_a_sentence_of_the_kind_answers_the_words_asking_for_it(services):
    """The question "How often were the visits held?" is answered by "once a month", though the
    paper never writes "visits" or "held"; without the kinds the engine declines for want of
    them."""
    question = "How often were the nurse visits held in PERSEVERE?"
    answer = services.engine.answer(question)
    assert not answer.abstained, answer.answer
    assert NURSE in answer.citations[0].quote
    plain = services.engine.settings.model_copy(update={"kind_lift": 0.0})
    engine = type(services.engine)(services.retriever, services.embedder, plain)
    assert engine.answer(question).abstained


EARIVF = """# Ear acupressure before embryo transfer (EARIVF)

## Methods
Women undergoing IVF were randomly allocated to ear acupressure or sham acupressure using a
computer-generated list.

## Results
Anxiety scores did not differ between ear acupressure and sham acupressure (p = 0.50).
Clinical pregnancy occurred in 31% with ear acupressure and 28% with sham (p = 0.61).
"""


@pytest.fixture(scope="module")
def earivf(tmp_path_factory, embedder):
    return services_over(tmp_path_factory.mktemp("earivf"), {"earivf.md": EARIVF}, embedder)


@pytest.mark.slow
def test_a_question_about_how_the_trial_was_run_takes_no_yes_or_no_from_its_results(earivf):
    """Whether the women were randomly allocated is read in the methods; the p-values of the
    results say nothing about it, so they neither join the quotes nor open the answer with a
    "No"."""
    answer = earivf.engine.answer("Were the women in EARIVF randomly allocated to the groups?")
    assert not answer.abstained, answer.answer
    assert "randomly allocated" in answer.citations[0].quote
    assert answer.decision is None, answer.answer
    assert not any("p = 0.50" in c.quote for c in answer.citations), answer.answer
    # A yes/no question about a finding still gets its bottom line.
    finding = earivf.engine.answer("Did ear acupressure reduce anxiety in EARIVF?")
    assert finding.decision is not None and finding.decision.label == "no", finding.answer
