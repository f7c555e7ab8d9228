import pytest
from pydantic import ValidationError

from assistant.models import Chunk, Filters
from assistant.store.where import chroma_where


def test_chunk_span_must_match_text_length():
    Chunk(chunk_id="d#0000", doc_id="d", text="abc", start=3, end=6)
    with pytest.raises(ValidationError):
        Chunk(chunk_id="d#0000", doc_id="d", text="abc", start=3, end=7)


def test_filters_accept_one_value_or_many():
    f = Filters(doc_id="a", trial=["X", "Y"])
    assert f.active() == {"doc_id": ["a"], "trial": ["X", "Y"]}
    either = [{"match_trial": {"$contains": "x"}}, {"match_trial": {"$contains": "y"}}]
    assert chroma_where(f) == {"$and": [{"doc_id": {"$in": ["a"]}}, {"$or": either}]}
    assert f.matches({"doc_id": "a", "match_trial": ["y"]})
    assert not f.matches({"doc_id": "a", "match_trial": ["z"]})
    assert not f.matches({"doc_id": "b", "match_trial": ["y"]})
    assert chroma_where(Filters()) is None
    assert Filters().matches({"anything": 1})
