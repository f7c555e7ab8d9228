"""Fit the answer gate (``assistant/scoring/answerable.py``): ``make train-gate``.

- Data, training splits only: the Evidence Inference 2.0 *calibrate* articles
  (``splits.ei2_calibration_article``: kept apart when the reranker was fitted, so its
  readings of them are what a new paper gets) with their prompts asked as questions, and
  PubMedQA items whose ``split`` is ``dev`` (their abstracts' contexts, never the long
  answer). Nothing of EI2 validation, the COVID-QA held-out articles, NLI4CT dev, PubMedQA
  test or the gold sets is read.
- Rows: each question asked within its own document (the documents answer it: 1) and, the way
  users fail, within another document of the same kind (0), and for EI2 about an outcome
  taken from another article, within its own article (a near miss: 0). Each row is the
  ``answerable.gate_features`` of the engine's ranking, read where the engine decides.
- Split: a quarter of the documents (``splits.gate_held_apart``, by a hash of their id) is
  held apart; the logistic model is fitted on the rest, and the bar and ``answers_at`` are
  chosen on the held-apart rows as the pair that best balances answering the answerable
  against declining the near misses. The card reports the held-apart figures only.
- Output: ``assistant/data/answer_gate.json`` and ``GATE_CARD.md`` beside it.

    python -m eval.train_gate [--ei2-articles N] [--pubmedqa N] [--quiet]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from assistant.scoring import NAMES
from eval import splits

OUT = Path(__file__).resolve().parents[1] / "assistant" / "data" / "answer_gate.json"
CARD = OUT.parent / "GATE_CARD.md"
CACHE = Path(__file__).resolve().parents[1] / ".trialqa-train" / "gate"
SEED = 7
NEAR_OUTCOME = "ei2 another article's outcome"
NEAR_DRUG = "ei2 another article's intervention"
NEAR = (NEAR_OUTCOME, NEAR_DRUG)  # the near misses: the bar is chosen against these
C = 1.0
SAMPLE = 40  # held-apart rows the tests re-score


def ei2_calibrate(data: Path, limit: int | None) -> tuple[dict, list[dict]]:
    with gzip.open(data / "evidence_inference" / "ei2_train.json.gz") as f:
        raw = json.loads(f.read())
    pmcids = sorted(p for p in raw["articles"] if splits.ei2_calibration_article(p))
    pmcids = pmcids[:limit] if limit else pmcids
    keep = set(pmcids)
    prompts = [p for p in raw["prompts"] if p["pmcid"] in keep]
    return {p: raw["articles"][p] for p in pmcids}, prompts


def pubmedqa_dev(data: Path, limit: int | None) -> list[dict]:
    items = json.loads((data / "pubmedqa" / "pqal_labeled.json").read_text(encoding="utf-8"))
    dev = [i for i in items if i.get("split") == "dev"]  # test items are never read
    return dev[:limit] if limit else dev


def asked(data: Path, args, rng: random.Random) -> tuple[list, list[tuple]]:
    """The documents to ingest and the rows to ask: (question, doc_id, label, kind, key)."""
    from eval.public import _document, article_title, evidence_question
    from eval.pubmedqa import pubmedqa_documents

    articles, prompts = ei2_calibrate(data, args.ei2_articles)
    docs = [
        _document(p.lower(), article_title(t, p), t, f"evidence-inference:{p}", "paper")
        for p, t in articles.items()
    ]
    items = pubmedqa_dev(data, args.pubmedqa)
    docs += pubmedqa_documents(items)
    rows: list[tuple] = []
    pmcids = sorted(articles)
    outcomes = [p["outcome"] for p in prompts]
    drugs = [p["intervention"] for p in prompts]
    for p in prompts:
        own = p["pmcid"].lower()
        other = rng.choice([x for x in pmcids if x != p["pmcid"]]).lower()
        question = evidence_question(p)
        rows.append((question, own, 1, "ei2 own article", p["pmcid"]))
        rows.append((question, other, 0, "ei2 another article", p["pmcid"]))
        foreign = rng.choice([o for o in outcomes if o.lower() != p["outcome"].lower()])
        near = evidence_question({**p, "outcome": foreign})
        rows.append((near, own, 0, NEAR_OUTCOME, p["pmcid"]))
        drug = rng.choice([d for d in drugs if d.lower() != p["intervention"].lower()])
        near = evidence_question({**p, "intervention": drug})
        rows.append((near, own, 0, NEAR_DRUG, p["pmcid"]))
    pmids = [str(i["pmid"]) for i in items]
    for item in items:
        pmid = str(item["pmid"])
        other = rng.choice([x for x in pmids if x != pmid])
        rows.append((item["question"], f"pmid-{pmid}", 1, "pubmedqa own abstract", pmid))
        rows.append((item["question"], f"pmid-{other}", 0, "pubmedqa another abstract", pmid))
    return docs, rows


def rows_key(rows: list[tuple]) -> str:
    """The cache key of a reading: the questions and the engine's code and models."""
    digest = hashlib.sha256(json.dumps([r[:4] for r in rows]).encode())
    root = Path(__file__).resolve().parents[1] / "assistant"
    for path in sorted(root.rglob("*")):
        if path.suffix in {".py", ".json", ".npz", ".onnx"} and path.name != OUT.name:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def read_rows(services, rows: list[tuple], progress: bool):
    """The gate's features of each row, read where the engine decides, and whether the word
    checks alone (``decline_by`` 'coverage') let it answer; rows where the engine decided
    before ranking (nothing retrieved, a paper's gist) are marked unread."""
    from assistant.models import Filters
    from assistant.scoring import gate_features

    engine = services.engine
    seen: list = []
    original = engine._choose

    def recording(question, query, candidates, learned):
        chosen, why = original(question, query, candidates, learned)
        seen.append((gate_features(query, candidates, engine.retriever.lexical.idf), bool(chosen)))
        return chosen, why

    engine._choose = recording  # a seam for reading, not a change of what the engine does
    x, read, answered = [], [], []
    for question, doc_id, *_ in tqdm(rows, desc="ask", unit="q", disable=not progress):
        seen.clear()
        engine.answer(question, filters=Filters(doc_id=doc_id))
        read.append(bool(seen))
        x.append(seen[0][0] if seen else np.zeros(len(NAMES), dtype=np.float32))
        answered.append(bool(seen) and seen[0][1])
    return np.stack(x), read, answered


def balance(y: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Row weights: the answerable rows weigh as much as the rest, and each kind of row to
    decline as much as each other kind (the easy ones, another document, are the most)."""
    weights = np.zeros(len(y))
    weights[y == 1] = 1.0 / max(1, int((y == 1).sum()))
    negative_kinds = sorted(set(kind[y == 0]))
    for k in negative_kinds:
        rows = (y == 0) & (kind == k)
        weights[rows] = 1.0 / len(negative_kinds) / rows.sum()
    return weights * len(y) / weights.sum()


def fit(x, y, weights) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    model = LogisticRegression(C=C, max_iter=2000)
    model.fit((x - mean) / scale, y, sample_weight=weights)
    return mean, scale, model.coef_[0], float(model.intercept_[0])


def combined(p: np.ndarray, words: np.ndarray, bar: float, answers_at: float) -> np.ndarray:
    """What the engine does with the gate: decline below ``bar``, answer from
    ``answers_at``, and in between answer where the word checks (``words``) do."""
    return (p >= answers_at) | ((p >= bar) & words)


def choose_bars(p: np.ndarray, y: np.ndarray, words: np.ndarray) -> tuple[float, float, float]:
    """The bar and ``answers_at`` that best balance answering the answerable (``y`` 1) and
    declining the rest, with the balanced accuracy they reach."""
    grid = np.round(np.arange(0.0, 1.001, 0.01), 2)
    best = (0.0, 1.0, -1.0)
    for bar in grid:
        for answers_at in grid[grid >= bar]:
            said = combined(p, words, bar, answers_at)
            score = (said[y == 1].mean() + (~said[y == 0]).mean()) / 2
            if score > best[2] + 1e-9:
                best = (float(bar), float(answers_at), float(score))
    return best


def auc(p: np.ndarray, y: np.ndarray) -> float:
    pos, neg = p[y == 1], p[y == 0]
    greater = (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()
    return float(greater)


def model_card(report: dict) -> str:
    t, h = report["trained"], report["held_apart"]
    lines = [
        "# Answer gate: do the documents in scope answer the question?",
        "",
        "A logistic model over what the engine's ranking of one question shows "
        "(`assistant/scoring/answerable.py`); with `decline_by=gate` the engine declines below its "
        "bar. "
        "Built by `make train-gate` (`eval/train_gate.py`); this card is written by it.",
        "",
        "## Data (training splits only)",
        f"- {t['data']}: {t['documents']} documents.",
        "- Each question is asked within its own document (answerable), within another "
        "document of its kind, and (EI2) about another article's outcome or intervention "
        "within its own article (the near misses); all but the first are to be declined.",
        f"- A quarter of the documents is held apart by a hash of their id: {t['rows_fit']} rows "
        f"fit the model, {t['rows_held_apart']} held-apart rows chose the bars and give the "
        f"figures below; {t['rows_unread']} rows never reached the ranking. Seed {t['seed']}; "
        f"{t['seconds']:.0f} s on this machine.",
        "- Never read: EI2 validation, COVID-QA held-out articles, NLI4CT dev, PubMedQA test, "
        "the gold sets.",
        "",
        "## Model",
        "Standardised features, L2 logistic regression (C = "
        f"{C}; the answerable rows weigh as much as the rest, each kind of row to decline alike). "
        f"In the engine: below the bar ({report['bar']:.2f}) it declines; from "
        f"`answers_at` ({report['answers_at']:.2f}) the best sentence answers without the word "
        "checks; in between the word checks decide. Both were chosen on the held-apart rows to "
        "best balance answering the answerable against declining the near misses (another "
        "document's questions are declined at any bar).",
        "",
        "| feature | weight |",
        "| --- | --- |",
        *[f"| {n} | {w:+.3f} |"
          for n, w in zip(report["features"], report["weights"], strict=True)],
        "",
        "## Held-apart figures",
        f"- AUC {h['auc']:.3f} (answerable against every row to decline), "
        f"{h['auc_near_misses']:.3f} against the near misses alone; with both bars, answerable "
        f"and near misses told apart with balanced accuracy {h['balanced_accuracy']:.3f}.",
        "",
        "| rows | count | answered with the gate | answered by the word checks alone |",
        "| --- | --- | --- | --- |",
        *[f"| {k} | {v['rows']} | {v['answered']:.3f} | {v['answered_by_the_word_checks']:.3f} |"
          for k, v in h["by_kind"].items() if v["answered"] is not None],
        "",
        "`sample` in the JSON holds held-apart rows with their probabilities: a test re-scores "
        "them with the shipped file.",
        "",
    ]  # fmt: skip
    return "\n".join(lines)


def argument_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m eval.train_gate``."""
    parser = argparse.ArgumentParser(
        prog="python -m eval.train_gate",
        description=(
            "Fit the answer gate (whether the documents in scope answer a question) on the EI2 "
            "calibrate articles and PubMedQA dev items from ../shared/data: each question asked "
            "within its own document, another document, and (EI2) about another article's "
            "outcome or intervention. Writes assistant/data/answer_gate.json and GATE_CARD.md."
        ),
    )
    parser.add_argument("--data", type=Path, default=splits.DATA, help="the public data folder")
    parser.add_argument("--ei2-articles", type=int, help="only the first N calibrate articles")
    parser.add_argument("--pubmedqa", type=int, help="only the first N PubMedQA dev items")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the gate")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def cached_rows(docs: list, rows: list[tuple], progress: bool):
    """``read_rows`` over the documents ingested into a temporary store, or its cached
    result when the same questions were read over the same documents before."""
    from eval.public import _ingest, temporary_services

    key = rows_key(rows)
    cache = CACHE / f"rows-{key}.npz"
    if cache.is_file():  # the same questions over the same documents: read once
        kept = np.load(cache)
        return kept["x"], kept["read"].tolist(), kept["answered"].tolist()
    with temporary_services() as services:
        services.settings.answer.decline_by = "coverage"  # the rows are read, not gated
        services.engine.settings.verdict = services.engine.settings.decision = False
        _ingest(services, docs, progress)
        x, read, answered = read_rows(services, rows, progress)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(cache, x=x, read=np.asarray(read), answered=np.asarray(answered))
    return x, read, answered


def kind_figures(rows, kind, held_rows, said, words) -> dict:
    """Per kind of row, held apart: how often it is answered with the gate and by the word
    checks alone."""
    kinds = sorted({r[3] for r in rows})
    by_kind = {}
    for k in kinds:
        sel = held_rows & (kind == k)
        by_kind[k] = {
            "rows": int(sel.sum()),
            "answered": float(said[sel].mean()) if sel.any() else None,
            "answered_by_the_word_checks": float(words[sel].mean()) if sel.any() else None,
        }
    return by_kind


def held_apart_sample(x, y, p, held_rows) -> dict:
    """``SAMPLE`` held-apart rows, half of them answerable, with their probabilities."""
    pick = np.random.default_rng(SEED)
    sample = np.concatenate([
        pick.choice(np.flatnonzero(held_rows & (y == label)), SAMPLE // 2, replace=False)
        for label in (1, 0)
    ])  # fmt: skip
    return {
        "x": np.round(x[sample], 5).tolist(),
        "y": y[sample].tolist(),
        "probability": [float(v) for v in p[sample]],
    }


def gate_report(x, read, answered, rows: list[tuple], documents: int, started: float) -> dict:
    """Fit the gate on the rows not held apart, choose its bars on the held-apart ones, and
    report both with the held-apart figures (the JSON written as the gate)."""
    y = np.asarray([r[2] for r in rows])
    held = np.asarray([splits.gate_held_apart(r[4]) for r in rows])
    ok = np.asarray(read)
    fit_rows, held_rows = ok & ~held, ok & held
    kind = np.asarray([r[3] for r in rows])
    mean, scale, weights, bias = fit(x[fit_rows], y[fit_rows], balance(y[fit_rows], kind[fit_rows]))
    z = ((x - mean) / scale) @ weights + bias
    p = 1 / (1 + np.exp(-z))
    # The bar: answerable questions against the near misses (declining another document's
    # questions is easy at any bar).
    hard = held_rows & ((y == 1) | np.isin(kind, NEAR))
    words = np.asarray(answered)
    bar, answers_at, balanced = choose_bars(p[hard], y[hard], words[hard])
    said = combined(p, words, bar, answers_at)
    by_kind = kind_figures(rows, kind, held_rows, said, words)
    report = {
        "features": list(NAMES),
        "mean": mean.tolist(),
        "scale": scale.tolist(),
        "weights": weights.tolist(),
        "bias": bias,
        "bar": bar,
        "answers_at": answers_at,
        "trained": {
            "data": "EI2 train (calibrate articles), PubMedQA pqal_labeled (split dev)",
            "documents": documents,
            "rows_fit": int(fit_rows.sum()),
            "rows_held_apart": int(held_rows.sum()),
            "rows_unread": int((~ok).sum()),
            "seed": SEED,
            "seconds": round(time.time() - started, 1),
        },
        "held_apart": {
            "auc": auc(p[held_rows], y[held_rows]),
            "auc_near_misses": auc(p[hard], y[hard]),
            "balanced_accuracy": balanced,
            "by_kind": by_kind,
        },
    }
    report["sample"] = held_apart_sample(x, y, p, held_rows)
    return report


def main(argv: list[str] | None = None) -> int:
    args = argument_parser().parse_args(argv)
    if not args.data.is_dir():
        print(f"error: public data folder {args.data} not found", file=sys.stderr)
        return 2
    started = time.time()
    rng = random.Random(SEED)
    docs, rows = asked(args.data, args, rng)
    x, read, answered = cached_rows(docs, rows, not args.quiet)
    report = gate_report(x, read, answered, rows, len(docs), started)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    card = args.out.parent / CARD.name
    card.write_text(model_card(report))
    print(json.dumps(report["held_apart"], indent=2))
    print(f"wrote {args.out} in {report['trained']['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
