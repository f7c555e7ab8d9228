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
    pdf(folder / "cedar.pdf")
    s = build(make_settings(folder / "store"), embedder=embedder)
    report = Ingestor(s.store, s.embedder, s.settings).ingest([folder])
    assert report.counts["added"] == 3, report.failed
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
    "question",
    ["What was the mortality in ORCHID-2?", "What was the hospitalisation rate in CEDAR-4?"],
)
def test_abstains_on_what_they_do_not_report(services, question):
    assert services.engine.answer(question).abstained
