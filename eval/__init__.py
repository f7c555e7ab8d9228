"""The evaluation suite (gold cases, metrics, runner) grows here; see the README."""

__all__: list[str] = []
