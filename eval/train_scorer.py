"""Train the answer scorer (``assistant/scoring/scorer.py``) from public data: ``make train``.

Data (``eval/splits.py`` says which part of each set trains and which judges):
- Evidence Inference 2.0 training prompts: "What was the effect of I compared with C on O?"
  (and paraphrases) within the full-text article; sentences overlapping an annotated evidence
  span answer it. Articles are split by hash into *fit* and *calibrate*.
- COVID-QA, all but the held-out articles: the sentences holding the answer span answer it.
- NLI4CT training statements about a trial record: the evidence lines answer it.

Every document is chunked and split into statements by the product's own code, and embedded
by the product's embedder, so the scorer sees at training what it sees when answering.
Negatives are the other sentences of the same document (hard negatives) and the best-looking
sentences of *another* document of the same kind (a question asked of the wrong paper),
which is what the decline bar is set on.

Steps: embed (cached in ``--cache``), build feature rows, fit two designs on *fit* (scalar
features only; scalar plus the question-sentence vector product), compare them on
*calibrate*, calibrate the better one (Platt scaling) and choose its decline bar there, then
measure it on the validation sets it never saw and write the artifact and its model card.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from eval.cards import scorer_card
from eval.feature_rows import Scored, training_matrix
from eval.prepared import add_data_arguments, data_missing, prepare
from eval.scorer_model import fit, fit_listwise, logits, platt
from eval.training_data import SAMPLE, SEED

ARTIFACT = Path(__file__).resolve().parents[1] / "assistant" / "data" / "answer_scorer.npz"
CARD = ARTIFACT.parent / "MODEL_CARD.md"


# --- figures ------------------------------------------------------------------------------


def ranking(params, scored: list[Scored], columns: slice | None = None) -> dict[str, float]:
    """recall@1 / @3 of the evidence among the pool ranked by the model."""
    r1, r3 = [], []
    for s in scored:
        rows = s.rows if columns is None else s.rows[:, columns]
        order = np.argsort(-logits(params, rows))
        r1.append(float(s.labels[order[0]] == 1))
        r3.append(float(s.labels[order[:3]].any()))
    return {"recall@1": float(np.mean(r1)), "recall@3": float(np.mean(r3))}


def decline_figures(params, ab, scored: list[Scored], threshold: float) -> dict[str, float]:
    def top(rows):
        return 1 / (1 + np.exp(-(ab[0] * logits(params, rows).max() + ab[1])))

    own = np.array([top(s.rows) for s in scored])
    other = np.array([top(s.other_rows) for s in scored])
    near = np.array([top(s.near_rows) for s in scored if len(s.near_rows)])
    right = np.array([s.labels[np.argmax(logits(params, s.rows))] == 1 for s in scored])
    out = {
        "answered_own": float(np.mean(own >= threshold)),
        "answered_own_and_right": float(np.mean((own >= threshold) & right)),
        "declined_other": float(np.mean(other < threshold)),
    }
    if len(near):
        out["declined_near_miss"] = float(np.mean(near < threshold))
    return out


def choose_threshold(params, ab, scored: list[Scored]) -> float:
    """The bar that best tells a question its document answers (with the evidence ranked
    first) from one asked of another document or a near miss."""
    best, best_t = -1.0, 0.5
    for t in np.linspace(0.05, 0.95, 91):
        f = decline_figures(params, ab, scored, float(t))
        declined = [f["declined_other"]] + [f[k] for k in ("declined_near_miss",) if k in f]
        value = f["answered_own_and_right"] + float(np.mean(declined))
        if value > best:
            best, best_t = value, float(t)
    return best_t


def reliability(params, ab, scored: list[Scored], bins: int = 10) -> list[dict[str, float]]:
    z = np.concatenate([logits(params, s.rows) for s in scored])
    y = np.concatenate([s.labels for s in scored])
    p = 1 / (1 + np.exp(-(ab[0] * z + ab[1])))
    out = []
    for i in range(bins):
        lo, hi = i / bins, (i + 1) / bins
        m = (p >= lo) & (p < hi if i < bins - 1 else p <= hi)
        if m.any():
            out.append({"low": lo, "high": hi, "n": int(m.sum()), "predicted": float(p[m].mean()),
                        "observed": float(y[m].mean())})  # fmt: skip
    return out


# --- command ------------------------------------------------------------------------------


def argument_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m eval.train_scorer``."""
    parser = argparse.ArgumentParser(
        prog="python -m eval.train_scorer",
        description=(
            "Train the answer scorer on the public data in ../shared/data and write "
            "assistant/data/answer_scorer.npz and its MODEL_CARD.md. Never reads a test split."
        ),
    )
    add_data_arguments(parser)
    parser.add_argument("--hidden", type=int, default=64, help="hidden units of the MLP")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ARTIFACT)
    return parser


def best_design(by_split, x, y, args, dense: bool) -> tuple[str, dict, dict]:
    """Fit both designs on *fit* and keep the one ranking *calibrate* better: its name, its
    parameters, and each design's fit with its calibrate figures, by name."""
    designs = {
        "pointwise": lambda: fit(x, y, args.hidden, args.epochs, SEED),
        "listwise": lambda: fit_listwise(by_split["fit"], args.hidden, args.epochs, SEED),
    }
    fitted = {}
    for name, train in designs.items():
        params = train()
        fitted[name] = (params, ranking(params, by_split["calibrate"]))
        print(f"design {name}: calibrate split {fitted[name][1]}", flush=True)
    name = max(fitted, key=lambda k: sum(fitted[k][1].values()))
    params = fitted[name][0]
    name = f"{name}, counted{'+read' if dense else ''}"
    return name, params, {f"{k}, counted{'+read' if dense else ''}": v for k, v in fitted.items()}


def scorer_report(params, ab, threshold, name, designs, by_split, y) -> dict:
    """The training report: the design, its bar and calibration, and its figures on the
    calibrate split and on each validation set."""
    calibrate = by_split["calibrate"]
    validation = by_split.get("validation", [])
    sample = [s for s in validation if s.question.source == "ei2"][:SAMPLE]
    report = {
        "sample": {"ei2_validation_first": len(sample), **ranking(params, sample)},
        "design": name,
        "designs": {k: v[1] for k, v in designs.items()},
        "threshold": threshold,
        "platt": ab,
        "calibrate": {
            **ranking(params, calibrate),
            **decline_figures(params, ab, calibrate, threshold),
        },  # fmt: skip
        "validation": {},
        "reliability_validation": reliability(params, ab, validation),
        "counts": {
            split: {
                src: sum(1 for s in by_split.get(split, []) if s.question.source == src)
                for src in ("ei2", "covidqa", "nli4ct", "kinds")
            }
            for split in ("fit", "calibrate", "validation")
        },
        "training_rows": int(len(y)),
        "training_positives": int(y.sum()),
        "seconds": 0.0,
    }
    for src in ("ei2", "covidqa", "nli4ct"):
        items = [s for s in validation if s.question.source == src]
        if items:
            report["validation"][src] = {
                **ranking(params, items),
                **decline_figures(params, ab, items, threshold),
                "questions": len(items),
            }
    return report


def main(argv: list[str] | None = None) -> int:
    args = argument_parser().parse_args(argv)
    if data_missing(args, "train"):
        return 2
    started = time.perf_counter()
    prepared = prepare(args)
    by_split, dense = prepared.by_split, args.read
    terms, values, default = prepared.terms, prepared.values, prepared.default
    nprng = np.random.default_rng(SEED)
    x, y = training_matrix(by_split["fit"], nprng)
    name, params, designs = best_design(by_split, x, y, args, dense)
    calibrate = by_split["calibrate"]
    z = np.concatenate([logits(params, s.rows) for s in calibrate])
    yc = np.concatenate([s.labels for s in calibrate])
    ab = platt(z, yc)
    threshold = choose_threshold(params, ab, calibrate)
    report = scorer_report(params, ab, threshold, name, designs, by_split, y)
    report["seconds"] = round(time.perf_counter() - started, 1)
    write_artifact(args.out, params, ab, threshold, dense, terms, values, default)
    report["artifact_bytes"] = args.out.stat().st_size
    report["arguments"] = {k: str(v) for k, v in vars(args).items()}
    (args.out.parent / "answer_scorer_report.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out.parent / "MODEL_CARD.md").write_text(scorer_card(report))
    print(json.dumps({k: report[k] for k in ("design", "designs", "threshold", "validation")},
                     indent=2))  # fmt: skip
    print(f"wrote {args.out} ({report['artifact_bytes'] / 1e6:.2f} MB) in {report['seconds']} s")
    return 0


def write_artifact(path, params, ab, threshold, dense, terms, values, default) -> None:
    from assistant.scoring import SCALAR_FEATURES

    arrays = {
        "mean": params["mean"].astype(np.float32),
        "scale": params["scale"].astype(np.float32),
        "depth": np.array(len(params["layers"])),
        "platt_a": np.array(ab[0]),
        "platt_b": np.array(ab[1]),
        "threshold": np.array(threshold),
        "dense": np.array(dense),
        "feature_names": np.array(SCALAR_FEATURES),
        "idf_terms": np.array(terms),
        "idf_values": values.astype(np.float32),
        "idf_default": np.array(default),
    }
    for i, (w, b) in enumerate(params["layers"]):
        arrays[f"w{i}"] = w.astype(np.float32)
        arrays[f"b{i}"] = b.astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)


if __name__ == "__main__":
    sys.exit(main())
