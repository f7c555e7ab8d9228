"""Train the verdict classifier (``assistant/verdicts/verdict.py``) from public data:
``make train-verdict``.

- Data: Evidence Inference 2.0 training prompts (``ei2_train.json.gz``), split by article into
  *fit* and *calibrate* as for the answer scorer (``eval/splits.py``). Each annotated evidence
  span is one example, read with the prompt asked as a question in one of several wordings,
  labelled with the prompt's effect. Some examples name the arms in the other order with
  the label's direction flipped, so the label is always of the question's first arm. Each
  prompt adds one sentence of its own article that is not evidence for any prompt, labelled
  ``none`` (half of them share a word with the outcome, like an aim or a method sentence).
- Model: all-MiniLM-L6-v2 from the packaged weights with a fresh four-way head, fine-tuned on
  the CPU within ``--minutes``, exported to int8 ONNX like the reranker.
- Calibration: on the *calibrate* articles, a softmax layer over the int8 model's logits and
  the quote's statistical cues (``assistant/effects.cue_features``), and the confidence bar
  below which no verdict is given.
- Figures: EI2 validation only (never trained on), with the annotated evidence; the end-to-end
  figure (on the quotes TrialQA itself cites) is ``trialqa bench-eval evidence-inference``.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from eval import splits
from eval.cards import verdict_card
from eval.fine_tuning import export, optimise
from eval.training_data import SEED, TEMPLATE
from eval.verdict_examples import LABEL_OF, SWAP_SHARE, _clean, examples, load

OUT = Path(__file__).resolve().parents[1] / "assistant" / "data" / "verdict"
CARD = OUT.parent / "VERDICT_CARD.md"
PRECISION = 0.87  # verdicts given on the calibrate prompts must be right this often


def classifier(folder, labels: int):
    """MiniLM's token vectors averaged over the pair's tokens (the pooling the packaged
    weights were trained with, so informative from the first step, where the unused [CLS]
    pooler is not), then one linear layer to the labels."""
    import torch
    from transformers import AutoModel

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(folder), attn_implementation="eager")
            self.config = self.encoder.config
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(self.config.hidden_size, labels)

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state  # fmt: skip
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return _Output(self.head(self.dropout(pooled)))

    return Model()


class _Output:
    def __init__(self, logits) -> None:
        self.logits = logits


def fine_tune(rows: list, args) -> tuple:
    import torch
    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging

    from assistant.embedding import packaged_model_path
    from assistant.verdicts import LABELS

    hf_logging.set_verbosity_error()
    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    folder = packaged_model_path()
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = classifier(folder, len(LABELS))
    steps = max(1, args.epochs * len(rows) // args.batch)

    def loss_at(step: int, bf16: bool):
        at = (step * args.batch) % len(rows)
        batch = rows[at : at + args.batch] or rows[: args.batch]
        enc = tokenizer([q for q, _, _ in batch], [t for _, t, _ in batch],
                        truncation="longest_first", max_length=args.max_length, padding=True,
                        return_tensors="pt")  # fmt: skip
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            out = model(**enc).logits
        return torch.nn.functional.cross_entropy(
            out.float(), torch.tensor([y for *_, y in batch]), label_smoothing=0.05
        )

    return model, optimise(model, steps, args, loss_at, floor=0.02)


# --- calibration and measuring ------------------------------------------------------------


def read_rows(model, rows: list, batch: int = 32) -> np.ndarray:
    """The shipped model's logits for (question, text, label) rows."""
    out = []
    for at in tqdm(range(0, len(rows), batch), desc="read", unit="batch", leave=False):
        out.append(_logits_grouped(model, rows[at : at + batch]))
    return np.concatenate(out) if out else np.zeros((0, 4), dtype=np.float32)


def _logits_grouped(model, part: list) -> np.ndarray:
    return model.read([(q, t) for q, t, _ in part]).reshape(len(part), -1)


def fit_layer(z: np.ndarray, features: np.ndarray, y: np.ndarray) -> tuple[list, list]:
    """The softmax layer over [logits, cue features], fitted by L2-regularised log loss."""
    import torch

    x = torch.tensor(np.concatenate([z, features], axis=1), dtype=torch.float32)
    target = torch.tensor(y, dtype=torch.long)
    k = z.shape[1]
    weight = torch.zeros((k, x.shape[1]), requires_grad=True)
    with torch.no_grad():
        weight[:, :k] = torch.eye(k)
    bias = torch.zeros(k, requires_grad=True)
    optimiser = torch.optim.LBFGS([weight, bias], max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(x @ weight.T + bias, target)
        loss = loss + 1e-3 * (weight[:, k:] ** 2).sum()
        loss.backward()
        return loss

    optimiser.step(closure)
    return weight.detach().numpy().tolist(), bias.detach().numpy().tolist()


def per_prompt(model, prompts: list, articles: dict, layer_params, question=None) -> list:
    """For each prompt: its gold label and the label probabilities of each evidence span, read
    with the question in the template wording."""
    from assistant.verdicts import comparison, cue_features, layer

    weights, bias = layer_params
    out = []
    for p in tqdm(prompts, desc="prompts", unit="prompt", leave=False):
        q = (question or TEMPLATE).format(i=p["intervention"], c=p["comparator"], o=p["outcome"])
        texts = [_clean(ev["text"]) for ev in p["evidence"]]
        rows = [(q, t, 0) for t in texts]
        z = _logits_grouped(model, rows)
        features = [cue_features(t, None, comparison(q)) for t in texts]
        probs = layer(z, features, np.asarray(weights), np.asarray(bias))
        out.append((LABEL_OF[p["label"]], probs))
    return out


def macro_f1(gold: list[str], predicted: list[str | None]) -> float:
    from assistant.verdicts import EFFECTS
    from eval.metrics import macro_f1 as f1

    return f1(gold, predicted, EFFECTS)


def outcomes(readings: list, threshold: float) -> dict:
    from assistant.verdicts import EFFECTS, combine

    gold, forced, kept = [], [], []
    for label, probs in readings:
        gold.append(EFFECTS[label - 1])
        sure = combine(probs, 0.0)
        forced.append(sure.label)
        kept.append(combine(probs, threshold).label)
    given = [(g, p) for g, p in zip(gold, kept, strict=True) if p in EFFECTS]
    return {
        "prompts": len(gold),
        "macro_f1_forced": macro_f1(gold, forced),
        "accuracy_forced": float(np.mean([g == p for g, p in zip(gold, forced, strict=True)])),
        "macro_f1_withheld_as_wrong": macro_f1(gold, kept),
        "given": len(given) / max(1, len(gold)),
        "accuracy_given": float(np.mean([g == p for g, p in given])) if given else 0.0,
    }


def choose_threshold(readings: list) -> float:
    """The lowest bar at which the verdicts given on the calibrate prompts are right at least
    ``PRECISION`` of the time (so the most verdicts at that precision)."""
    from assistant.verdicts import EFFECTS, combine

    for t in np.arange(0.34, 0.96, 0.02):
        given = right = 0
        for label, probs in readings:
            said = combine(probs, float(t)).label
            if said in EFFECTS:
                given += 1
                right += said == EFFECTS[label - 1]
        if given and right / given >= PRECISION:
            return round(float(t), 2)
    return 0.95


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.train_verdict",
        description=(
            "Fine-tune the verdict classifier (does a quote state an effect, and which way) on "
            "the Evidence Inference 2.0 training prompts in ../shared/data, fit its cue layer "
            "and confidence bar on the calibrate articles, and write assistant/data/verdict/ "
            "and VERDICT_CARD.md. Reports EI2 validation only; never reads a test split."
        ),
    )
    parser.add_argument("--data", type=Path, default=splits.DATA, help="the shared data folder")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=16, help="pairs per step")
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--swap-share", type=float, default=SWAP_SHARE,
                        help="share of evidence examples naming the arms reversed")  # fmt: skip
    parser.add_argument("--max-length", type=int, default=128, help="tokens per pair")
    parser.add_argument("--minutes", type=float, default=25.0,
                        help="fine-tuning time budget (steps left over are skipped)")  # fmt: skip
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="fit on this many articles only")
    parser.add_argument("--recalibrate", action="store_true",
                        help="keep the model in --out; refit its cue layer and bar")  # fmt: skip
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if not (args.data / "evidence_inference" / "ei2_train.json.gz").is_file():
        print(f"train-verdict: no data at {args.data / 'evidence_inference'}; pass --data PATH")
        return 2
    started = time.perf_counter()
    rng = random.Random(SEED)
    articles, prompts = load(args.data)
    fit = [p for p in prompts if not splits.ei2_calibration_article(p["pmcid"])]
    calibrate = [p for p in prompts if splits.ei2_calibration_article(p["pmcid"])]
    if args.limit:
        keep = set(sorted({p["pmcid"] for p in fit})[: args.limit])
        fit = [p for p in fit if p["pmcid"] in keep]
    trained = {}
    if not args.recalibrate:
        from assistant.embedding import packaged_model_path

        rows = examples(articles, fit, rng, args.swap_share)
        print(f"{len(rows)} training pairs from {len(fit)} prompts", flush=True)
        model, trained = fine_tune(rows, args)
        export(model, packaged_model_path(), args.out, args.max_length)
        trained["pairs"] = len(rows)
    report = measure(args, articles, calibrate, rng)
    report["seconds"] = round(time.perf_counter() - started, 1)
    if trained:
        report["trained"] = trained
    else:  # the model is the earlier run's: keep what its training took
        earlier = json.loads((args.out / "report.json").read_text())
        report["trained"], report["seconds"] = earlier["trained"], earlier["seconds"]
    report["counts"] = {"fit_prompts": len(fit), "calibrate_prompts": len(calibrate)}
    write(report, args)
    return 0


def measure(args, articles: dict, calibrate: list, rng: random.Random) -> dict:
    from assistant.verdicts import FEATURES, LABELS, VerdictModel, comparison, cue_features

    k = len(LABELS)
    identity = (np.eye(k, k + FEATURES).tolist(), [0.0] * k)
    _write_settings(args, identity, 0.5)
    model = VerdictModel(args.out)
    rows = examples(articles, calibrate, random.Random(SEED + 1))
    z = read_rows(model, rows)
    features = np.asarray(
        [cue_features(t, None, comparison(q)) for q, t, _ in rows], dtype=np.float32
    )
    y = np.asarray([label for *_, label in rows])
    params = fit_layer(z, features, y)
    readings = per_prompt(model, calibrate, articles, params)
    bar = choose_threshold(readings)
    _write_settings(args, params, bar)
    report = {"layer": {"weights": params[0], "bias": params[1]}, "threshold": bar}
    report["calibrate"] = outcomes(readings, bar)
    report["calibrate"]["pair_accuracy_logits_only"] = float(np.mean(z.argmax(1) == y))
    report["calibrate"]["pair_accuracy"] = float(
        np.mean((np.concatenate([z, features], 1) @ np.asarray(params[0]).T).argmax(1) == y)
    )
    v_articles, v_prompts = load(args.data, validation=True)
    model = VerdictModel(args.out)
    report["validation"] = outcomes(per_prompt(model, v_prompts, v_articles, params), bar)
    report["validation_cues_only"] = outcomes(
        per_prompt(model, v_prompts, v_articles, _cues_only(params)), bar
    )
    print(
        json.dumps({"calibrate": report["calibrate"], "validation": report["validation"]}, indent=2)
    )
    return report


def _cues_only(params) -> tuple:
    """The layer with the classifier's logits switched off (what cues alone can say)."""
    weights = np.asarray(params[0]).copy()
    weights[:, :4] = 0.0
    return weights.tolist(), params[1]


def _write_settings(args, params, threshold: float) -> None:
    args.out.mkdir(parents=True, exist_ok=True)
    settings = {"max_length": args.max_length, "threshold": threshold,
                "layer": {"weights": params[0], "bias": params[1]}}  # fmt: skip
    (args.out / "verdict.json").write_text(json.dumps(settings, indent=2) + "\n")


def write(report: dict, args) -> None:
    report["arguments"] = {k: str(v) for k, v in vars(args).items()}
    report["artifact_bytes"] = (args.out / "model.onnx").stat().st_size
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    if args.out == OUT:
        CARD.write_text(verdict_card(report))
    print(f"wrote {args.out} ({report['artifact_bytes'] / 1e6:.1f} MB)")


if __name__ == "__main__":
    raise SystemExit(main())
