"""The BM25 index keeps ids and filter fields only; texts are read back from the store."""

from assistant.language.text import tokenize
from assistant.models import Chunk, Filters, match_values
from assistant.retrieval.lexical import LexicalIndex


def entries():
    texts = {
        "a#0": ("a", "Linvoseltamab response rate was high."),
        "a#1": ("a", "Cytokine release syndrome was grade 1."),
        "b#0": ("b", "Daratumumab delayed progression in smoldering myeloma."),
    }
    for cid, (doc, text) in texts.items():
        chunk = Chunk(chunk_id=cid, doc_id=doc, text=text, start=0, end=len(text))
        meta = {
            "doc_id": doc,
            "title": f"T{doc}",
            "start": 0,
            "match_trial": match_values(f"TRIAL-{doc}"),
        }
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


def test_a_misspelt_term_is_read_as_the_indexed_term_it_is_one_or_two_edits_from():
    index = LexicalIndex(entries())
    assert index.spelled("linvoseltmab") == "linvoseltamab"  # a letter dropped
    assert index.spelled("daratumamab") == "daratumumab"  # a letter changed
    assert index.spelled("cyotkin") == "cytokin"  # two letters swapped: one edit
    assert index.spelled("daratumumab") is None  # indexed: nothing to correct
    assert index.spelled("grada") is None  # too short to tell a typo from another word
    assert index.spelled("cytokin2") is None  # not a word: codes and doses are exact
    assert index.spelled("cytakinn") is None  # two edits from an eight-letter term
    assert index.spelled("pembrolizumab") is None  # no indexed term near it


def test_a_stem_an_indexed_stem_extends_is_read_as_it():
    """The stemmer cuts forms of one word differently ("recur" / "recurr" from "recurrence"):
    an indexed stem at most three letters longer is the same word."""
    index = LexicalIndex(entries())
    assert index.spelled("cytok") == "cytokin"  # two letters longer
    assert index.spelled("linvos") is None  # "linvoseltamab" is seven letters longer
    assert index.spelled("cyto") is None  # four letters: too short to say


def _write(store, doc_id: str, text: str) -> None:
    from assistant.models import Document

    document = Document(doc_id=doc_id, title=doc_id, source=f"{doc_id}.txt", text=text, sha256=text)
    chunk = Chunk(chunk_id=f"{doc_id}#0000", doc_id=doc_id, text=text, start=0, end=len(text))
    store.write_document(document, [chunk], [[1.0, 0.0]])


def test_a_large_index_is_rebuilt_in_the_background_while_the_old_one_answers(tmp_path):
    from assistant.retrieval.lexical import LexicalCache
    from assistant.store.chroma import ChromaStore

    store = ChromaStore(tmp_path / "store")
    _write(store, "a", "Linvoseltamab response rate was high.")
    cache = LexicalCache(store, background_above=0)  # every index counts as large
    first = cache.get()
    assert first.ids == ["a#0000"] and cache.building is None
    _write(store, "b", "Daratumumab delayed progression.")
    assert cache.get() is first  # the store moved: the old index answers meanwhile ...
    building = cache.building
    assert building is not None
    building.join(timeout=60)
    assert sorted(cache.get().ids) == ["a#0000", "b#0000"]  # ... until the new one lands
    assert cache.building is None


def test_a_small_index_is_rebuilt_before_the_next_search(tmp_path):
    from assistant.retrieval.lexical import LexicalCache
    from assistant.store.chroma import ChromaStore

    store = ChromaStore(tmp_path / "store")
    _write(store, "a", "Linvoseltamab response rate was high.")
    cache = LexicalCache(store, background_above=1)
    assert cache.get().ids == ["a#0000"]
    _write(store, "b", "Daratumumab delayed progression.")
    assert sorted(cache.get().ids) == ["a#0000", "b#0000"] and cache.building is None
