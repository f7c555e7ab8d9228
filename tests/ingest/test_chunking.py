import re
from pathlib import Path

import pytest

from assistant.language.text import sentence_spans
from assistant.models import Document
from ingest.chunking import chunk_document, is_heading
from ingest.loaders import load_file

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def interview():
    return load_file(CORPUS / "linker-smm1-interview.txt")


def test_heading_rule():
    assert is_heading("Could you discuss the safety data?")
    assert is_heading("Results")
    assert is_heading("REFERENCES:")
    assert not is_heading("We see an overall response rate of 100%.")
    assert not is_heading("0:00 / 0:00")


def test_chunks_are_exact_spans_within_the_limit(interview):
    chunks = chunk_document(interview, 1000)
    assert chunks and all(interview.text[c.start : c.end] == c.text for c in chunks)
    assert all(len(c.text) <= 1000 for c in chunks)
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)


def test_each_interview_question_starts_a_chunk_with_its_answer(interview):
    chunks = chunk_document(interview, 1000)
    questions = [
        line for line in interview.text.split("\n") if line.endswith("?") and len(line) < 150
    ]
    assert len(questions) >= 5
    for q in questions:
        holder = next(c for c in chunks if c.text.startswith(q))
        assert holder.section == q
        assert len(holder.text) > len(q) + 50, "the answer travels with its question"


def test_no_chunk_splits_a_sentence(interview):
    chunks = chunk_document(interview, 1000)
    for s in sentence_spans(interview.text):
        assert any(c.start <= s.start and s.end <= c.end for c in chunks), interview.text[
            s.start : s.end
        ]


def test_long_section_splits_between_sentences():
    sentences = [f"Sentence number {i} says something about arm {i % 3}." for i in range(60)]
    text = "Results\n\n" + " ".join(sentences)
    d = Document(doc_id="d", title="t", source="s", text=text)
    chunks = chunk_document(d, 300)
    assert len(chunks) > 5
    for c in chunks:
        assert len(c.text) <= 300 and c.section == "Results"
        assert c.text.rstrip().endswith(".") and c.text[0].isupper()


@pytest.mark.parametrize("max_chars", [300, 1000])
def test_chunk_and_segment_gives_each_chunks_own_sentences(max_chars):
    """Sentences found once per paragraph are the sentences of each chunk's text: the same
    spans as segmenting the chunk alone, except where a paragraph cut short reads differently
    (at 300 characters, two chunks of the corpus: one pysbd splits elsewhere, one whose first
    line, cut to 29 characters, is too short to read as hard-wrapped); always the same
    characters."""
    from ingest.chunking import chunk_and_segment
    from ingest.pipeline import expand_paths

    differ = 0
    for path, _ in expand_paths([CORPUS]):
        document = load_file(path)
        chunks, sentences = chunk_and_segment(document, max_chars)
        assert [c.text for c in chunks] == [c.text for c in chunk_document(document, max_chars)]
        for chunk, spans in zip(chunks, sentences, strict=True):
            alone = sentence_spans(chunk.text)
            differ += spans != alone
            ends = [x for s in spans for x in (s.start, s.end)]
            assert ends == sorted(ends), "in order, not overlapping"
            text = chunk.text
            assert all(text[s.start : s.end] == text[s.start : s.end].strip() for s in spans)
            covered = re.sub(r"\s", "", "".join(text[s.start : s.end] for s in spans))
            assert covered == re.sub(r"\s", "", "".join(text[s.start : s.end] for s in alone))
    assert differ <= (2 if max_chars == 300 else 0)
