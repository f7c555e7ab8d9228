"""Words: tokens and sentence spans, a question's terms, defined abbreviations, time points."""

from assistant.language.query import analyse
from assistant.language.text import Span, is_content, sentence_spans, tokenize

__all__ = ["Span", "analyse", "is_content", "sentence_spans", "tokenize"]
