"""The same answers from a journal PDF as from its text (issue 19, docs/pdf-layout.md).

Three real EI2 validation articles (the first three in PMCID order, cut as the layout tests cut
them) are set by ``journal_pdf`` as two-column journal PDFs with running heads and page
numbers, and the text that was set is written beside them as ``.txt``: the same words, so the
two differ only in how the file is read. Each kind is ingested into a fresh store of its own by
the product's path (``assistant.factory.build``, ``ingest.pipeline.Ingestor``), and every
article's EI2 prompts, plus three plain questions, are asked within that article with each
store's default engine. A pair is the same when both abstain, or both answer with the same
first quote (whitespace aside).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.ingest.journal_pdf import EI2, LAYOUTS, journal_article, render

needs_ei2 = pytest.mark.skipif(
    not (EI2 / "ei2_validation.json").is_file(),
    reason="../shared/data/evidence_inference is absent",
)
ARTICLES = (0, 1, 2)  # EI2 validation articles in PMCID order, as test_pdf_layout.py takes them
PLAIN = (
    "How many patients were randomised?",
    "What was the primary outcome?",
    "Which adverse events were reported?",
)
# Measured: 18 of 18 pairs the same (9 EI2 prompts + 9 plain questions; 5 both abstained, 13
# both answered with the same first quote; 41 PDF quotes exact spans), 44-59 s with the model
# already loaded, on 2 busy cores. The target is 0.95; this holds 0.9, so one differing
# pair of 18 (0.94) passes and two fail.
MIN_SAME = 0.9


def _norm(text: str) -> str:
    return " ".join(text.split())


def _services(folder: Path, files: list[Path], embedder):
    from assistant.factory import build
    from ingest.pipeline import Ingestor

    services = build(make_settings(folder / "store"), embedder=embedder)
    report = Ingestor(services.store, services.embedder, services.settings).ingest(files)
    assert not report.failed, report.failed
    return services


def _doc_ids(store, pmcids: list[str]) -> dict[str, str]:
    """Each article's doc id in ``store``, matched by the file it came from."""
    found = {Path(info.source).stem: info.doc_id for info in store.list_documents()}
    assert set(pmcids) <= set(found), found
    return {pmcid: found[pmcid] for pmcid in pmcids}


def _first_quote(answer) -> str | None:
    """None for an abstention, else the first citation's quote, whitespace normalised."""
    if answer.abstained or not answer.citations:
        return None
    return _norm(answer.citations[0].quote)


@needs_ei2
@pytest.mark.slow
def test_pdf_and_text_give_the_same_answers(tmp_path, embedder):
    from assistant.models import Filters

    started = time.perf_counter()
    data = json.loads((EI2 / "ei2_validation.json").read_text())
    pmcids = [sorted(data["articles"])[i] for i in ARTICLES]
    pdfs, txts = [], []
    for i, pmcid in zip(ARTICLES, pmcids, strict=True):
        article = journal_article(i, max_chars=25_000)
        pdf, text = render(article, LAYOUTS["two-column"])
        for folder, name, payload, into in (
            ("pdf", f"{pmcid}.pdf", pdf, pdfs),
            ("txt", f"{pmcid}.txt", text.encode(), txts),
        ):
            path = tmp_path / folder / name
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(payload)
            into.append(path)

    from_pdf = _services(tmp_path / "pdf-store", pdfs, embedder)
    from_txt = _services(tmp_path / "txt-store", txts, embedder)
    pdf_ids, txt_ids = _doc_ids(from_pdf.store, pmcids), _doc_ids(from_txt.store, pmcids)

    pairs, abstained, quotes, differed = 0, 0, 0, []
    for pmcid in pmcids:
        questions = [
            f"What was the effect of {p['intervention']} compared with {p['comparator']} "
            f"on {p['outcome']}?"
            for p in data["prompts"]
            if p["pmcid"] == pmcid
        ] + list(PLAIN)
        pdf_doc = from_pdf.store.get_document(pdf_ids[pmcid])
        for question in questions:
            a = from_pdf.engine.answer(question, filters=Filters(doc_id=pdf_ids[pmcid]))
            b = from_txt.engine.answer(question, filters=Filters(doc_id=txt_ids[pmcid]))
            for c in a.citations:  # every quote is its stored document's exact span
                assert c.doc_id == pdf_doc.doc_id, (question, c)
                assert pdf_doc.text[c.start : c.end] == c.quote, (question, c)
            pairs += 1
            abstained += a.abstained and b.abstained
            quotes += len(a.citations)
            if a.abstained != b.abstained or _first_quote(a) != _first_quote(b):
                differed.append((pmcid, question, _first_quote(a), _first_quote(b)))

    same = pairs - len(differed)
    print(
        f"\nPDF vs text: the same answer for {same} of {pairs} ({same / pairs:.1%}) "
        f"({abstained} both abstained; {quotes} PDF quotes checked) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    for pmcid, question, pdf_quote, txt_quote in differed:
        print(f"  {pmcid} {question!r}\n    PDF:  {pdf_quote!r}\n    text: {txt_quote!r}")
    assert same / pairs >= MIN_SAME, differed
