"""The trained files answering reads, named once: which ones the answer settings use.

Each is loaded once per process (``assistant.scoring.model_files``), so loading them here costs
nothing later. ``trialqa`` loads them before it asks or serves, so a missing or unreadable file
stops it in one line naming the file and the ``make`` target that builds it; a server loads them
while it warms up, so the first questions do not wait for them.
"""

from __future__ import annotations

from assistant.answer_settings import AnswerSettings
from assistant.scoring.answerable import load_gate
from assistant.scoring.reranker import load_reranker
from assistant.scoring.scorer import load_scorer
from assistant.verdicts.decision import load_decision_layer
from assistant.verdicts.verdict import load_verdict_model


def load_trained(settings: AnswerSettings) -> None:
    """Load every trained file ``settings`` use: the scorer always; the reranker when ranking
    by 'cascade'; the answer gate when declining by 'gate'; the verdict classifier for verdicts
    or decisions, and the decision layer for decisions."""
    load_scorer(settings.scorer_path)
    if settings.rank_by == "cascade":
        load_reranker(settings.reranker_path)
    if settings.decline_by == "gate":
        load_gate(settings.gate_path)
    if settings.verdict or settings.decision:
        load_verdict_model(settings.verdict_path)
    if settings.decision:
        load_decision_layer(settings.decision_path)
