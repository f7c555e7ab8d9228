"""Bottom lines: the comparison an effect question asks about and its statistical cues, the
verdict classifier, and yes/no decisions over its readings."""

from assistant.verdicts.decision import (
    DECISIONS,
    DecisionLayer,
    decision_features,
    load_decision_layer,
    read,
)
from assistant.verdicts.effects import FEATURES, comparison, cue_features
from assistant.verdicts.verdict import (
    EFFECTS,
    LABELS,
    VerdictModel,
    combine,
    document_alpha,
    layer,
    load_verdict_model,
)

__all__ = [
    "DECISIONS",
    "DecisionLayer",
    "EFFECTS",
    "FEATURES",
    "LABELS",
    "VerdictModel",
    "combine",
    "comparison",
    "cue_features",
    "decision_features",
    "document_alpha",
    "layer",
    "load_decision_layer",
    "load_verdict_model",
    "read",
]
