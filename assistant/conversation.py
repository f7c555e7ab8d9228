"""Conversations: follow-up questions rewritten from the earlier turns, and the turns kept on disk.

A follow-up is rewritten into a *standalone* question before anything is retrieved, by rules
that know nothing of particular questions, only of the trial names the store holds
(``TrialNames.found``) and of how a question is framed:

- "and the CRS rate?" after "What was the ORR in LINKER-SMM1?" takes the earlier question's
  frame and trial: "What was the CRS rate in LINKER-SMM1?";
- "what about in AQUILA?" (a trial name and nothing else to ask) is the earlier question with
  its trial replaced: "What was the ORR in AQUILA?";
- a complete question naming no trial carries the earlier trial over ("Were there any
  deaths?" -> "Were there any deaths in LINKER-SMM1?"; "that trial" becomes its name);
- a question naming its own trial, or the first question of a conversation, stays as it is.

Each turn keeps the user's question, the standalone question that was answered and the whole
``Answer``; ``assistant/conversation_store.py`` keeps them (one SQLite file beside the Chroma
store) and lists, renames and deletes conversations.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence

from assistant.answering import AnswerEngine
from assistant.conversation_store import (
    Conversation,
    ConversationStore,
    ConversationSummary,
    Turn,
    conversation_store_path,
)
from assistant.errors import InputError
from assistant.models import Answer, Filters
from assistant.text import STOPWORDS, is_content, surface_words

# -- the rewrite ---------------------------------------------------------------------------

# Words that lead into a follow-up without asking anything themselves.
_LEAD = re.compile(
    r"^(?:(?:and|but|also|so|then|ok|okay|now|what about|how about|what of|same for|and for)"
    r"\b[\s,]*)+",
    re.I,
)
# First words of a complete question (or request); anything else is a fragment.
_QUESTION_START = frozenset(
    """what what's whats which who whom whose when where why how how's is are was were do does
    did can could should would will has have had may might list compare describe explain tell
    give show summarize summarise name define calculate compute find""".split()
)
_PREPOSITIONS = frozenset("in of for among at with within across from on by during".split())
_ARTICLES = frozenset("the a an".split())
_DETERMINERS = _ARTICLES | frozenset("any some its their this that these those no".split())
_DEICTIC = re.compile(r"\b(?:this|that|the same|the) (?:trial|study)\b", re.I)

NamesIn = Callable[[str], list[str]]  # the trial names a text writes, as it writes them


def _strip_end(text: str) -> str:
    return text.strip().rstrip("?.!").rstrip()


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _first_word(text: str) -> str:
    words = surface_words(text)
    return words[0][0].lower() if words else ""


def _content_left(text: str, names: Sequence[str]) -> bool:
    """Whether ``text`` asks about anything besides the trial names it writes."""
    for name in names:
        text = text.replace(name, " ")
    return any(is_content(term) for _, term in surface_words(text))


def _frame(previous: str) -> str:
    """The words that open the earlier question before what it asks about ("What was")."""
    words: list[str] = []
    for surface, term in surface_words(previous):
        if is_content(term):
            break
        words.append(surface)
    while words and words[-1].lower() in _ARTICLES:
        words.pop()
    return " ".join(words) if words and words[0].lower() in _QUESTION_START else "What about"


def _subject_span(previous: str, names: Sequence[str]) -> tuple[int, int] | None:
    """Where the earlier question names what it asks about: the run of words (no stopwords)
    just before its trial ("the [ORR] in LINKER-SMM1") or its end ("the [overall response
    rate]?"). None when there is no such run."""
    cut = len(_strip_end(previous))
    if names:
        cut = min(previous.find(n) for n in names)
    tokens = list(re.finditer(r"\S+", previous[:cut]))
    if names and tokens and tokens[-1].group(0).lower() in _PREPOSITIONS:
        tokens.pop()
    run = []
    for m in reversed(tokens):
        word = m.group(0).strip("?.!,;:()\"'").lower()
        if not word or word in STOPWORDS:
            break
        run.append(m)
    if not run:
        return None
    start, end = run[-1].start(), run[0].end()
    while end > start and previous[end - 1] in "?.!,;:":
        end -= 1
    return start, end


def _scope(previous: str, names: Sequence[str]) -> str:
    """How the earlier question attached its trial names: "in LINKER-SMM1", "of AQUILA"."""
    first = previous.find(names[0])
    before = surface_words(previous[:first])
    prep = before[-1][0].lower() if before and before[-1][0].lower() in _PREPOSITIONS else "in"
    return f"{prep} {' and '.join(dict.fromkeys(names))}"


def _with_scope(question: str, scope: str) -> str:
    return f"{_strip_end(question)} {scope}?"


def _replace_names(previous: str, old: Sequence[str], new: Sequence[str]) -> str:
    """The earlier question with the span of its trial names replaced by the new names."""
    spans = [(previous.find(n), previous.find(n) + len(n)) for n in old if n in previous]
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    return previous[:start] + " and ".join(dict.fromkeys(new)) + previous[end:]


def rewrite_followup(question: str, previous: str | None, names_in: NamesIn) -> str:
    """The standalone form of ``question`` asked after ``previous`` (itself standalone).

    ``names_in(text)`` lists the trial names ``text`` writes. Deterministic: the same inputs
    always give the same question, and a question that needs nothing from the earlier one is
    returned unchanged.
    """
    question = " ".join(question.split())
    if not previous:
        return question
    previous = " ".join(previous.split())
    rest = _LEAD.sub("", question).strip() or question
    if not surface_words(rest):
        return question  # nothing to ask ("and?"): left for the engine to say so
    led = rest != question
    names = names_in(question)
    old = names_in(previous)

    if names and not _content_left(rest, names):  # "what about in AQUILA?": swap the trial
        if old:
            return _replace_names(previous, old, names)
        return _with_scope(previous, _scope(f"in {names[0]}", names))

    complete = _first_word(rest) in _QUESTION_START
    if complete:
        rewritten = _capitalise(rest) if led else question
    elif not names and rest.split()[0].lower() in _PREPOSITIONS:  # "and in those over 65?"
        return f"{_strip_end(previous)} {_strip_end(rest)}?"
    else:  # "and the CRS rate?": the earlier question, asking about this instead
        fragment = _strip_end(rest)
        if not fragment.split()[0].isupper():
            fragment = fragment[:1].lower() + fragment[1:]
        span = None if names else _subject_span(previous, old)
        if span is not None:
            start, end = span
            before = previous[:start]
            words, lead_in = fragment.split(), before.split()
            doubled = bool(lead_in) and lead_in[-1].lower() in _DETERMINERS  # "the [ORR]"
            if doubled and len(words) > 1 and words[0].lower() in _ARTICLES:  # + "the CRS rate"
                fragment = " ".join(words[1:])
            return before + fragment + previous[end:]
        rewritten = f"{_frame(previous)} {fragment}?"

    if names or not old:
        return rewritten
    if _DEICTIC.search(rewritten):  # "that trial" -> its name
        return _DEICTIC.sub(" and ".join(dict.fromkeys(old)), rewritten, count=1)
    return _with_scope(rewritten, _scope(previous, old))


def standalone_questions(questions: Sequence[str], names_in: NamesIn) -> list[str]:
    """Each question of a conversation rewritten from the ones before it, in order."""
    out: list[str] = []
    for q in questions:
        out.append(rewrite_followup(q, out[-1] if out else None, names_in))
    return out


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
        answer = answer.model_copy(update={"question": question})
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
        return standalone, answer.model_copy(update={"question": question})


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
