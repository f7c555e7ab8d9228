"""The conversation store's list, rename and delete, the migration of an old database, and the
Markdown export: no model needed."""

import re
import sqlite3

import pytest

from assistant.conversation.export import conversation_markdown, escape
from assistant.conversation.history import ConversationStore, title_from_question
from assistant.conversation.service import ConversationStore as ReExported
from assistant.errors import InputError, NotFoundError
from assistant.models import Answer, Calculation, Citation

# The schema before titles were kept (written by every release up to this one).
OLD_SCHEMA = """
CREATE TABLE conversations (id TEXT PRIMARY KEY, created_at REAL NOT NULL);
CREATE TABLE turns (
    conversation_id TEXT NOT NULL REFERENCES conversations(id), n INTEGER NOT NULL,
    question TEXT NOT NULL, standalone_question TEXT NOT NULL, answer_json TEXT NOT NULL,
    asked_at REAL NOT NULL, PRIMARY KEY (conversation_id, n)
);
"""


def answer(text: str = "It was 42%. [1]", *citations: Citation, **extra) -> Answer:
    cites = list(citations) or [cite(1)]
    return Answer(question="q", answer=text, abstained=False, citations=cites, **extra)


def cite(n: int, quote: str = "CRS occurred in 42%.", doc_id: str = "doc-a") -> Citation:
    return Citation(n=n, doc_id=doc_id, title="Doc A", source="a.txt", chunk_id=f"{doc_id}#0000",
                    start=10 * n, end=10 * n + len(quote), quote=quote)  # fmt: skip


def test_the_public_names_stay_importable_from_conversation():
    assert ReExported is ConversationStore


def test_list_is_newest_updated_first_with_titles_and_turn_counts(tmp_path):
    store = ConversationStore(tmp_path / "c.sqlite3")
    store.append("old", "What was the ORR in LINKER-SMM1?", "What was the ORR in LINKER-SMM1?",
                 answer())  # fmt: skip
    store.append("new", "  What   was the CRS rate? ", "What was the CRS rate?", answer())
    store.append("old", "and in AQUILA?", "What was the ORR in AQUILA?", answer())  # updates old
    listed = store.recent()
    assert [s.conversation_id for s in listed] == ["old", "new"]
    assert [s.turn_count for s in listed] == [2, 1]
    assert listed[0].title == "What was the ORR in LINKER-SMM1?"  # the first question
    assert listed[1].title == "What was the CRS rate?"  # trimmed
    assert listed[0].updated_at >= listed[1].updated_at >= listed[1].created_at
    assert [s.conversation_id for s in store.recent(limit=1)] == ["old"]


def test_a_long_first_question_is_cut_at_a_word():
    title = title_from_question("What was the overall response rate " * 10)
    assert len(title) <= 120 and title.endswith("…") and not title.endswith(" …")


def test_rename_overrides_the_first_question_and_is_checked(tmp_path):
    store = ConversationStore(tmp_path / "c.sqlite3")
    store.append("a", "What was the ORR?", "What was the ORR?", answer())
    renamed = store.rename("a", "  Tumour   board: ORR ")
    assert renamed.title == "Tumour board: ORR" and renamed.renamed
    assert store.get("a").title == "Tumour board: ORR"
    assert store.get("a").turns[0].question == "What was the ORR?"  # the turns are unchanged
    for bad in ["", "   ", "x" * 201]:
        with pytest.raises(InputError):
            store.rename("a", bad)
    with pytest.raises(NotFoundError):
        store.rename("nope", "A title")


def test_delete_removes_one_conversation_and_nothing_else(tmp_path):
    store = ConversationStore(tmp_path / "c.sqlite3")
    for cid in ("keep", "drop"):
        store.append(cid, "What was the ORR?", "What was the ORR?", answer())
    store.delete("drop")
    with pytest.raises(NotFoundError):
        store.get("drop")
    with pytest.raises(NotFoundError):
        store.delete("drop")
    assert [s.conversation_id for s in store.recent()] == ["keep"]
    assert len(store.get("keep").turns) == 1
    assert store.append("drop", "Again?", "Again?", answer()).n == 1  # the id starts afresh


def test_an_old_database_gains_the_title_column_in_place(tmp_path):
    path = tmp_path / "conversations" / "conversations.sqlite3"
    path.parent.mkdir()
    old = sqlite3.connect(path)
    old.executescript(OLD_SCHEMA)
    stored = answer("Old answer. [1]")
    old.execute("INSERT INTO conversations VALUES ('legacy', 1700000000.0)")
    old.execute("INSERT INTO turns VALUES ('legacy', 1, 'Old question?', 'Old question?', ?, ?)",
                (stored.model_dump_json(), 1700000001.0))  # fmt: skip
    old.commit()
    old.close()

    store = ConversationStore(path)
    (summary,) = store.recent()
    assert (summary.conversation_id, summary.title, summary.turn_count) == (
        "legacy", "Old question?", 1)  # fmt: skip
    assert summary.updated_at == 1700000001.0 and not summary.renamed
    assert store.get("legacy").turns[0].answer == stored  # nothing stored was lost
    assert store.rename("legacy", "Renamed").title == "Renamed"
    assert store.append("legacy", "New?", "New?", answer()).n == 2
    columns = [row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(conversations)")]
    assert columns == ["id", "created_at", "title"]
    # Opening it again (another process, a restart) finds it up to date and changes nothing.
    again = ConversationStore(path)
    assert again.get("legacy").title == "Renamed" and len(again.get("legacy").turns) == 2


def markers_resolve(markdown: str) -> None:
    """Every bare [n] of each turn's section is a reference of that section, and vice versa."""
    sections = re.split(r"^## \d+\. ", markdown, flags=re.M)[1:]
    assert sections
    for section in sections:
        body, _, refs = section.partition("\n**References**\n")
        if not refs:
            body, _, refs = section.partition("\n**Closest passages**\n")
        labels = re.findall(r"^\[(\d+)\] ", refs, re.M)
        used = re.findall(r"(?<!\\)\[(\d+)\](?!\()", body)
        assert set(used) == set(labels) and len(labels) == len(set(labels)), section


def test_export_keeps_markers_escapes_document_text_and_lists_references(tmp_path):
    store = ConversationStore(tmp_path / "c.sqlite3")
    tricky = cite(2, quote="See [12] and <b>*bold*</b>\n# not a heading", doc_id="doc-b")
    calc = Calculation(name="response_rate", inputs={"responders": 19, "evaluable": 19},
                       result={"rate": 1.0}, text="19/19 = 100% (95% CI 82.4–100%)", cited=[1])  # fmt: skip
    store.append("x", "What was the ORR [3] in LINKER-SMM1?", "What was the ORR [3] in LINKER-SMM1?",
                 answer("ORR was 100%. [1] Also see this. [2]", cite(1), tricky,
                        calculations=[calc]))  # fmt: skip
    store.append("x", "and the CRS rate?", "What was the CRS rate in LINKER-SMM1?", answer())
    metadata = {"doc-a": {"publisher": "Blood", "date": "2024-12-09"}, "doc-b": {}}
    markdown = conversation_markdown(store.get("x"), lambda d: metadata.get(d, {}))
    markers_resolve(markdown)
    assert "## 1. What was the ORR \\[3\\] in LINKER-SMM1?" in markdown
    assert "*Searched as: What was the CRS rate in LINKER-SMM1?*" in markdown
    assert (
        "[1] *Doc A* · Blood · 2024-12-09 · `doc-a`, characters 10–30\n> CRS occurred" in markdown
    )
    assert "[2] *Doc A* · `doc-b`, characters 20–" in markdown  # absent facts are skipped
    assert "> See \\[12\\] and \\<b\\>\\*bold\\*\\</b\\>\n> \\# not a heading" in markdown
    assert (
        "- 19/19 = 100% (95% CI 82.4–100%) (inputs: responders = 19; evaluable = 19) from [1]"
        in markdown
    )
    one = conversation_markdown(store.get("x"), turn=2)
    assert one.startswith("## 2. and the CRS rate?") and "## 1." not in one
    markers_resolve(one)


def test_escape_shows_text_as_itself():
    assert escape("a_b *c* [1] <x> `y`") == "a\\_b \\*c\\* \\[1\\] \\<x\\> \\`y\\`"
    assert escape("- item\n1. first") == "\\- item\n1\\. first"
