"""Train the answer reranker (``assistant/scoring/reranker.py``) from public data:
``make train-reranker``.

The reranker is the second stage of a cascade: the learned scorer (``make train``) ranks every
sentence of the question's scope, and the reranker reads the question with each of its best
``--top`` sentences. So it is trained where it will work, on the scorer's own top sentences:

- data and splits are the scorer's (``eval.prepared.prepare``, the same cached feature
  rows): EI2 training prompts, COVID-QA minus the held-out articles, NLI4CT training
  statements and the weakly labelled question kinds, *fit* articles for training;
- each training group is one question, one sentence that answers it and ``--negatives`` of
  the scorer's best-ranked sentences of the same document that do not (hard negatives);
- the loss is the softmax over the group (the answer must outrank its group) plus a pointwise
  log loss, so a logit also means something alone;
- the model is all-MiniLM-L6-v2 from the packaged weights with a fresh one-logit head,
  fine-tuned on the CPU within ``--minutes``;
- the weights that mix the scorer's logit with the reranker's, and the decline bar, are
  fitted on the *calibrate* articles; figures are reported on the validation sets only;
- the model is exported to ONNX and quantized to int8 (the recipe of
  ``assistant/embedding/onnx_embedder.py``), written with its tokenizer and settings to
  ``assistant/data/reranker/``, and ``RERANKER_CARD.md`` is written beside the scorer's card.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from eval.cards import reranker_card
from eval.feature_rows import Scored
from eval.fine_tuning import export, optimise
from eval.prepared import Prepared, add_data_arguments, data_missing, prepare
from eval.training_data import SAMPLE, SEED

OUT = Path(__file__).resolve().parents[1] / "assistant" / "data" / "reranker"
CARD = OUT.parent / "RERANKER_CARD.md"


# --- groups --------------------------------------------------------------------------------


def shortlist(scorer, rows: np.ndarray, top: int) -> tuple[np.ndarray, np.ndarray]:
    """The scorer's best ``top`` sentences of a pool (its feature ``rows``), best first, and
    their logits."""
    z = scorer.logits(rows)
    order = np.argsort(-z, kind="stable")[:top]
    return order, z[order]


def training_groups(
    prepared: Prepared, scorer, top: int, negatives: int, rng, near: float = 0.0
) -> list:
    """(question, [answer, hard negatives...], answered) with sentence texts, over the fit
    split; with ``near``, that share of EI2 prompts also asked with another paper's outcome
    this paper never mentions, over the same sentences, none of which answers it."""
    from assistant.scoring import pair_text
    from eval.feature_rows import near_miss

    fit = prepared.by_split.get("fit", [])
    outcomes = [(s.question.doc, s.question.parts[3]) for s in fit if s.question.parts]
    groups = []
    for s in fit:
        doc = prepared.docs[s.question.doc]
        order, _ = shortlist(scorer, s.rows, top)
        hard = [int(i) for i in order if s.labels[i] == 0][:negatives]
        positives = np.flatnonzero(s.labels == 1)
        if len(hard) < negatives or not len(positives):
            continue
        pos = int(rng.choice(positives))
        texts = [pair_text(doc.pool[i].text, doc.pool[i].heading) for i in [pos, *hard]]
        groups.append((s.question.text, texts, True))
        if near and s.question.parts and rng.random() < near:
            other = near_miss(s.question, doc, outcomes, rng)
            if other is not None:
                groups.append((other.text, texts, False))
    rng.shuffle(groups)
    return groups


# --- training ------------------------------------------------------------------------------


def fine_tune(groups: list, args) -> tuple:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from assistant.embedding import packaged_model_path

    hf_logging.set_verbosity_error()
    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    folder = packaged_model_path()
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModelForSequenceClassification.from_pretrained(
        str(folder), num_labels=1, attn_implementation="eager"
    )
    per_step = args.batch
    steps = max(1, len(groups) // per_step)

    def loss_at(step: int, bf16: bool):
        batch = groups[step * per_step : (step + 1) * per_step]
        questions = [q for q, texts, _ in batch for _ in texts]
        texts = [t for _, ts, _ in batch for t in ts]
        answered = torch.tensor([a for *_, a in batch])
        enc = tokenizer(questions, texts, truncation="longest_first", max_length=args.max_length,
                        padding=True, return_tensors="pt")  # fmt: skip
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            out = model(**enc).logits
        logits = out.float().view(len(batch), -1)
        target = torch.zeros_like(logits)
        target[answered, 0] = 1.0  # a near miss's group holds no answer
        loss = 0.5 * torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
        if answered.any():
            loss = loss + torch.nn.functional.cross_entropy(
                logits[answered], torch.zeros(int(answered.sum()), dtype=torch.long)
            )
        return loss

    return model, tokenizer, optimise(model, steps, args, loss_at, floor=0.05)


# --- measuring -----------------------------------------------------------------------------


def shortlisted(prepared: Prepared, scorer, items: list[Scored], top: int, read) -> list:
    """Per question: the scorer's logits and the reranker's over the shortlist, and labels."""
    from assistant.scoring import pair_text

    out = []
    for s in tqdm(items, desc="rerank", unit="q", leave=False):
        doc = prepared.docs[s.question.doc]
        order, z = shortlist(scorer, s.rows, top)
        texts = [pair_text(doc.pool[i].text, doc.pool[i].heading) for i in order]
        out.append((s, order, z, read(dense(s.question.text), texts), s.labels[order]))
    return out


def dense(question: str) -> str:
    """The question as the engine gives it to the reranker (abbreviations expanded)."""
    from assistant.language import analyse

    return analyse(question).dense_text or question


def unanswerable(prepared: Prepared, scorer, items: list[Scored], top: int, read, rng) -> dict:
    """Shortlists no sentence of which answers: each question asked within another document
    of its kind ('other'), and each EI2 prompt with another paper's outcome that its paper
    never mentions ('near'), the way users fail."""
    from assistant.factory import make_embedder
    from assistant.scoring import pair_text
    from assistant.settings import Settings
    from eval.feature_rows import near_miss, question_rows

    embedder = make_embedder(Settings())

    def embed(query) -> np.ndarray:
        return np.asarray(embedder.embed_query(query.dense_text or query.text), np.float32)

    kinds: dict[tuple[str, str], list[str]] = {}
    for key, doc in prepared.docs.items():
        if doc.pool:
            kinds.setdefault((doc.source, doc.split), []).append(key)
    outcomes = [(s.question.doc, s.question.parts[3]) for s in items if s.question.parts]
    out: dict[str, list] = {"other": [], "near": []}
    for s in tqdm(items, desc="unanswerable", unit="q", leave=False):
        q, doc = s.question, prepared.docs[s.question.doc]
        others = [k for k in kinds.get((doc.source, doc.split), []) if k != q.doc]
        asks = [("other", q, prepared.docs[rng.choice(others)])] if others else []
        near = near_miss(q, doc, outcomes, rng)
        if near is not None:
            asks.append(("near", near, doc))
        for kind, question, where in asks:
            rows = question_rows(question, where, scorer.idf, embed, scorer.dense)
            order, z = shortlist(scorer, rows, top)
            texts = [pair_text(where.pool[i].text, where.pool[i].heading) for i in order]
            r = read(dense(question.text), texts)
            out[kind].append((None, order, z, r, np.zeros(len(order), np.float32)))
    return out


def recall(rows: list, score) -> dict[str, float]:
    """recall@1 / @3 of the evidence when the shortlist is ordered by ``score(z, r)``
    (questions whose evidence is outside the shortlist count as misses)."""
    r1, r3 = [], []
    for _, _, z, r, y in rows:
        order = np.argsort(-score(z, r), kind="stable")
        r1.append(float(y[order[0]] == 1))
        r3.append(float(y[order[:3]].any()))
    return {"recall@1": round(float(np.mean(r1)), 4), "recall@3": round(float(np.mean(r3)), 4)}


def fit_combination(rows: list) -> tuple[float, float, float]:
    """Logistic regression of the label on (scorer logit, reranker logit) by Newton's method."""
    x = np.concatenate([np.stack([z, r, np.ones_like(z)], 1) for _, _, z, r, _ in rows])
    y = np.concatenate([yy for *_, yy in rows]).astype(np.float64)
    w = np.zeros(3)
    for _ in range(100):
        p = 1 / (1 + np.exp(-(x @ w)))
        g = x.T @ (p - y)
        h = (x * (p * (1 - p) + 1e-9)[:, None]).T @ x
        step = np.linalg.solve(h + 1e-6 * np.eye(3), g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return float(w[0]), float(w[1]), float(w[2])


def best_probabilities(rows: list, weights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per question: the best sentence's probability, whether it answers, and whether one of
    the three most probable does."""
    a, b, c = weights
    best, right, within3 = [], [], []
    for _, _, z, r, y in rows:
        p = 1 / (1 + np.exp(-(a * z + b * r + c)))
        order = np.argsort(-p, kind="stable")
        best.append(p[order[0]])
        right.append(bool(y[order[0]]))
        within3.append(bool(y[order[:3]].any()))
    return np.array(best), np.array(right), np.array(within3)


def decline_figures(own: list, absent: dict, weights, bar: float) -> dict[str, float]:
    best, right, _ = best_probabilities(own, weights)
    figures = {
        "answered_own": float(np.mean(best >= bar)),
        "answered_own_and_right": float(np.mean((best >= bar) & right)),
    }
    for kind, rows in absent.items():
        if rows:
            figures[f"declined_{kind}"] = float(np.mean(best_probabilities(rows, weights)[0] < bar))
    return {k: round(v, 4) for k, v in figures.items()}


def choose_bar(own: list, absent: dict, weights) -> float:
    """The bar on the best sentence's probability (calibrate split) that best serves both
    kinds of question: an answerable one is answered with the evidence among its first three
    sentences; one asked of the wrong paper, or of an outcome its paper lacks, is declined."""
    best, _, within3 = best_probabilities(own, weights)
    declined = [best_probabilities(rows, weights)[0] for rows in absent.values() if rows]
    bars = np.linspace(0.02, 0.9, 89)
    score = [
        np.mean((best >= t) & within3) + np.mean([np.mean(d < t) for d in declined]) for t in bars
    ]
    return round(float(bars[int(np.argmax(score))]), 3)


# --- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.train_reranker",
        description=(
            "Fine-tune the answer reranker (a MiniLM cross-encoder over the learned scorer's "
            "best sentences) on the public data in ../shared/data and write "
            "assistant/data/reranker/ and RERANKER_CARD.md. Never reads a test split."
        ),
    )
    add_data_arguments(parser)
    parser.add_argument("--top", type=int, default=12,
                        help="sentences of the scorer's shortlist the reranker reads")  # fmt: skip
    parser.add_argument("--negatives", type=int, default=7, help="hard negatives per group")
    parser.add_argument("--batch", type=int, default=4, help="groups per step")
    parser.add_argument("--near-misses", type=float, default=0.3,
                        help="share of EI2 prompts also asked as a near miss (another "
                        "paper's outcome) over the same sentences, to be scored low")  # fmt: skip
    parser.add_argument("--lr", type=float, default=4e-5)
    parser.add_argument("--max-length", type=int, default=96, help="tokens per pair")
    parser.add_argument("--minutes", type=float, default=20.0,
                        help="fine-tuning time budget (the rest of the epoch is left)")  # fmt: skip
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--recalibrate", action="store_true",
                        help="keep the model in --out; refit only the mixing weights and the "
                        "decline bar, and measure again")  # fmt: skip
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if data_missing(args, "train-reranker"):
        return 2
    started = time.perf_counter()
    from assistant.embedding import packaged_model_path
    from assistant.scoring import load_scorer

    prepared = prepare(args)
    scorer = load_scorer()
    rng = random.Random(SEED)
    if args.recalibrate:
        earlier = json.loads((args.out / "report.json").read_text())
        report = measure(prepared, scorer, args)
        for key in ("trained", "groups", "seconds"):
            report[key] = earlier[key]
        write(report, args)
        return 0
    groups = training_groups(prepared, scorer, args.top, args.negatives, rng, args.near_misses)
    print(f"{len(groups)} training groups of {args.negatives + 1}", flush=True)
    model, _, trained = fine_tune(groups, args)

    export(model, packaged_model_path(), args.out, args.max_length)
    report = measure(prepared, scorer, args)
    report["trained"] = trained
    report["groups"] = len(groups)
    report["seconds"] = round(time.perf_counter() - started, 1)
    write(report, args)
    return 0


def measure(prepared: Prepared, scorer, args) -> dict:
    """Fit the mixing weights and the decline bar on the calibrate split and measure the
    validation sets, all with the shipped int8 file."""
    from assistant.scoring import Reranker

    rng = random.Random(SEED + 1)
    (args.out / "reranker.json").write_text(
        json.dumps(
            {
                "max_length": args.max_length,
                "combine": [0.0, 1.0, 0.0],
                "threshold": 0.5,
                "top": args.top,
            }
        )  # fmt: skip
    )
    read = Reranker(args.out).logits
    calibrate = shortlisted(prepared, scorer, prepared.by_split["calibrate"], args.top, read)
    absent = unanswerable(prepared, scorer, prepared.by_split["calibrate"], args.top, read, rng)
    weights = fit_combination(calibrate + absent["other"] + absent["near"])
    bar = choose_bar(calibrate, absent, weights)
    a, b, c = weights
    designs = {
        "scorer": lambda z, r: z,
        "reranker": lambda z, r: r,
        "cascade": lambda z, r: a * z + b * r + c,
    }
    report: dict = {"combine": weights, "threshold": bar, "validation": {}}
    report["calibrate"] = {k: recall(calibrate, f) for k, f in designs.items()}
    report["calibrate"]["decline"] = decline_figures(calibrate, absent, weights, bar)
    validation = prepared.by_split.get("validation", [])
    for src in ("ei2", "covidqa", "nli4ct"):
        items = [s for s in validation if s.question.source == src]
        rows = shortlisted(prepared, scorer, items, args.top, read)
        gone = unanswerable(prepared, scorer, items, args.top, read, rng)
        report["validation"][src] = {k: recall(rows, f) for k, f in designs.items()}
        report["validation"][src]["decline"] = decline_figures(rows, gone, weights, bar)
        report["validation"][src]["questions"] = len(items)
        if src == "ei2":
            report["sample"] = {"ei2_validation_first": SAMPLE,
                                **recall(rows[:SAMPLE], designs["cascade"])}  # fmt: skip
        print(src, json.dumps(report["validation"][src]), flush=True)
    report["counts"] = {
        split: len(prepared.by_split.get(split, [])) for split in ("fit", "calibrate", "validation")
    }
    return report


def write(report: dict, args) -> None:
    settings = {"max_length": args.max_length, "combine": list(report["combine"]),
                "threshold": report["threshold"], "top": args.top}  # fmt: skip
    (args.out / "reranker.json").write_text(json.dumps(settings, indent=2) + "\n")
    report["arguments"] = {k: str(v) for k, v in vars(args).items()}
    report["artifact_bytes"] = (args.out / "model.onnx").stat().st_size
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    if args.out == OUT:
        CARD.write_text(reranker_card(report))
    print(json.dumps(report["validation"], indent=2))
    print(f"wrote {args.out} ({report['artifact_bytes'] / 1e6:.1f} MB)")


if __name__ == "__main__":
    raise SystemExit(main())
