"""The engine on documents written here, in three formats it has to load itself.

Nothing in the code knows these documents: the answers come from the general logic alone.
"""

import pytest

from ingest.pipeline import Ingestor
from tests.conftest import assert_answer_contract

pytestmark = pytest.mark.slow

MARKDOWN = """---
trial: ORCHID-2
nct_id: NCT09999991
source_type: abstract
---
# ORCHID-2: drug Z versus placebo in chronic cough

## Methods
Adults with refractory chronic cough were randomised 1:1 to drug Z or placebo for 12 weeks.

## Results
A total of 210 patients were randomised. The primary endpoint, change in 24-hour cough
frequency, fell by 38% with drug Z and by 17% with placebo. Taste disturbance occurred in
21 patients given drug Z.
"""

HTML = """<html><head><title>BRIGHT-7 safety update</title></head><body>
<h1>BRIGHT-7 safety update</h1>
<p>The BRIGHT-7 trial (NCT09999992) gave vaccine Q to 1,204 older adults.</p>
<p>Injection-site pain was reported by 312 participants. Fever above 38 degrees occurred in 2%.</p>
</body></html>"""

# Plain text as it often arrives: wrapped at 72 columns, sentences running across the breaks.
WRAPPED = """PINE-5: a randomised trial of gel W for knee osteoarthritis

Adults with knee osteoarthritis were randomly assigned to gel W (fexolinast 2%) or a
vehicle gel for six weeks. The mean reduction in WOMAC pain score at six weeks was 12.4 points with gel W and
8.1 points with the vehicle gel (difference 4.3 points, 95% CI 1.2 to
7.4). Application-site dermatitis, the most common adverse event, was reported
by 9 patients given gel W and by 3 patients given the vehicle gel.
"""


def pdf(path):
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=letter)
    lines = ["Results of the CEDAR-4 study", "",
             "CEDAR-4 enrolled 96 children with moderate asthma.",
             "The rate of severe exacerbations was 0.21 per child-year with inhaler K."]  # fmt: skip
    for i, line in enumerate(lines):
        c.drawString(72, 720 - 18 * i, line)
    c.save()


@pytest.fixture(scope="module")
def services(tmp_path_factory, embedder):
    from assistant.factory import build
    from tests.conftest import make_settings

    folder = tmp_path_factory.mktemp("unseen")
    (folder / "orchid.md").write_text(MARKDOWN)
    (folder / "bright.html").write_text(HTML)
    (folder / "pine.txt").write_text(WRAPPED)
    pdf(folder / "cedar.pdf")
    s = build(make_settings(folder / "store"), embedder=embedder)
    report = Ingestor(s.store, s.embedder, s.settings).ingest([folder])
    assert report.counts["added"] == 4, report.failed
    return s


@pytest.mark.parametrize(
    ("question", "figure", "doc_id"),
    [
        ("How many patients were randomised in ORCHID-2?", "210", "orchid"),
        ("How many participants reported injection-site pain?", "312", "bright"),
        ("What was the rate of severe exacerbations in CEDAR-4?", "0.21", "cedar"),
        ("How much did cough frequency fall with drug Z?", "38%", "orchid"),
    ],
)
def test_answers_from_each_format(services, question, figure, doc_id):
    answer = services.engine.answer(question)
    assert not answer.abstained, answer.answer
    assert figure in answer.answer and answer.citations[0].doc_id == doc_id
    assert_answer_contract(services.store, answer)


@pytest.mark.parametrize(
    ("question", "held"),
    [
        ("How many patients had application-site dermatitis with gel W?", ("dermatitis", "9")),
        ("What was the difference in WOMAC pain score reduction?", ("WOMAC", "1.2 to\n7.4")),
    ],
)
def test_a_hard_wrapped_sentence_is_quoted_whole(services, question, held):
    """A line break inside a sentence does not cut it: the quote holds its subject and figure."""
    answer = services.engine.answer(question)
    assert not answer.abstained, answer.answer
    assert answer.citations[0].doc_id == "pine"
    assert all(part in answer.citations[0].quote for part in held), answer.citations[0].quote
    assert_answer_contract(services.store, answer)


def test_a_misspelt_drug_name_is_read_as_the_indexed_one(services):
    """Clinicians type drug names from memory: one edit away is still the drug."""
    query = services.retriever.read("How many patients had dermatitis with fexolinats?")
    [group] = [g for g in query.groups if g.surface == "fexolinats"]
    assert group.satisfied_by({"fexolinast"}) and "fexolinast" in query.lexical_tokens
    answer = services.engine.answer("How many patients had dermatitis with fexolinats?")
    assert not answer.abstained and answer.citations[0].doc_id == "pine", answer.answer
    assert "9 patients" in answer.citations[0].quote


def test_an_effect_question_on_an_outcome_never_named_is_declined(services):
    """The arms are there, the outcome is not: a result about another outcome is no answer."""
    asked = "What was the effect of gel W compared with the vehicle gel on {}?"
    named = services.engine.answer(asked.format("WOMAC pain score"))
    assert not named.abstained and named.citations[0].doc_id == "pine", named.answer
    unnamed = services.engine.answer(asked.format("walking speed"))
    assert unnamed.abstained, unnamed.answer
    assert "walking" in unnamed.answer


@pytest.mark.parametrize(
    "question",
    ["What was the mortality in ORCHID-2?", "What was the hospitalisation rate in CEDAR-4?"],
)
def test_abstains_on_what_they_do_not_report(services, question):
    assert services.engine.answer(question).abstained


@pytest.mark.parametrize(
    ("question", "name"),
    [("How many patients were randomised in ORCHID-3?", "ORCHID-3"),
     ("What was the response rate in MAPLE-9?", "MAPLE-9")],
)  # fmt: skip
def test_a_trial_no_document_names_is_not_answered_from_another(services, question, name):
    """ORCHID-2's figures do not answer a question about ORCHID-3: the decline names it."""
    answer = services.engine.answer(question)
    assert answer.abstained and name in answer.answer, answer.answer


def test_a_median_no_passage_gives_is_declined_not_answered_by_a_rate(services):
    """ORCHID-2 reports the change in cough frequency in percent, never a median."""
    answer = services.engine.answer("What was the median change in cough frequency with drug Z?")
    assert answer.abstained and "median" in answer.answer, answer.answer
