"""A question that names a thing twice, once in brackets ("the soy-based drink (Vitasoy)"), is
about a paper that uses either name: with the real engine over a store on disk, it is answered
from a paper saying only the bracketed one, and still declined by a paper saying neither."""

import pytest

from assistant.models import Filters
from tests.conftest import services_over

SOY = """# A fortified drink for underweight toddlers: a randomised trial

## Methods
Underweight children aged one to three years were randomly assigned to Vitasoy or to
nutrition counselling alone for twelve weeks.
Children in the intervention group were given 200 mL of Vitasoy twice daily.

## Results
Weight-for-age improved more with Vitasoy (p = 0.02).
"""

IRON = """# Oral iron for anaemia in pregnancy: a randomised trial

## Methods
Pregnant women with anaemia were randomly assigned to ferrous sulfate 60 mg daily or to
placebo.

## Results
Haemoglobin rose by 9 g/L more with iron than with placebo (p < 0.001).
"""


@pytest.fixture(scope="module")
def services(tmp_path_factory, embedder):
    files = {"soy.md": SOY, "iron.md": IRON}
    return services_over(tmp_path_factory.mktemp("aliases"), files, embedder)


QUESTION = "How much soy-based drink (Vitasoy) did each toddler get?"


def _doc(services, name: str) -> str:
    ids = [d.doc_id for d in services.store.list_documents() if name in d.source]
    assert len(ids) == 1, ids
    return ids[0]


@pytest.mark.slow
def test_a_paper_saying_only_the_bracketed_name_answers(services):
    answer = services.engine.answer(QUESTION, filters=Filters(doc_id=_doc(services, "soy.md")))
    assert not answer.abstained, answer.answer
    assert "200 mL of Vitasoy twice daily" in answer.citations[0].quote


@pytest.mark.slow
def test_a_paper_saying_neither_name_still_declines(services):
    answer = services.engine.answer(QUESTION, filters=Filters(doc_id=_doc(services, "iron.md")))
    assert answer.abstained, answer.answer
