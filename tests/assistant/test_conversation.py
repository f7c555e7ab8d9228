"""Follow-up rewriting, the conversation store and the streamed sentences: no model needed."""

import pytest

from assistant.answering.citations import split_sentences
from assistant.composer.streaming import pieces
from assistant.conversation.service import (
    Conversations,
    ConversationStore,
    rewrite_followup,
    standalone_questions,
)
from assistant.errors import InputError, NotFoundError
from assistant.models import Answer, Calculation, Citation
from tests.assistant.trial_names import names_finder

TRIALS = ["LINKER-SMM1", "AQUILA", "E3A06", "NCT02210780", "Mayo 20/2/20"]


names_in = names_finder(TRIALS)


@pytest.mark.parametrize(
    ("previous", "question", "standalone"),
    [
        # A fragment takes the earlier question's frame and trial.
        ("What was the ORR in LINKER-SMM1?", "and the CRS rate?", "What was the CRS rate in LINKER-SMM1?"),
        ("What was the ORR in LINKER-SMM1?", "What about the median age?", "What was the median age in LINKER-SMM1?"),
        ("How many patients had CRS in AQUILA?", "And ICANS?", "How many patients had ICANS in AQUILA?"),
        ("What was the ORR?", "and the CRS rate?", "What was the CRS rate?"),
        ("What was the overall response rate?", "and the CRS rate?", "What was the CRS rate?"),
        ("Were there any deaths in AQUILA?", "and grade 3 infections?", "Were there any grade 3 infections in AQUILA?"),
        ("What was the ORR in LINKER-SMM1?", "and the CRS rate in AQUILA?", "What was the CRS rate in AQUILA?"),
        ("Tell me about AQUILA", "and the CRS rate?", "Tell me about the CRS rate in AQUILA?"),
        # A trial and nothing else to ask: the earlier question with the trial replaced.
        ("What was the ORR in LINKER-SMM1?", "what about in AQUILA?", "What was the ORR in AQUILA?"),
        ("What was the 3-year PFS in E3A06?", "And AQUILA?", "What was the 3-year PFS in AQUILA?"),
        ("What was the ORR?", "and in AQUILA?", "What was the ORR in AQUILA?"),
        ("Compare the ORR in AQUILA and E3A06", "what about LINKER-SMM1?", "Compare the ORR in LINKER-SMM1"),
        # A complete question naming no trial carries the earlier trial over.
        ("What was the ORR in LINKER-SMM1?", "Were there any deaths?", "Were there any deaths in LINKER-SMM1?"),
        ("What is the NCT number of AQUILA?", "And what was the primary endpoint?", "What was the primary endpoint of AQUILA?"),
        ("What was the ORR in LINKER-SMM1?", "How many patients were in that trial?", "How many patients were in LINKER-SMM1?"),
        # Narrowing with a preposition keeps the earlier question whole.
        ("What was the ORR in LINKER-SMM1?", "and in the safety run-in?", "What was the ORR in LINKER-SMM1 in the safety run-in?"),
        # A question naming its own trial stands alone.
        ("What was the ORR in LINKER-SMM1?", "What was the CRS rate in AQUILA?", "What was the CRS rate in AQUILA?"),
        ("What was the ORR in LINKER-SMM1?", "What is the Mayo 20/2/20 model?", "What is the Mayo 20/2/20 model?"),
        # No earlier turn, or nothing to ask: unchanged.
        (None, "and the CRS rate?", "and the CRS rate?"),
        ("What was the ORR in LINKER-SMM1?", "and?", "and?"),
    ],
)  # fmt: skip
def test_follow_ups_become_standalone_questions(previous, question, standalone):
    assert rewrite_followup(question, previous, names_in) == standalone


def test_rewrites_chain_through_a_conversation():
    asked = ["What was the ORR in LINKER-SMM1?", "and the CRS rate?", "what about in AQUILA?",
             "And the 60-month PFS?"]  # fmt: skip
    assert standalone_questions(asked, names_in) == [
        "What was the ORR in LINKER-SMM1?",
        "What was the CRS rate in LINKER-SMM1?",
        "What was the CRS rate in AQUILA?",
        "What was the 60-month PFS in AQUILA?",
    ]


def citation(n: int, start: int = 0) -> Citation:
    return Citation(n=n, doc_id="d", title="T", source="s", chunk_id="d#0000", start=start,
                    end=start + 5, quote="hello")  # fmt: skip


class RecordingEngine:
    def __init__(self):
        self.asked = []

    def answer(self, question, *, k=None, filters=None, conversation_id=None):
        self.asked.append(question)
        n = len(self.asked)
        return Answer(question=question, answer=f"Answer {n}. [1]", abstained=False,
                      citations=[citation(1, start=n * 10)], conversation_id=conversation_id)  # fmt: skip


def test_turns_keep_question_standalone_question_and_answer_across_reopening(tmp_path):
    path = tmp_path / "conversations" / "c.sqlite3"
    engine = RecordingEngine()
    talk = Conversations(engine, ConversationStore(path), names_in, max_question_chars=200)
    first = talk.ask("What was the ORR in LINKER-SMM1?")
    cid = first.answer.conversation_id
    second = talk.ask("  and the   CRS rate? ", cid)
    assert engine.asked == [
        "What was the ORR in LINKER-SMM1?",
        "What was the CRS rate in LINKER-SMM1?",
    ]
    assert second.answer.question == "and the CRS rate?"  # the user's words, whitespace collapsed
    assert second.standalone_question == "What was the CRS rate in LINKER-SMM1?"

    reopened = Conversations(RecordingEngine(), ConversationStore(path), names_in, 200)
    turns = reopened.get(cid).turns
    assert [t.n for t in turns] == [1, 2]
    assert turns[0].answer == first.answer and turns[1].answer == second.answer
    assert turns[0].answer.citations[0].start == 10  # the first turn's citation, unchanged
    # A follow-up after reopening still resolves against the stored turns.
    third = reopened.ask("what about in AQUILA?", cid)
    assert third.standalone_question == "What was the CRS rate in AQUILA?" and third.n == 3


def test_unknown_conversation_and_bad_questions(tmp_path):
    talk = Conversations(RecordingEngine(), ConversationStore(tmp_path / "c.sqlite3"), names_in, 20)
    with pytest.raises(NotFoundError):
        talk.get("nope")
    for bad in ["", "   ", "x" * 21]:
        with pytest.raises(InputError):
            talk.ask(bad)
    chosen = talk.ask("What was the ORR?", "my-own-id")  # an unseen id starts a conversation
    assert chosen.answer.conversation_id == "my-own-id" and talk.get("my-own-id").turns


def test_a_conversation_stops_at_its_turn_limit(tmp_path):
    engine = RecordingEngine()
    talk = Conversations(
        engine, ConversationStore(tmp_path / "c.sqlite3", max_turns=3), names_in, 200
    )
    for _ in range(3):
        talk.ask("What was the ORR?", "long-one")
    with pytest.raises(InputError, match="3 turns, the limit"):
        talk.ask("and the CRS rate?", "long-one")
    assert len(engine.asked) == 3  # refused before anything was answered
    assert [t.n for t in talk.get("long-one").turns] == [1, 2, 3]  # nothing lost or added
    assert talk.ask("What was the ORR?", "another").n == 1  # other conversations go on


def test_messages_answer_the_last_question_after_the_earlier_ones(tmp_path):
    engine = RecordingEngine()
    talk = Conversations(engine, ConversationStore(tmp_path / "c.sqlite3"), names_in, 200)
    standalone, answer = talk.answer_messages(["What was the ORR in AQUILA?", "and the CRS rate?"])
    assert standalone == engine.asked[-1] == "What was the CRS rate in AQUILA?"
    assert answer.question == "and the CRS rate?"
    assert not (tmp_path / "c.sqlite3").exists()  # stateless: nothing stored


@pytest.mark.parametrize(
    "text",
    ["One. [1] Two [2][3] Three. [1]", "The closest passages are [1] and [2].", "No documents.",
     "In AQUILA, x. [1] Calculated from the cited counts: 1/2 = 50% (95% CI 1–99%) [1]"],
)  # fmt: skip
def test_streamed_sentences_join_to_the_answer(text):
    assert "".join(split_sentences(text)) == text


def test_sentences_split_after_markers_with_or_without_a_full_stop_after_them():
    assert split_sentences("A was 1% [1]. B was 2% [2][3]. C.") == [
        "A was 1% [1]. ",
        "B was 2% [2][3]. ",
        "C.",
    ]
    assert split_sentences("Seen in [1] and [2].") == ["Seen in [1] and [2]."]


def test_each_piece_brings_the_citations_and_calculations_it_refers_to():
    calc = Calculation(name="response_rate", inputs={}, result={}, text="1/2 = 50%", cited=[2])
    answer = Answer(question="q", answer="First. [1] Second. [2] Calculated: 1/2 = 50% [2]",
                    abstained=False, citations=[citation(1), citation(2, 7)], calculations=[calc])  # fmt: skip
    got = list(pieces(answer))
    assert [p.text for p in got] == ["First. [1] ", "Second. [2] ", "Calculated: 1/2 = 50% [2]"]
    assert [[c.n for c in p.citations] for p in got] == [[1], [2], [2]]
    assert [len(p.calculations) for p in got] == [0, 0, 1]
