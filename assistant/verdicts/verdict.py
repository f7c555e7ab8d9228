"""The bottom line of an effect question, derived from the quotes the answer cites.

"Was Zeta better than placebo?" gets quoted sentences; the verdict says what they show:
significantly increased, significantly decreased, no significant difference (always of the
question's first arm relative to its second), not reported, or conflicting. It rests on:

- a classifier (all-MiniLM-L6-v2 fine-tuned by ``make train-verdict`` on the Evidence
  Inference 2.0 training prompts) that reads the question with each cited quote and says
  whether the quote states the comparison's result and which way it went, and
- the statistical cues each quote states (``assistant/verdicts/effects.py``): a p-value against the
  stated alpha, an interval that excludes or includes its null value, "no significant
  difference". A small layer fitted on the calibrate articles mixes the classifier's logits
  with the cues, so the result is a calibrated probability.

When the most likely label's probability is below the bar chosen on the calibrate articles,
no verdict is given and the answer says the evidence is unclear. The cues shown are verbatim
spans of the cited quotes; nothing is inferred from text that is not cited.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from assistant.errors import ConfigError
from assistant.models import Answer, Verdict
from assistant.scoring.model_files import load_once
from assistant.scoring.reranker import PairModel
from assistant.verdicts.effects import (
    ALPHA,
    FEATURES,
    Comparison,
    comparison,
    cue_features,
    cues,
    stated_alpha,
)

FOLDER = "data/verdict"
LABELS = (
    "none",  # the quote does not state the comparison's result
    "significantly_increased",
    "significantly_decreased",
    "no_significant_difference",
)
EFFECTS = LABELS[1:]
STATES_RESULT = 0.5  # below this share of "states a result", a quote is not read for the label
CONFLICT = 0.8


def default_folder() -> Path:
    return Path(str(resources.files("assistant").joinpath(FOLDER)))


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class VerdictModel(PairModel):
    """The shipped effect classifier and its cue layer, loaded from their folder."""

    WHAT = "the verdict model"
    MAKE = "train-verdict"
    SETTINGS = "verdict.json"
    MEMORY = 4096  # (question, text) pairs whose logits are kept

    def __init__(self, folder: Path | None = None, threads: int | None = None) -> None:
        super().__init__(Path(folder) if folder else default_folder(), threads)
        self._read: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        if self.weights.shape != (len(LABELS), len(LABELS) + FEATURES):
            raise ConfigError(
                f"the verdict model in {self.folder} has a layer of the wrong shape; {self.hint}"
            )

    def configure(self, config: dict) -> None:
        self.weights = np.asarray(config["layer"]["weights"], dtype=np.float32)
        self.bias = np.asarray(config["layer"]["bias"], dtype=np.float32)
        self.threshold = float(config["threshold"])

    def logits(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """The classifier's logits (one row per text, one column per label). The engine reads
        an effect question's shortlist and then its cited quotes: a pair read lately is not
        read again. The pairs asked for now become the latest, so the oldest ones dropped when
        the memory is full are never among them."""
        if not texts:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        wanted = list(dict.fromkeys(texts))
        with self._lock:
            known = {t: self._read[(question, t)] for t in wanted if (question, t) in self._read}
        new = [t for t in wanted if t not in known]
        if new:
            rows = self.outputs(question, new).reshape(len(new), len(LABELS))
            known.update(zip(new, rows, strict=True))
        with self._lock:
            for text in wanted:
                self._read[(question, text)] = known[text]
                self._read.move_to_end((question, text))
            while len(self._read) > self.MEMORY:
                self._read.popitem(last=False)
        return np.stack([known[t] for t in texts])

    def probabilities(self, question: str, texts: Sequence[str], alpha: float | None = None):
        """Calibrated label probabilities per text: the classifier's logits and the text's
        cues through the fitted layer."""
        z = self.logits(question, texts)
        asked = comparison(question)
        features = [cue_features(t, alpha, asked) for t in texts]
        return agreeing_with_cues(layer(z, features, self.weights, self.bias), texts, alpha)


_SIGNIFICANT = [LABELS.index("significantly_increased"), LABELS.index("significantly_decreased")]
_NO_DIFFERENCE = [LABELS.index("no_significant_difference")]


def agreeing_with_cues(
    probabilities: np.ndarray, texts: Sequence[str], alpha: float | None = None
) -> np.ndarray:
    """Each text's label probabilities, with the significance its statistical cues all state
    kept to: an interval of a ratio that excludes 1, or p below alpha, and no cue saying
    otherwise, rules out "no significant difference"; cues that all say not significant rule
    out a significant difference. Texts with mixed cues, or none, keep the classifier's."""
    out = np.array(probabilities, dtype=np.float64, copy=True)
    for i, text in enumerate(texts):
        said = {c.significant for c in cues(text, alpha)}
        if len(said) != 1:
            continue
        out[i, _NO_DIFFERENCE if said.pop() else _SIGNIFICANT] = 0.0
        out[i] /= out[i].sum()  # the "states no result" share is left, so the sum is positive
    return out.astype(np.float32)


def layer(z: np.ndarray, features: Sequence[Sequence[float]], weights, bias) -> np.ndarray:
    """The cue layer: softmax over W·[logits, cue features] + b."""
    if not len(z):
        return np.zeros((0, len(LABELS)), dtype=np.float32)
    x = np.concatenate([z, np.asarray(features, dtype=np.float32).reshape(len(z), -1)], axis=1)
    return softmax(x @ np.asarray(weights).T + np.asarray(bias))


def load_verdict_model(folder: Path | None = None) -> VerdictModel:
    where = Path(folder) if folder else default_folder()
    return load_once(VerdictModel, where, stamp=where / "verdict.json")


# --- from quotes to a verdict --------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """What the quotes say together: a label (or None when unclear), its probability, and
    which quotes (indices) it rests on."""

    label: str | None
    confidence: float
    rests_on: tuple[int, ...]


def combine(probabilities: np.ndarray, threshold: float) -> Reading:
    """One label from each quote's label probabilities.

    Quotes that more likely than not state the result are pooled: their effect distributions
    multiplied, each raised to how likely it states the result, so a quote that is sure
    outweighs one that is torn (an outcome's definition read as a result, say). None does:
    ``not_reported``. Two such quotes that each clearly say opposite directions:
    ``conflicting``. A pooled probability under ``threshold``: unclear (None).
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if not len(p):
        return Reading("not_reported", 1.0, ())
    states = 1.0 - p[:, 0]
    reading = [i for i in range(len(p)) if states[i] >= STATES_RESULT]
    if not reading:
        return Reading("not_reported", float(1.0 - states.max()), ())
    effect = p[reading, 1:] / np.maximum(states[reading, None], 1e-9)
    firm = {EFFECTS[int(np.argmax(row))] for row in effect if row.max() >= CONFLICT}
    if {"significantly_increased", "significantly_decreased"} <= firm:
        return Reading("conflicting", float(effect.max()), tuple(reading))
    weighted = (np.log(np.maximum(effect, 1e-6)) * states[reading, None]).sum(axis=0)
    pooled = np.exp(weighted - weighted.max())
    pooled /= pooled.sum()
    best = int(np.argmax(pooled))
    agree = tuple(i for i, row in zip(reading, effect, strict=True) if int(np.argmax(row)) == best)
    if pooled[best] < threshold:
        return Reading(None, float(pooled[best]), agree)
    return Reading(EFFECTS[best], float(pooled[best]), agree)


def cue_spans(quotes: Sequence[str], rests_on: Sequence[int], label: str, alpha: float) -> list:
    """(quote index, cue text) for the cues of the quotes a label rests on that agree with it:
    significance cues for a significant label, non-significance ones for no difference."""
    significant = label in ("significantly_increased", "significantly_decreased")
    out = []
    for i in rests_on:
        for cue in cues(quotes[i], alpha):
            if cue.significant == significant:
                out.append((i, cue.span(quotes[i])))
    return out


def opening(label: str | None, comparison: Comparison, cue: str, cited: Sequence[int]) -> str:
    """The sentence an answer opens with."""
    marks = "".join(f"[{n}]" for n in cited)
    first, second = comparison.first, comparison.second
    what = f"{comparison.outcome} " if comparison.outcome else ""
    subject = what[:1].upper() + what[1:] if what else "The outcome "
    arms = f"between {first} and {second}"
    because = f" ({cue})" if cue else ""
    if label in ("significantly_increased", "significantly_decreased"):
        way = "higher" if label == "significantly_increased" else "lower"
        text = f"{subject}was significantly {way} with {first} than with {second}{because}"
    elif label == "no_significant_difference":
        text = f"No significant difference {'in ' + what if what else ''}{arms}{because}"
    elif label == "conflicting":
        text = f"The cited evidence conflicts on {what or 'the outcome '}{arms}"
    elif label == "not_reported":
        return f"The cited passages do not report how {what or 'the outcome '}differed {arms}."
    else:
        unclear = "The cited evidence does not clearly show whether"
        return f"{unclear} {what or 'the outcome '}differed {arms}."
    return f"{text} {marks}.".replace(" .", ".")


def document_alpha(texts: Sequence[str]) -> float:
    """The significance level stated in any of ``texts``, else ``ALPHA`` (0.05)."""
    for text in texts:
        alpha = stated_alpha(text)
        if alpha != ALPHA:
            return alpha
    return ALPHA


def stating_result(question: str, candidates: list, load, at: float) -> list:
    """Of ``candidates`` (best first, each with ``.text``), those the classifier reads as
    stating the result of the comparison ``question`` asks about with probability ``at`` or
    more; none when the question is no effect question."""
    if at >= 1 or not candidates or comparison(question) is None:
        return []
    texts = [c.text for c in candidates]
    probs = load().probabilities(question, texts, document_alpha(texts))
    return [c for c, p in zip(candidates, probs, strict=True) if 1.0 - p[0] >= at]


def results_first(question: str, eligible: list, chosen: list, load, reads: int, most: int):
    """For an effect question: when no sentence in ``chosen`` reads as stating the
    comparison's result and one of the ``reads`` best ``eligible`` does, that one leads (an
    aim or a method ranked above the result gives way, as a figureless sentence does to one
    stating a figure), with at most ``most`` sentences in all."""
    if comparison(question) is None or not chosen:
        return chosen
    pool = chosen + [c for c in eligible[:reads] if not any(c is x for x in chosen)]
    texts = [c.text for c in pool]
    probs = load().probabilities(question, texts, document_alpha(texts))
    strength = probs[:, 1:].max(axis=1)  # states the result, and says which way, at once
    if strength[: len(chosen)].max() >= STATES_RESULT:
        return chosen
    best = int(np.argmax(strength))
    if strength[best] < STATES_RESULT:
        return chosen
    return [pool[best], *chosen][:most]


def with_verdict(answer: Answer, load: Callable[[], VerdictModel]) -> Answer:
    """``answer`` opened with the bottom line of its effect question (unchanged for any other
    question). ``load`` gives the classifier; it is called only for an effect question."""
    asked = comparison(answer.question)
    if asked is None:
        return answer
    if answer.abstained or not answer.citations:
        return answer.model_copy(update={"verdict": Verdict(label="not_reported")})
    model = load()
    quotes = [c.quote for c in answer.citations]
    alpha = document_alpha(quotes)
    reading = combine(model.probabilities(answer.question, quotes, alpha), model.threshold)
    cited = [answer.citations[i].n for i in reading.rests_on]
    if reading.label is None:
        lead = opening(None, asked, "", [])
        note = (f"no verdict: the cited evidence is unclear (confidence {reading.confidence:.2f}, "
                f"below the bar of {model.threshold:.2f})")  # fmt: skip
        return answer.model_copy(
            update={"answer": f"{lead} {answer.answer}", "warnings": [*answer.warnings, note]}
        )
    found = []
    if reading.label in EFFECTS:
        found = cue_spans(quotes, reading.rests_on, reading.label, alpha)
    shown = _strongest(found)
    lead = opening(reading.label, asked, shown, cited)
    verdict = Verdict(label=reading.label, confidence=round(reading.confidence, 3),
                      cues=list(dict.fromkeys(c for _, c in found)), cited=cited)  # fmt: skip
    return answer.model_copy(update={"answer": f"{lead} {answer.answer}", "verdict": verdict})


def _strongest(found: list) -> str:
    """The cue the opening sentence shows: a p-value or an interval before words."""
    stats = [c for _, c in found if any(ch.isdigit() for ch in c)]
    return (stats or [""])[0].strip().rstrip(")").strip()
