"""Fit the yes/no decision layer (``assistant/verdicts/decision.py``): ``make train-decision``.

- Data: PubMedQA PQA-L (``pqal_labeled.json``), items whose ``split`` is ``dev`` only. A fifth
  of them (by a hash of the PMID, ``splits.pubmedqa_held_apart``) is held apart to choose the
  regularisation and the confidence bar and to report; the layer is fitted on the rest. Items
  whose ``split`` is ``test`` are never read here.
- Inputs: what the model sees is the question and the abstract's contexts (never its long
  answer, the conclusion). Each item gives two rows of features: one over all sentences of its
  contexts, and one over the quotes TrialQA itself cites when the question is asked within the
  ingested abstract, so the layer is fitted on what it will read in the engine.
- Layer: a three-way softmax (logistic regression, L2) over standardised features
  (``assistant.verdicts.decision_features``: the verdict classifier's readings pooled over the
  quotes, statistical cues, negation and hedging words).
- Output: ``assistant/data/decision.json`` and ``DECISION_CARD.md``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from eval import splits

OUT = Path(__file__).resolve().parents[1] / "assistant" / "data" / "decision.json"
CARD = OUT.parent / "DECISION_CARD.md"
CACHE = Path(__file__).resolve().parents[1] / ".trialqa-train" / "decision"
SEED = 13
PRECISION = 0.70  # decisions given on the held-apart dev items must be right this often
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)
SAMPLE = 40  # held-apart items whose labels the tests re-score


def dev_items(data: Path) -> list[dict]:
    """The PubMedQA items that may train: ``split`` is ``dev``. Test items are dropped here,
    before anything else reads them."""
    items = json.loads((data / "pubmedqa" / "pqal_labeled.json").read_text(encoding="utf-8"))
    return [i for i in items if i.get("split") == "dev"]


def context_sentences(item: dict) -> list[str]:
    """The sentences of an item's contexts (not its long answer)."""
    from assistant.language import sentence_spans

    out = []
    for context in item["contexts"]:
        out += [context[s.start : s.end] for s in sentence_spans(context)]
    return [s for s in out if s.strip()]


def gold_rows(items: list[dict], model) -> np.ndarray:
    from assistant.verdicts import decision_features, document_alpha

    rows = []
    for item in tqdm(items, desc="contexts", unit="item", leave=False):
        quotes = context_sentences(item)
        probs = model.probabilities(item["question"], quotes, document_alpha(quotes))
        rows.append(decision_features(item["question"], quotes, probs))
    return np.asarray(rows)


def cited_quotes(items: list[dict], progress: bool = True) -> list[list[str]]:
    """The quotes TrialQA cites for each item's question asked within its own ingested
    abstract (the same set-up as ``trialqa bench-eval pubmedqa``)."""
    from assistant.models import Filters
    from eval.public import _ingest, temporary_services
    from eval.pubmedqa import pubmedqa_documents

    out = []
    with temporary_services() as services:
        _ingest(services, pubmedqa_documents(items), progress)
        for item in tqdm(items, desc="cited", unit="q", disable=not progress, leave=False):
            only = Filters(doc_id=f"pmid-{item['pmid']}")
            # The quotes as the engine chooses them, before any decision is read from them
            # (the layer this fits may not exist yet).
            answer = services.engine._answer(item["question"], filters=only)
            out.append([] if answer.abstained else [c.quote for c in answer.citations])
    return out


def cited_rows(items: list[dict], quotes: list[list[str]], model) -> np.ndarray:
    from assistant.verdicts import decision_features, document_alpha

    rows = []
    for item, qs in zip(items, quotes, strict=True):
        probs = (
            model.probabilities(item["question"], qs, document_alpha(qs))
            if qs
            else np.zeros((0, 4))
        )
        rows.append(decision_features(item["question"], qs, probs))
    return np.asarray(rows)


def fit(x: np.ndarray, y: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression

    from assistant.verdicts import DecisionLayer

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    clf = LogisticRegression(C=c, max_iter=2000, class_weight=None, random_state=SEED)
    clf.fit((x - mean) / scale, y)
    order = [list(clf.classes_).index(k) for k in range(3)]
    return DecisionLayer(
        weights=clf.coef_[order], bias=clf.intercept_[order], mean=mean, scale=scale, threshold=0.0
    )


def scores(layer, x: np.ndarray, y: np.ndarray, bar: float) -> dict:
    from assistant.verdicts import DECISIONS
    from eval.metrics import macro_f1

    p = layer.probabilities(x)
    best = p.argmax(axis=1)
    given = p.max(axis=1) >= bar
    gold = [DECISIONS[k] for k in y]
    said = [DECISIONS[k] for k in best]
    return {
        "items": int(len(y)),
        "accuracy": float(np.mean(best == y)),
        "macro_f1": float(macro_f1(gold, said, list(DECISIONS))),
        "given": float(given.mean()),
        "accuracy_when_given": float(np.mean(best[given] == y[given])) if given.any() else None,
        "majority_class": float(np.mean(y == np.bincount(y, minlength=3).argmax())),
    }


def choose_bar(layer, x: np.ndarray, y: np.ndarray) -> float:
    """The lowest bar at which the decisions given on the held-apart items are right at least
    ``PRECISION`` of the time."""
    p = layer.probabilities(x)
    best, top = p.argmax(axis=1), p.max(axis=1)
    for bar in np.arange(0.34, 0.96, 0.02):
        given = top >= bar
        if given.sum() >= 10 and np.mean(best[given] == y[given]) >= PRECISION:
            return round(float(bar), 2)
    return 0.95


def sample(layer, items: list[dict], x: np.ndarray, held: list[bool], n: int = SAMPLE) -> dict:
    """The labels the layer gives the first ``n`` held-apart items (by PMID) over their
    contexts, and its accuracy there: what the tests re-score."""
    from assistant.verdicts import DECISIONS

    chosen = sorted((str(i["pmid"]), k) for k, i in enumerate(items) if held[k])[:n]
    p = layer.probabilities(x[[k for _, k in chosen]])
    labels = {pmid: DECISIONS[int(j)] for (pmid, _), j in zip(chosen, p.argmax(1), strict=True)}
    right = [labels[pmid] == items[k]["final_decision"] for pmid, k in chosen]
    return {"labels": labels, "accuracy": float(np.mean(right))}


def argument_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m eval.train_decision``."""
    parser = argparse.ArgumentParser(
        prog="python -m eval.train_decision",
        description=(
            "Fit the yes/no decision layer on PubMedQA items whose split is dev (a fifth held "
            "apart by PMID hash to choose the regularisation and the bar) and write "
            "assistant/data/decision.json and DECISION_CARD.md. Never reads test items."
        ),
    )
    parser.add_argument("--data", type=Path, default=splits.DATA, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--no-cited", action="store_true",
                        help="fit on the contexts only (skip asking the engine)")  # fmt: skip
    parser.add_argument("--fresh", action="store_true",
                        help="ask the engine again, not its cached quotes")  # fmt: skip
    return parser


def cached_quotes(items: list[dict], fresh: bool) -> list[list[str]]:
    """``cited_quotes``, kept in ``CACHE`` for the same items unless ``fresh``."""
    CACHE.mkdir(parents=True, exist_ok=True)
    cache = CACHE / "cited_dev.json"
    pmids = [str(i["pmid"]) for i in items]
    kept = json.loads(cache.read_text()) if cache.is_file() and not fresh else {}
    if kept.get("pmids") == pmids:
        return kept["quotes"]
    quotes = cited_quotes(items)
    cache.write_text(json.dumps({"pmids": pmids, "quotes": quotes}))
    return quotes


def fitted_layer(sets: dict, y: np.ndarray, fit_mask: np.ndarray):
    """The layer fitted on the rows of ``fit_mask`` with the C that reads the held-apart
    items best (the cited quotes when there are any), its bar chosen there: the layer, that
    C and each C's held-apart accuracy."""
    x_fit = np.concatenate([x[fit_mask] for x in sets.values()])
    y_fit = np.concatenate([y[fit_mask] for _ in sets])
    trials = {}
    for c in C_GRID:
        layer = fit(x_fit, y_fit, c)
        trials[c] = {name: scores(layer, x[~fit_mask], y[~fit_mask], 0.0)["accuracy"]
                     for name, x in sets.items()}  # fmt: skip
    key = "cited" if "cited" in sets else "contexts"
    best_c = max(C_GRID, key=lambda c: (trials[c][key], -c))
    layer = fit(x_fit, y_fit, best_c)
    x_held = sets[key][~fit_mask]
    bar = choose_bar(layer, x_held, y[~fit_mask])
    layer = type(layer)(layer.weights, layer.bias, layer.mean, layer.scale, bar)
    return layer, best_c, trials


def main(argv: list[str] | None = None) -> int:
    args = argument_parser().parse_args(argv)
    if not (args.data / "pubmedqa" / "pqal_labeled.json").is_file():
        print(f"train-decision: no data at {args.data / 'pubmedqa'}; pass --data PATH")
        return 2
    from assistant.verdicts import DECISIONS, load_verdict_model

    started = time.perf_counter()
    items = dev_items(args.data)
    held = [splits.pubmedqa_held_apart(str(i["pmid"])) for i in items]
    y = np.asarray([DECISIONS.index(i["final_decision"]) for i in items])
    model = load_verdict_model()
    gold = gold_rows(items, model)
    sets = {"contexts": gold}
    if not args.no_cited:
        sets["cited"] = cited_rows(items, cached_quotes(items, args.fresh), model)
    fit_mask = ~np.asarray(held)
    layer, best_c, trials = fitted_layer(sets, y, fit_mask)
    bar = layer.threshold
    report = {
        "C": best_c,
        "C_trials": {str(c): v for c, v in trials.items()},
        "threshold": bar,
        "counts": {
            "dev_items": len(items),
            "fit": int(fit_mask.sum()),
            "held_apart": int((~fit_mask).sum()),
        },  # fmt: skip
        "held_apart": {
            name: scores(layer, x[~fit_mask], y[~fit_mask], bar) for name, x in sets.items()
        },  # fmt: skip
        "fit": {name: scores(layer, x[fit_mask], y[fit_mask], bar) for name, x in sets.items()},
    }
    report["held_apart_sample"] = sample(layer, items, gold, held)
    report["seconds"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({**layer.to_json(), "C": best_c}, indent=2) + "\n")
    print(json.dumps({k: report[k] for k in ("C", "C_trials", "threshold", "held_apart")},
                     indent=2))  # fmt: skip
    if args.out == OUT:
        (OUT.parent / "decision_report.json").write_text(json.dumps(report, indent=2) + "\n")
        CARD.write_text(model_card(report))
    print(f"wrote {args.out}")
    return 0


def _row(name: str, r: dict) -> str:
    when = r["accuracy_when_given"]
    return (f"| {name} | {r['items']} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} | "
            f"{r['given']:.3f} | {'-' if when is None else f'{when:.3f}'} | "
            f"{r['majority_class']:.3f} |")  # fmt: skip


def model_card(r: dict) -> str:
    held = r["held_apart"]
    rows = "\n".join(_row(f"held-apart dev, {name}", v) for name, v in held.items())
    counts = r["counts"]
    return f"""# Model card: the yes/no decision layer (`assistant/data/decision.json`)

Written by `make train-decision` (`eval/train_decision.py`); do not edit by hand.

- **What**: a three-way softmax layer (`yes`, `no`, `maybe`; logistic regression with L2,
  C = {r["C"]}) over {len(json.loads(OUT.read_text())["features"])} features of the quotes an
  answer cites (`assistant/verdicts/decision.py`): the verdict classifier's readings of the question
  with each quote (`assistant/data/verdict/`, unchanged) pooled over the quotes, statistical
  cues (`assistant/verdicts/effects.py`), negation, hedging and null-result wording, and whether the
  question is negated. Below a probability of {r["threshold"]:.2f} no decision is given (the
  lowest bar at which {PRECISION:.0%} of the held-apart items' decisions on the cited quotes
  are right, or 0.95).
- **Data**: PubMedQA PQA-L (`pqal_labeled.json`), items with `split: dev` only
  ({counts["dev_items"]}); {counts["held_apart"]} of them held apart by a hash of the PMID
  (`eval/splits.py`, `pubmedqa_held_apart`) to choose C and the bar and to report below; the
  layer is fitted on the other {counts["fit"]}, two rows each: features over all sentences of
  the abstract's contexts, and over the quotes TrialQA cites when the question is asked within
  the ingested abstract. The long answer (the abstract's conclusion) is never read. No
  `split: test` item was read.
- **Seed**: {SEED} (the fit is deterministic). **Time**: {r["seconds"]:.0f} s on 2 cores,
  most of it asking the engine (the quotes are cached in `.trialqa-train/decision/`).
- **Artifact**: a JSON of {OUT.stat().st_size / 1e3:.1f} kB.

## Validation: held-apart PubMedQA dev items

| | items | accuracy, always a label | macro-F1 | decision given | accuracy when given \
| majority class |
|---|---|---|---|---|---|---|
{rows}

*contexts*: the layer reading every sentence of the abstract's contexts; *cited*: reading
only the quotes TrialQA cites for the question (with the sentences stating a statistical
result that a yes/no answer adds, `assistant.verdicts.decision.results_for_decision`). *Accuracy,
always a label*: the most likely label, the bar ignored; *accuracy when given*: over the
decisions at or above the bar. Test figures: `trialqa bench-eval pubmedqa` (README).
"""


if __name__ == "__main__":
    raise SystemExit(main())
