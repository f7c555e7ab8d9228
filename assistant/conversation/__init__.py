"""Conversations: follow-ups rewritten to stand alone, turns kept on disk, Markdown export,
and questions worth asking."""

from assistant.conversation.export import conversation_markdown
from assistant.conversation.history import LIST_MAX, TITLE_MAX_CHARS
from assistant.conversation.service import Conversation, ConversationSummary
from assistant.conversation.suggestions import KIND_NAMES, LIMIT_MAX, Suggestions

__all__ = [
    "Conversation",
    "ConversationSummary",
    "KIND_NAMES",
    "LIMIT_MAX",
    "LIST_MAX",
    "Suggestions",
    "TITLE_MAX_CHARS",
    "conversation_markdown",
]
