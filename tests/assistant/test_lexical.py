"""The BM25 index keeps ids and filter fields only; texts are read back from the store."""

from assistant.lexical import LexicalIndex
from assistant.models import Chunk, Filters, match_values
from assistant.text import tokenize


def entries():
    texts = {
        "a#0": ("a", "Linvoseltamab response rate was high."),
        "a#1": ("a", "Cytokine release syndrome was grade 1."),
        "b#0": ("b", "Daratumumab delayed progression in smoldering myeloma."),
    }
    for cid, (doc, text) in texts.items():
        chunk = Chunk(chunk_id=cid, doc_id=doc, text=text, start=0, end=len(text))
        meta = {"doc_id": doc, "title": f"T{doc}", "start": 0, "match_trial": match_values(f"TRIAL-{doc}")}
        yield chunk, meta


def test_the_index_holds_ids_and_one_filter_dict_per_document():
    index = LexicalIndex(entries())
    assert index.ids == ["a#0", "a#1", "b#0"] and len(index) == 3
    assert index.selectors[0] is index.selectors[1]
    assert index.selectors[0] == {"doc_id": "a", "match_trial": match_values("TRIAL-a")}
    assert not hasattr(index, "chunks") and not hasattr(index, "metas")


def test_search_ranks_ids_and_applies_filters():
    index = LexicalIndex(entries())
    assert [cid for cid, _ in index.search(tokenize("cytokine release"), 3)] == ["a#1"]
    assert index.search(tokenize("daratumumab"), 3, Filters(trial=["trial-a"])) == []
    [(cid, score)] = index.search(tokenize("daratumumab"), 3, Filters(trial=["trial b"]))
    assert cid == "b#0" and score > 0
    assert index.idf("absent") > index.idf(tokenize("daratumumab")[0])
