"""Provenance on every citation (issue 21, item 2): source type, publisher, date with its
precision and the original address, from what each document states; a primary report is cited
before a summary stating the same fact. Rules first, then the shipped corpus in a real store."""

import pytest

from assistant.provenance import parse_date, primary_first, provenance, url_of


@pytest.mark.parametrize(
    ("value", "precision", "expected"),
    [
        ("2025-09-23", None, ("2025-09-23", "day")),
        ("2024-12", None, ("2024-12", "month")),
        ("2020", None, ("2020", "year")),
        ("2020-01-01", "year", ("2020", "year")),  # a stated precision coarsens the date
        ("2020-01-01", "Month", ("2020-01", "month")),
        ("2024", "day", ("2024", "year")),  # ... and never refines it
        ("March 17, 2016", None, ("2016-03-17", "day")),
        ("17 March 2016", None, ("2016-03-17", "day")),
        ("September 2025", None, ("2025-09", "month")),
        ("D:20200107093000+01'00'", None, ("2020-01-07", "day")),  # PDF metadata
        ("2023-02-30", None, None),
        ("soon", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_dates_keep_their_precision(value, precision, expected):
    assert parse_date(value, precision) == expected


def test_urls_are_what_the_document_states_or_its_registry_page():
    assert url_of({"url": "https://example.org/a"}) == "https://example.org/a"
    assert url_of({"url": "not a url"}) is None
    assert url_of({"doi": "10.1200/JCO.19.01740"}) == "https://doi.org/10.1200/JCO.19.01740"
    registry = {"source_type": "registry", "nct_id": "NCT01642004"}
    assert url_of(registry) == "https://clinicaltrials.gov/study/NCT01642004"
    assert url_of({"source_type": "summary", "nct_id": "NCT01642004"}) is None
    # A summary lists the pages it was written from; none of them is *the* original.
    assert url_of({"source_pages": "https://a.example; https://b.example"}) is None


def test_provenance_of_a_document_that_states_nothing_is_empty():
    assert provenance({}) == dict.fromkeys(
        ("source_type", "publisher", "date", "date_precision", "url")
    )
    assert provenance({"source_type": "Summary", "publisher": " TrialQA  corpus ",
                       "date": "2025-01-01", "date_precision": "year"}) == {
        "source_type": "summary", "publisher": "TrialQA corpus", "date": "2025",
        "date_precision": "year", "url": None,
    }  # fmt: skip


def test_a_pdf_gives_its_journal_year_and_doi():
    found = {"journal": "J Clin Oncol", "year": "2020", "doi": "10.1200/JCO.19.01740"}
    assert provenance(found) == {
        "source_type": None, "publisher": "J Clin Oncol", "date": "2020",
        "date_precision": "year", "url": "https://doi.org/10.1200/JCO.19.01740",
    }  # fmt: skip


def test_a_primary_report_moves_before_a_summary_stating_the_same_fact():
    summary, primary = {"source_type": "summary"}, {"source_type": "interview"}
    chosen = [
        ("ORR was 100% (19/19) in the summary.", summary),
        ("CRS occurred in 42%.", summary),
        ("We saw an overall response rate of 100%.", primary),
        ("Infections occurred in 79%.", primary),  # no summary states 79%: stays put
    ]
    ordered = primary_first(chosen, lambda c: c[0], lambda c: c[1])
    assert [c[0][:6] for c in ordered] == ["We saw", "ORR wa", "CRS oc", "Infect"]
    # An upload that does not say what it is counts as primary; two primaries keep order.
    upload = [("A was 5%.", summary), ("A was 5% here too.", {})]
    assert primary_first(upload, lambda c: c[0], lambda c: c[1])[0][1] == {}
    primaries = [("A was 5%.", primary), ("A was 5% here too.", {})]
    assert primary_first(primaries, lambda c: c[0], lambda c: c[1]) == primaries


@pytest.mark.slow
def test_every_corpus_citation_carries_its_source_type_and_date(corpus_services):
    engine = corpus_services.engine
    documents = {d.doc_id: d.metadata for d in corpus_services.store.list_documents()}
    questions = [
        "What was the overall response rate in LINKER-SMM1?",
        "What was the 60-month PFS in AQUILA?",
        "What was the objective response rate with nivolumab in CheckMate 017?",
        "What was the 3-year PFS in E3A06?",
    ]
    seen_types = set()
    for question in questions:
        answer = engine.answer(question)
        assert answer.citations, question
        for c in answer.citations:
            meta = documents[c.doc_id]
            assert c.source_type == meta["source_type"] and c.date, (question, c.doc_id)
            assert c.date_precision in ("year", "month", "day")
            assert c.publisher == meta["publisher"]
            seen_types.add(c.source_type)
            if c.source_type == "registry":
                assert c.url == f"https://clinicaltrials.gov/study/{meta['nct_id']}"
                assert c.date_precision == "day"
            if c.doc_id == "e3a06-results-table":
                assert (c.date, c.date_precision) == ("2020", "year")
        if "LINKER-SMM1" in question:
            # The interview (a primary report) and the summary both state 100%: the
            # interview is cited first.
            kinds = [c.source_type for c in answer.citations if "100%" in c.quote]
            assert kinds[:1] == ["interview"] and "summary" in kinds, kinds
            interview = next(c for c in answer.citations if c.source_type == "interview")
            assert interview.url.startswith("https://join.targetedonc.com/")
    assert {"summary", "registry", "interview"} <= seen_types
