"""The extractive engine: scope, rank, choose or abstain, calculate, cite (one marker grammar),
and the number gate every answer passes."""

from assistant.answering.tables import table_markdown
from assistant.answering.trained import load_trained
from assistant.answering.verify import NumberMention, Quantity, numbers_in, verify

__all__ = ["NumberMention", "Quantity", "load_trained", "numbers_in", "table_markdown", "verify"]
