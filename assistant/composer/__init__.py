"""The optional language-model composer: prompts, the chat model, the grounding gate its
sentences pass, and an answer cut into cited sentences."""

from assistant.composer.streaming import Piece, pieces

__all__ = ["Piece", "pieces"]
