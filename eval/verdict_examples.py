"""The verdict classifier's examples from Evidence Inference 2.0 prompts: (question, text,
label) pairs, each annotated evidence span with its effect (some with the arms named the other
way round and the direction flipped) and, as ``none``, sentences that state no answer to the
question asked."""

from __future__ import annotations

import gzip
import json
import random
import re
from pathlib import Path

from tqdm import tqdm

from eval.training_data import PARAPHRASES

LABEL_OF = {
    "significantly increased": 1,
    "significantly decreased": 2,
    "no significant difference": 3,
}
FLIPPED = {1: 2, 2: 1, 3: 3}
FORMS = PARAPHRASES + (
    "Did {i} reduce {o} compared with {c}?",
    "Was {i} more effective than {c} on {o}?",
    "What was the difference in {o} with {i} versus {c}?",
)
SWAP_SHARE = 0.3  # of evidence examples asked with the arms the other way round


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _words(text: str) -> set[str]:
    from assistant.language import is_content, tokenize

    return {t for t in tokenize(text) if is_content(t)}


def load(data: Path, validation: bool = False) -> tuple[dict, list]:
    if validation:
        return _unpack(
            json.loads((data / "evidence_inference" / "ei2_validation.json").read_text())
        )
    with gzip.open(data / "evidence_inference" / "ei2_train.json.gz") as raw:
        return _unpack(json.load(raw))


def _unpack(dataset: dict) -> tuple[dict, list]:
    prompts = [p for p in dataset["prompts"] if p["label"] in LABEL_OF and p["evidence"]]
    return dataset["articles"], prompts


def examples(
    articles: dict, prompts: list, rng: random.Random, swap_share: float = SWAP_SHARE
) -> list[tuple[str, str, int]]:
    """(question, text, label) rows: each evidence span with its effect, and as ``none``: a
    sentence of the article that is no prompt's evidence, another prompt's evidence about a
    different outcome, and (for some prompts) the evidence asked about another article's
    outcome."""
    from assistant.language import sentence_spans
    from eval.training_data import _locate, _normalised

    by_article: dict[str, list] = {}
    for p in prompts:
        by_article.setdefault(p["pmcid"], []).append(p)
    outcomes = [p["outcome"] for p in prompts]
    rows = []

    def ask(p: dict, swap: bool = False, outcome: str | None = None) -> str:
        i, c = (
            (p["comparator"], p["intervention"]) if swap else (p["intervention"], p["comparator"])
        )
        return rng.choice(FORMS).format(i=i, c=c, o=outcome or p["outcome"])

    for pmcid, group in tqdm(sorted(by_article.items()), desc="examples", unit="article"):
        text = _normalised(articles[pmcid])
        taken = [w for p in group for ev in p["evidence"] if (w := _locate(ev["text"], text))]
        spare = [
            s for s in sentence_spans(text)
            if 40 <= s.end - s.start <= 400 and not any(s.start < b and a < s.end for a, b in taken)
        ]  # fmt: skip
        for p in group:
            label = LABEL_OF[p["label"]]
            evidence = [_clean(ev["text"]) for ev in p["evidence"]]
            for ev in evidence:
                swap = rng.random() < swap_share
                rows.append((ask(p, swap), ev, FLIPPED[label] if swap else label))
            if spare:
                outcome = _words(p["outcome"])
                alike = [s for s in spare if outcome & _words(text[s.start : s.end])]
                pool = alike if alike and rng.random() < 0.5 else spare
                s = rng.choice(pool)
                rows.append((ask(p), _clean(text[s.start : s.end]), 0))
            others = [
                _clean(ev["text"]) for o in group
                if _words(o["outcome"]) != _words(p["outcome"]) for ev in o["evidence"]
            ]  # fmt: skip
            others = [t for t in others if t not in evidence]
            if others:
                rows.append((ask(p, rng.random() < 0.5), rng.choice(others), 0))
            if rng.random() < 0.3:
                elsewhere = rng.choice(outcomes)
                if not _words(elsewhere) & _words(" ".join(evidence)):
                    rows.append((ask(p, outcome=elsewhere), rng.choice(evidence), 0))
    rng.shuffle(rows)
    return rows
