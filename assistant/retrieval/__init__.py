"""Finding passages: dense and BM25 retrieval fused by reciprocal rank, and trial names in
questions. Only the factory and the engine use it, so it exports nothing to the outer rooms."""

__all__ = []
