"""The bottom line of a yes/no question ("Does X predict Y?"), derived from the cited quotes.

A yes/no question (one opening with "Is", "Does", "Can", "Should", ...) gets a decision:
``yes``, ``no`` or ``maybe``. It rests on what the cited quotes state, read two ways:

- the verdict classifier (``assistant/verdicts/verdict.py``) reads the question with each quote and
  says whether the quote states a result and whether that result was a significant effect
  or no significant difference, and
- deterministic cues of each quote: statements of (non-)significance (``assistant/effects``),
  negations, and hedging words ("may", "unclear", "further studies").

A small softmax layer (``assistant/data/decision.json``, fitted by ``make train-decision`` on
PubMedQA items whose split is ``dev`` only) turns these pooled features into a probability for
each of yes, no and maybe. When the most likely label's probability is below the bar stored
with the layer (chosen on a held-apart part of the dev items), no decision is given: the
answer's ``decision`` is null and a warning says why. Nothing is read but the cited quotes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from assistant.errors import ConfigError
from assistant.models import Answer, Decision
from assistant.verdicts.effects import comparison, cues

DECISIONS = ("yes", "no", "maybe")
FILE = "data/decision.json"

# A yes/no question opens with an auxiliary or modal verb. "Do" and "Does" open effect
# questions too ("Does X reduce Z compared with Y?"): those get a verdict and a decision.
# A title-style question ("Drug X in the elderly: is it safe?") asks after its colon or stop.
_YES_NO = re.compile(
    r"(?:^|[:.;?]\s|--|\u2014)\s*[\"'\u201c]?(?:is|are|was|were|am|does|do|did|can|could|has|have|had|should|will|would|may|"
    r"might|must|shall|isn't|aren't|doesn't|don't|didn't|can't|won't)\b",
    re.I,
)
_NEGATION = re.compile(r"\b(?:no|not|neither|nor|without|none|never|cannot|n't|lack\w*)\b", re.I)
_HEDGE = re.compile(
    r"\b(?:may|might|could|possibl\w*|potential\w*|unclear|uncertain\w*|inconclusive|"
    r"controvers\w*|remains?|further\s+(?:studies|research|investigation\w*|trials?)|"
    r"warrant\w*|limited|suggest\w*|appear\w*|seem\w*|trend\w*|tend\w*)\b",
    re.I,
)
_POSITIVE = re.compile(
    r"\b(?:associated|correlat\w*|predict\w*|improv\w*|effective|efficac\w*|benefi\w*|"
    r"safe|feasible|accurate|useful|reliable|valid\w*|superior|higher|increas\w*|lower|"
    r"reduc\w*|decreas\w*|independent\w*|strong\w*)\b",
    re.I,
)
_NULL = re.compile(
    r"\b(?:similar|comparable|equivalent|did\s+not|does\s+not|do\s+not|was\s+not|were\s+not|"
    r"is\s+not|are\s+not|no\s+(?:difference|association|correlation|relationship|effect|"
    r"benefit|advantage|impact|change)|not\s+(?:associated|correlated|related|predictive))\b",
    re.I,
)

# A question asking whether two things are alike ("Were users as happy with A as with B?", "Is
# X equivalent to Y?") is answered yes by no difference and no by a significant one: the
# reverse of a question asking for an effect. "As well as" joins; "as high as 40%" is a bound.
_ALIKE = re.compile(
    r"\bas (?!well as\b)(?:[\w-]+ ){1,6}?as (?!\d|compared|opposed|measured|assessed|defined)"
    r"|\b(?:similar|equivalent|comparable|equally|the same as|no different|non-?inferior)\b",
    re.I,
)
_MIRRORED = {"yes": "no", "no": "yes", "maybe": "maybe"}

FEATURE_NAMES = (
    "bias_quotes",  # log(1 + number of quotes)
    "states_max",
    "states_mean",
    "significant_max",
    "significant_pooled",
    "no_difference_max",
    "no_difference_pooled",
    "p_significant",
    "p_not_significant",
    "interval_significant",
    "interval_not_significant",
    "words_significant",
    "words_not_significant",
    "negation",
    "hedge",
    "positive",
    "null_wording",
    "question_negated",
)


def asks_alike(question: str) -> bool:
    """Whether a yes/no question asks if two things are alike (equal, similar, no worse)."""
    return bool(_ALIKE.search(question))


def is_yes_no(question: str) -> bool:
    """Whether ``question`` is asked to be answered yes or no."""
    return bool(_YES_NO.search(question or ""))


def _share(pattern: re.Pattern, quotes: Sequence[str]) -> float:
    """Matches per quote, squashed to 0..1."""
    n = sum(len(pattern.findall(q)) for q in quotes)
    return float(n / (n + len(quotes))) if quotes else 0.0


def decision_features(
    question: str, quotes: Sequence[str], probabilities: np.ndarray
) -> np.ndarray:
    """The decision's inputs: the verdict classifier's label probabilities for each quote
    (``probabilities``, one row per quote: none, increased, decreased, no difference) pooled
    over the quotes, then the quotes' cues and wording, then the question's negation."""
    p = np.asarray(probabilities, dtype=np.float64).reshape(len(quotes), 4)
    row = [float(np.log1p(len(quotes)))]
    if len(quotes):
        states = 1.0 - p[:, 0]
        significant = p[:, 1] + p[:, 2]
        weight = states / max(states.sum(), 1e-9)
        row += [
            float(states.max()),
            float(states.mean()),
            float(significant.max()),
            float((weight * significant / np.maximum(states, 1e-9)).sum()),
            float(p[:, 3].max()),
            float((weight * p[:, 3] / np.maximum(states, 1e-9)).sum()),
        ]
    else:
        row += [0.0] * 6
    found = [c for q in quotes for c in cues(q)]
    for kind in ("p-value", "interval", "words"):
        for said_significant in (True, False):
            n = sum(1 for c in found if c.kind == kind and c.significant == said_significant)
            row.append(min(n, 3) / 3)
    row += [_share(_NEGATION, quotes), _share(_HEDGE, quotes), _share(_POSITIVE, quotes)]
    row += [_share(_NULL, quotes), float(bool(_NEGATION.search(question or "")))]
    return np.asarray(row, dtype=np.float64)


# --- the fitted layer --------------------------------------------------------------------------


def default_path() -> Path:
    return Path(str(resources.files("assistant").joinpath(FILE)))


@dataclass(frozen=True)
class DecisionLayer:
    """The softmax layer over standardised features, and the bar under which no decision is
    given."""

    weights: np.ndarray  # (labels, features)
    bias: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    threshold: float

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        z = ((x - self.mean) / self.scale) @ self.weights.T + self.bias
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def to_json(self) -> dict:
        return {
            "labels": list(DECISIONS),
            "features": list(FEATURE_NAMES),
            "weights": self.weights.tolist(),
            "bias": self.bias.tolist(),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "threshold": self.threshold,
        }


_LOADED: dict[Path, tuple[float, DecisionLayer]] = {}


def load_decision_layer(path: Path | None = None) -> DecisionLayer:
    """The layer stored at ``path`` (default: the shipped one), read once per change."""
    where = Path(path) if path else default_path()
    hint = "run `make train-decision` to build it, or restore it with `git checkout`"
    try:
        stamp = where.stat().st_mtime
    except OSError:
        raise ConfigError(f"the decision layer's file {where} is missing; {hint}") from None
    if where in _LOADED and _LOADED[where][0] == stamp:
        return _LOADED[where][1]
    try:
        config = json.loads(where.read_text())
        layer = DecisionLayer(
            weights=np.asarray(config["weights"], dtype=np.float64),
            bias=np.asarray(config["bias"], dtype=np.float64),
            mean=np.asarray(config["mean"], dtype=np.float64),
            scale=np.asarray(config["scale"], dtype=np.float64),
            threshold=float(config["threshold"]),
        )
        shape_ok = layer.weights.shape == (len(DECISIONS), len(FEATURE_NAMES))
        if not shape_ok or config.get("features") != list(FEATURE_NAMES):
            raise ValueError("its features are not the ones this version reads")
    except Exception as exc:  # any unreadable part: one line naming the file
        raise ConfigError(f"the decision layer in {where} cannot be read ({exc}); {hint}") from None
    _LOADED[where] = (stamp, layer)
    return layer


# --- from quotes to a decision ----------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    label: str | None  # None: below the bar
    confidence: float
    probabilities: tuple[float, ...]


def read(question: str, quotes: Sequence[str], verdict_model, layer: DecisionLayer) -> Reading:
    """The decision the quotes give ``question``: the verdict classifier's reading of each
    quote and the quotes' cues through the fitted layer."""
    from assistant.verdicts.verdict import document_alpha

    quotes = [q for q in quotes if q and q.strip()]
    if quotes:
        probs = verdict_model.probabilities(question, quotes, document_alpha(quotes))
    else:
        probs = np.zeros((0, 4))
    p = layer.probabilities(decision_features(question, quotes, probs))[0]
    if asks_alike(question):  # the layer reads "is there an effect?": its yes is this no
        p = p[[DECISIONS.index(_MIRRORED[d]) for d in DECISIONS]]
    best = int(np.argmax(p))
    label = DECISIONS[best] if p[best] >= layer.threshold else None
    return Reading(label, float(p[best]), tuple(float(v) for v in p))


def decision_cues(quotes: Sequence[str], label: str) -> list[tuple[int, str]]:
    """(quote index, verbatim span) of the cues that agree with ``label``: significance for
    yes, non-significance and null wording for no, hedging words for maybe."""
    out: list[tuple[int, str]] = []
    for i, quote in enumerate(quotes):
        if label in ("yes", "no"):
            for cue in cues(quote):
                if cue.significant == (label == "yes"):
                    out.append((i, cue.span(quote)))
            if label == "no":
                out += [(i, m.group(0)) for m in _NULL.finditer(quote)]
        else:
            out += [(i, m.group(0)) for m in _HEDGE.finditer(quote)]
    return out


def results_for_decision(question: str, candidates: list, chosen: list, load, extra: int = 2):
    """For a yes/no question (not an effect question: ``verdict.results_first`` serves those)
    whose chosen sentences state no statistical result: the ``extra`` sentences of the best
    one's document that state a cue (a p-value, an interval, "significantly", "no significant
    difference") and that the verdict classifier reads as most likely stating a result join
    them, after them. Each candidate has ``.text`` and ``.passage``."""
    if not chosen or not is_yes_no(question) or comparison(question) is not None:
        return chosen
    if any(cues(c.text) for c in chosen):
        return chosen
    from assistant.verdicts.verdict import document_alpha

    doc = chosen[0].passage.chunk.doc_id
    seen = {c.text for c in chosen}
    pool = []
    for c in candidates:
        if c.passage.chunk.doc_id == doc and c.text not in seen and cues(c.text):
            seen.add(c.text)
            pool.append(c)
    if not pool:
        return chosen
    texts = [c.text for c in pool]
    probs = load().probabilities(question, texts, document_alpha(texts))
    order = np.argsort(probs[:, 0], kind="stable")[:extra]  # least likely to state nothing
    return chosen + [pool[int(i)] for i in order]


_OPENING = {
    "yes": "Yes, by the cited evidence",
    "no": "No, by the cited evidence",
    "maybe": "Maybe: the cited evidence is tentative",
}


def with_decision(
    answer: Answer, verdict_model: Callable[[], object], layer: Callable[[], DecisionLayer]
) -> Answer:
    """``answer`` opened with the decision on its yes/no question (unchanged for any other
    question, and when it abstained). ``verdict_model`` and ``layer`` are called only for a
    yes/no question that was answered."""
    if not is_yes_no(answer.question) or answer.abstained or not answer.citations:
        return answer
    bar = layer()
    quotes = [c.quote for c in answer.citations]
    reading = read(answer.question, quotes, verdict_model(), bar)
    if reading.label is None:
        note = (f"no yes/no decision: the cited evidence is unclear (confidence "
                f"{reading.confidence:.2f}, below the bar of {bar.threshold:.2f})")  # fmt: skip
        return answer.model_copy(update={"warnings": [*answer.warnings, note]})
    # the cues of the effect the label rests on: a significant difference answers "no" to
    # "Were they as happy?"
    effect = _MIRRORED[reading.label] if asks_alike(answer.question) else reading.label
    found = decision_cues(quotes, effect)
    cited = [c.n for c in answer.citations]
    if found:
        cited = sorted({answer.citations[i].n for i, _ in found})
    shown = [c for _, c in found]
    figures = [c for c in shown if any(ch.isdigit() for ch in c)]  # a p-value before words
    because = f" ({(figures or shown)[0]})" if shown else ""
    marks = "".join(f"[{n}]" for n in cited)
    lead = f"{_OPENING[reading.label]}{because} {marks}."
    decision = Decision(label=reading.label, confidence=round(reading.confidence, 3),
                        cues=list(dict.fromkeys(shown)), cited=cited)  # fmt: skip
    return answer.model_copy(update={"answer": f"{lead} {answer.answer}", "decision": decision})
