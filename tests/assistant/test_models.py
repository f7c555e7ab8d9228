import pytest
from pydantic import ValidationError

from assistant.models import Chunk, Filters


def test_chunk_span_must_match_text_length():
    Chunk(chunk_id="d#0000", doc_id="d", text="abc", start=3, end=6)
    with pytest.raises(ValidationError):
        Chunk(chunk_id="d#0000", doc_id="d", text="abc", start=3, end=7)


def test_filters_accept_one_value_or_many():
    f = Filters(doc_id="a", trial=["X", "Y"])
    assert f.active() == {"doc_id": ["a"], "trial": ["X", "Y"]}
    assert f.chroma_where() == {
        "$and": [{"doc_id": {"$in": ["a"]}}, {"trial": {"$in": ["X", "Y"]}}]
    }
    assert f.matches({"doc_id": "a", "trial": "Y"})
    assert not f.matches({"doc_id": "a", "trial": "Z"})
    assert Filters().chroma_where() is None
    assert Filters().matches({"anything": 1})
