"""Conversations: follow-up questions rewritten from the earlier turns, and the turns kept on disk.

A follow-up is rewritten into a *standalone* question before anything is retrieved
(``assistant/conversation/rewrite.py``: it keeps the earlier question's measure and changes only
what the follow-up changes; a self-contained question inherits nothing), and the standalone
question is returned with the answer (``Answer.standalone_question``).

Each turn keeps the user's question, the standalone question that was answered and the whole
``Answer``; ``assistant/conversation/history.py`` keeps them (one SQLite file beside the Chroma
store) and lists, renames and deletes conversations.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from assistant.answering.engine import AnswerEngine
from assistant.conversation.history import (
    Conversation,
    ConversationStore,
    ConversationSummary,
    Turn,
    conversation_store_path,
)
from assistant.conversation.rewrite import NamesIn, rewrite_followup, standalone_questions
from assistant.errors import InputError
from assistant.models import Answer, Filters


class Conversations:
    """Answers questions within conversations: rewrite, answer, remember."""

    def __init__(
        self,
        engine: AnswerEngine,
        store: ConversationStore,
        names_in: NamesIn,
        max_question_chars: int,
    ) -> None:
        self.engine = engine
        self.store = store
        self.names_in = names_in
        self.max_question_chars = max_question_chars

    def check(self, question: str) -> str:
        """The question with its whitespace collapsed; InputError when empty or too long."""
        if not isinstance(question, str) or not question.strip():
            raise InputError("the question is empty")
        question = " ".join(question.split())
        limit = self.max_question_chars
        if len(question) > limit:
            raise InputError(
                f"the question is {len(question)} characters long; the limit is {limit}"
            )
        return question

    def prepare(self, question: str, conversation_id: str | None) -> tuple[str, str, str]:
        """(question, standalone question, conversation id) before anything is answered."""
        question = self.check(question)
        if not conversation_id:
            return question, question, uuid.uuid4().hex
        previous = self.store.last_question(conversation_id)
        return question, rewrite_followup(question, previous, self.names_in), conversation_id

    def ask(
        self,
        question: str,
        conversation_id: str | None = None,
        *,
        k: int | None = None,
        filters: Filters | None = None,
    ) -> Turn:
        """Answer ``question`` as the next turn of ``conversation_id`` (a new one when None;
        an id not seen before starts a conversation under that id)."""
        question, standalone, conversation_id = self.prepare(question, conversation_id)
        return self.answer_prepared(question, standalone, conversation_id, k=k, filters=filters)

    def answer_prepared(
        self,
        question: str,
        standalone: str,
        conversation_id: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
    ) -> Turn:
        answer = self.engine.answer(
            standalone, k=k, filters=filters, conversation_id=conversation_id
        )
        answer = answer.model_copy(update={"question": question, "standalone_question": standalone})
        return self.store.append(conversation_id, question, standalone, answer)

    def get(self, conversation_id: str) -> Conversation:
        return self.store.get(conversation_id)

    def recent(self, limit: int = 100) -> list[ConversationSummary]:
        """The conversations, most recently updated first."""
        return self.store.recent(limit)

    def rename(self, conversation_id: str, title: str) -> ConversationSummary:
        return self.store.rename(conversation_id, title)

    def delete(self, conversation_id: str) -> None:
        self.store.delete(conversation_id)

    def answer_messages(
        self, questions: Sequence[str], *, k: int | None = None, filters: Filters | None = None
    ) -> tuple[str, Answer]:
        """Stateless: the last of ``questions`` answered after the earlier ones (an OpenAI-style
        message list); returns the standalone question and the answer. Nothing is stored."""
        if not questions:
            raise InputError("there is no question to answer")
        question = self.check(questions[-1])
        earlier = [" ".join(q.split()) for q in questions[:-1] if q and q.strip()]
        standalone = standalone_questions([*earlier, question], self.names_in)[-1]
        answer = self.engine.answer(standalone, k=k, filters=filters)
        answer = answer.model_copy(update={"question": question, "standalone_question": standalone})
        return standalone, answer


def names_in_from(trial_names) -> NamesIn:
    """Adapt ``retrieval.TrialNames`` (``found(text) -> (doc ids, written names)``)."""

    def names_in(text: str) -> list[str]:
        written = trial_names.found(text)[1]
        return sorted(dict.fromkeys(written), key=lambda name: (text.find(name), name))

    return names_in


__all__ = [
    "Conversation",
    "ConversationStore",
    "ConversationSummary",
    "Conversations",
    "Turn",
    "conversation_store_path",
    "names_in_from",
    "rewrite_followup",
    "standalone_questions",
]
