"""The grounding gate on hand-made passages: what it keeps, what it removes and why."""

import pytest

from assistant.composer.gate import Claim, check_claim, ground, split_reply
from assistant.models import Chunk, Passage

MIN = 0.5

DOC = (
    "Preamble sentence that pads the document. "
    "In LINKER-SMM1, the overall response rate was 100% (19/19) among response-evaluable "
    "patients. Cytokine release syndrome occurred in 42% of the 24 treated patients, mostly "
    "grade 1 and 2. No ICANS events were observed."
)
OTHER = "AQUILA randomized 390 patients to daratumumab or active monitoring. Median age was 63."


def passage(doc_id: str, text: str, start: int, title: str, trial: str) -> Passage:
    chunk = Chunk(
        chunk_id=f"{doc_id}#0000",
        doc_id=doc_id,
        text=text[start:],
        start=start,
        end=len(text),
        section="Results",
    )
    return Passage(
        chunk=chunk, title=title, source=f"{doc_id}.txt", metadata={"trial": trial}, score=1.0
    )


@pytest.fixture
def passages():
    return [
        passage("linker", DOC, DOC.index("In LINKER"), "LINKER-SMM1 summary", "LINKER-SMM1"),
        passage("aquila", OTHER, 0, "AQUILA abstract", "AQUILA"),
    ]


def judge(sentence: str, passages, calcs=()):
    [(written, text, cited)] = split_reply(sentence)
    return check_claim(Claim(written, text, cited), passages, list(calcs), MIN)


def test_a_paraphrase_is_kept_and_quoted_from_the_document(passages):
    claim = judge("All 19 response-evaluable patients responded, an ORR of 100% [1].", passages)
    assert claim.kept, claim.reason
    [quote] = claim.quotes
    assert DOC[quote.start : quote.end] == quote.text
    assert quote.text.startswith("In LINKER-SMM1, the overall response rate was 100%")


def test_a_planted_number_is_removed(passages):
    claim = judge("Cytokine release syndrome occurred in 57% of the 24 patients [1].", passages)
    assert not claim.kept and "57%" in claim.reason


def test_a_number_from_a_calculation_text_is_allowed(passages):
    calc = "10/24 = 41.7% (95% CI 22.1–63.4%)"
    claim = judge("Cytokine release syndrome occurred in 41.7% of patients [1].", passages, [calc])
    assert claim.kept, claim.reason


def test_a_citation_to_the_wrong_passage_is_removed(passages):
    claim = judge("Cytokine release syndrome occurred in 42% of the 24 patients [2].", passages)
    assert not claim.kept


def test_a_citation_to_a_passage_that_does_not_exist_is_removed(passages):
    claim = judge("Cytokine release syndrome occurred in 42% of the 24 patients [7].", passages)
    assert not claim.kept and "[7]" in claim.reason


def test_a_sentence_without_a_citation_is_removed(passages):
    claim = judge("Cytokine release syndrome occurred in 42% of the 24 patients.", passages)
    assert not claim.kept and claim.reason == "cites no passage"


def test_a_fabricated_quote_is_removed(passages):
    claim = judge(
        'The summary says "cytokine release syndrome was rare and always mild" [1].', passages
    )
    assert not claim.kept and "quotes" in claim.reason


def test_a_true_quote_is_kept(passages):
    claim = judge('The summary says "No ICANS events were observed" [1].', passages)
    assert claim.kept, claim.reason


def test_invented_words_around_a_true_number_are_removed(passages):
    claim = judge(
        "Fatal cardiac toxicity required hospitalization in 42% of elderly participants [1].",
        passages,
    )
    assert not claim.kept and claim.support < MIN


@pytest.mark.parametrize(
    "sentence",
    ["ICANS events were observed [1].", "Cytokine release syndrome did not occur in 42% [1]."],
)
def test_a_flipped_negation_is_removed(passages, sentence):
    claim = judge(sentence, passages)
    assert not claim.kept and "negat" in claim.reason


def test_a_kept_negation_is_kept(passages):
    assert judge("No ICANS events were observed in the trial [1].", passages).kept


def test_two_facts_from_two_sentences_are_quoted_with_both(passages):
    claim = judge(
        "The response rate was 100%, and cytokine release syndrome occurred in 42% [1].", passages
    )
    assert claim.kept, claim.reason
    assert len(claim.quotes) == 2


def test_split_reply_reads_marker_styles_bullets_and_trailing_markers():
    reply = (
        "- The ORR was 100%. [1] CRS occurred in 42% [1, 2].\n"
        "* No ICANS events were seen [Passage 2][3]. Sources: none."
    )
    parts = split_reply(reply)
    assert [cited for _, _, cited in parts] == [(1,), (1, 2), (2, 3), ()]
    assert parts[0][1] == "The ORR was 100%."
    assert parts[1][1] == "CRS occurred in 42%."


def test_ground_judges_every_sentence(passages):
    claims = ground(
        "The ORR was 100% [1]. CRS occurred in 57% [1]. AQUILA randomized 390 patients [2].",
        passages,
        [],
        MIN,
    )
    assert [c.kept for c in claims] == [True, False, True]
