"""The model cards the trainers write beside their artifacts, from their training reports:
the answer scorer's, the reranker's and the verdict classifier's."""

from __future__ import annotations

from eval.training_data import SEED


def _pct(x: float) -> str:
    return f"{x:.3f}"


def scorer_card(r: dict) -> str:
    """MODEL_CARD.md from the answer scorer's training report."""
    return (
        _scorer_what(r)
        + _scorer_data(r)
        + _scorer_designs(r)
        + _scorer_validation(r)
        + _scorer_reliability(r)
    )


def _scorer_what(r: dict) -> str:
    """The card's title and what the scorer does."""
    return f"""# Model card: the answer scorer (`answer_scorer.npz`)

Written by `make train` (`python -m eval.train_scorer`); do not edit by hand. The figures below
are the ones that run printed; `answer_scorer_report.json` beside this file has them all.

## What it does
For a question and a candidate sentence of a document (with its heading, title and
neighbours), the calibrated probability that the sentence answers the question. The engine
ranks a question's candidates by it and answers only when the best reaches the bar
**{r["threshold"]:.2f}**. Code: `assistant/scoring/scorer.py`; training: `eval/train_scorer.py`.

Design: **{r["design"]}**, a multilayer perceptron (one hidden layer) over counted features
(cosine to the question and to the neighbours, idf-weighted coverage of the question's terms,
figures, p-values, intervals, section kind, length, place, what the question asks for){
        " and the component-wise product of the question's and the sentence's vectors"
        if "+read" in r["design"]
        else ""
    }.
Platt scaling a={r["platt"][0]:.3f}, b={r["platt"][1]:.3f}.

"""


def _scorer_data(r: dict) -> str:
    """The card's data section: the sets, the questions per split and the training rows."""
    counts = "\n".join(
        f"| {split} | {c['ei2']} | {c['covidqa']} | {c['nli4ct']} | {c.get('kinds', 0)} |"
        for split, c in r["counts"].items()
    )
    return f"""## Data (public, from `../shared/data`; splits in `eval/splits.py`)
- `evidence_inference/ei2_train.json.gz`: prompts as questions (the EI2 template and five
  paraphrases) within their full-text article; evidence spans mark the answers. Articles
  split by a hash of the PMC id into *fit* (85%) and *calibrate* (15%).
- `covidqa/covidqa.json`: expert questions; the sentence holding the answer span answers.
  Every fifth article (sorted by `document_id`) is held out for validation; of the rest,
  every sixth calibrates.
- `nli4ct/train.json` + `records.json`: single-record statements; their evidence lines
  answer (records rendered one line a paragraph).
- Question kinds: on EI2 *training* articles only, questions of the kinds clinicians ask of any
  report (size, design, primary endpoint, registry number, safety, dose of a compared
  intervention), answered by the sentences a pattern finds (`KINDS` in the trainer; a kind is
  used only where one to three sentences match). Weak labels: they teach the kinds; the
  real-document gold set, written by hand, judges them.
- Not used: `pubmedqa/pqal_labeled.json` (no sentence-level labels; its `test` split is never
  read), `ctgov/` (kept for the real-document gold set).
- Validation, never trained on: `ei2_validation.json`, the held-out COVID-QA articles,
  `nli4ct/dev.json` (and any record a dev statement is about).

Questions per split:

| split | EI2 | COVID-QA | NLI4CT | question kinds (weak labels, EI2 training articles) |
|---|---|---|---|---|
{counts}

Training rows: {r["training_rows"]:,} ({r["training_positives"]:,} positive): every evidence
sentence, the 15 other sentences of the same document most similar to the question, 15 more at
random, the 8 most similar sentences of another document of the same kind (the question asked
of the wrong paper) and, for EI2, of the same paper asked about an outcome it does not report
(a near miss). The listwise design reads every sentence of the document instead: the
evidence's share of the softmax over them, plus a pointwise loss on them and on every sentence
of the other document and the near miss. Seed {SEED}; AdamW, {r["arguments"].get("epochs")} epochs,
{r["arguments"].get("hidden")} hidden units.

"""


def _scorer_designs(r: dict) -> str:
    """The card's comparison of the designs on the calibrate split."""
    designs = "\n".join(
        f"| {name} | {_pct(f['recall@1'])} | {_pct(f['recall@3'])} |"
        for name, f in r["designs"].items()
    )
    return f"""## Designs compared (ranking on the *calibrate* split)

| design | recall@1 | recall@3 |
|---|---|---|
{designs}

The better sum of the two was kept.

"""


def _scorer_validation(r: dict) -> str:
    """The card's validation figures and the artifact test's fixed sample."""
    v = r["validation"]
    rows = "\n".join(
        f"| {src} | {f['questions']} | {_pct(f['recall@1'])} | {_pct(f['recall@3'])} | "
        f"{_pct(f['answered_own'])} | {_pct(f['answered_own_and_right'])} | "
        f"{_pct(f['declined_other'])} | "
        f"{_pct(f['declined_near_miss']) if 'declined_near_miss' in f else '–'} |"
        for src, f in v.items()
    )
    return f"""## Validation (never trained on, bar and calibration chosen before)
recall@k: the evidence among the k best-ranked sentences of the whole document. answered:
the best sentence reaches the bar; answered and right: and it is evidence. declined other:
the same question asked of another document of its kind is declined; declined near miss (EI2):
the question with its outcome swapped for another paper's, which this paper does not mention,
asked of the same paper, is declined.

| data | questions | recall@1 | recall@3 | answered | answered, right | declined: other | near |
|---|---|---|---|---|---|---|---|
{rows}

Fixed sample for the artifact test (`tests/assistant/test_scorer.py`): the first
{r["sample"]["ei2_validation_first"]} EI2 validation prompts, recall@1 {
        _pct(r["sample"]["recall@1"])
    },
recall@3 {_pct(r["sample"]["recall@3"])}.

"""


def _scorer_reliability(r: dict) -> str:
    """The card's reliability table and the cost of training."""
    bins = "\n".join(
        f"| {b['low']:.1f}–{b['high']:.1f} | {b['n']} | {b['predicted']:.3f} | "
        f"{b['observed']:.3f} |"
        for b in r["reliability_validation"]
    )
    return f"""## Reliability on validation (every candidate sentence)
| predicted | sentences | mean predicted | share that is evidence |
|---|---|---|---|
{bins}

A sentence can answer a question without being the annotated evidence (another sentence
stating the same result), so the observed shares are a floor.

## Cost
Training took {r["seconds"]:.0f} s on this machine (2 cores), with the sentence vectors already
cached in `.trialqa-train/`; embedding them on a fresh machine adds about 11 minutes (145k
sentences at about 220 per second in bfloat16 on an AMD EPYC with AVX-512 BF16).
Artifact: {r["artifact_bytes"] / 1e6:.2f} MB.
"""


def reranker_card(r: dict) -> str:
    """RERANKER_CARD.md from the reranker's training report."""
    lines = [
        "# Model card: the answer reranker (`assistant/data/reranker/`)",
        "",
        "Written by `make train-reranker` (`eval/train_reranker.py`); do not edit by hand.",
        "",
        "- **What**: all-MiniLM-L6-v2 (the packaged weights) with a one-logit head, fine-tuned as "
        "a cross-encoder: it reads a question with one candidate sentence (its section heading "
        "first) and gives a logit. Used by `TRIALQA_ANSWER__RANK_BY=cascade` to reread the "
        f"learned scorer's best {r['arguments']['top']} sentences; the probability mixes both "
        f"logits: sigmoid({r['combine'][0]:.3f} scorer + {r['combine'][1]:.3f} reranker "
        f"{r['combine'][2]:+.3f}), decline bar {r['threshold']:.2f}.",
        "- **Data**: the answer scorer's (see `MODEL_CARD.md`): EI2 training prompts on *fit* "
        "articles, COVID-QA minus the held-out articles (every fifth document id), NLI4CT "
        "training statements, weakly labelled question kinds on EI2 training articles. "
        f"{r['groups']} groups (one answer sentence and {r['arguments']['negatives']} of the "
        "scorer's best-ranked wrong sentences of the same document). The mixing weights and the "
        "bar were fitted on the *calibrate* articles. No test split was read.",
        f"- **Training**: softmax over each group plus half a pointwise log loss, AdamW lr "
        f"{r['arguments']['lr']}, {r['arguments']['batch']} groups a step, "
        f"{r['trained']['steps']} of {r['trained']['planned_steps']} planned steps within "
        f"{r['arguments']['minutes']} minutes (bfloat16: {r['trained']['bfloat16']}), seed "
        f"{SEED}, at most {r['arguments']['max_length']} tokens a pair; "
        f"{r['seconds']:.0f} s in all.",
        f"- **Artifact**: int8 ONNX (per-channel weights, feed-forward outputs in float), "
        f"{r['artifact_bytes'] / 1e6:.1f} MB, with the tokenizer and `reranker.json`.",
        "",
        "## Validation (data never trained on; recall of the evidence within the shortlist)",
        "",
        "| set | questions | scorer r@1 | r@3 | reranker r@1 | r@3 | cascade r@1 | r@3 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for src, v in r["validation"].items():
        cells = [f"{v[k]['recall@1']:.3f} | {v[k]['recall@3']:.3f}"
                 for k in ("scorer", "reranker", "cascade")]  # fmt: skip
        lines.append(f"| {src} | {v['questions']} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Declining (validation; the bar chosen on the calibrate split)",
        "",
        "Each validation question is also asked within another document of its kind (*other*) "
        "and, for EI2, with another paper's outcome its paper never mentions (*near*); those "
        "must be declined.",
        "",
        "| set | answered own | answered own, best sentence right | declined other | "
        "declined near |",
        "|---|---|---|---|---|",
    ]
    for src, v in r["validation"].items():
        d = v["decline"]
        cells = [d.get(k) for k in ("answered_own", "answered_own_and_right", "declined_other",
                                    "declined_near")]  # fmt: skip
        lines.append(f"| {src} | " + " | ".join("-" if x is None else f"{x:.3f}" for x in cells)
                     + " |")  # fmt: skip
    s = r["sample"]
    lines += [
        "",
        f"All figures are of the shipped int8 file. Fixed sample re-scored by "
        f"`tests/assistant/test_reranker.py` (first {s['ei2_validation_first']} EI2 validation "
        f"prompts): r@1 {s['recall@1']:.3f}, r@3 {s['recall@3']:.3f}.",
        "",
    ]
    return "\n".join(lines)


def _table(r: dict) -> str:
    head = ("| | prompts | macro-F1, always a label | accuracy | verdict given | accuracy when "
            "given | macro-F1, withheld counted wrong |\n" + "|---" * 7 + "|")  # fmt: skip
    keys = ("macro_f1_forced", "accuracy_forced", "given", "accuracy_given",
            "macro_f1_withheld_as_wrong")  # fmt: skip
    rows = [head]
    for name, key in (("classifier + cues", "validation"), ("cues alone", "validation_cues_only"),
                      ("calibrate split (for reference)", "calibrate")):  # fmt: skip
        figures = " | ".join(f"{r[key][k]:.3f}" for k in keys)
        rows.append(f"| {name} | {r[key]['prompts']} | {figures} |")
    rows.append("\nThe classifier is MiniLM's token vectors averaged over the pair, then one "
                "linear layer. *Cues alone*: the same layer with the classifier's logits "
                "switched off.")  # fmt: skip
    return "\n".join(rows)


def verdict_card(r: dict) -> str:
    """VERDICT_CARD.md from the verdict classifier's training report."""
    from eval.train_verdict import PRECISION

    t = r["trained"]
    return f"""# Model card: the verdict classifier (`assistant/data/verdict/`)

Written by `make train-verdict` (`eval/train_verdict.py`); do not edit by hand.

- **What**: all-MiniLM-L6-v2 (the packaged weights) with a four-way head (`none`,
  `significantly_increased`, `significantly_decreased`, `no_significant_difference`),
  fine-tuned as a cross-encoder: it reads an effect question with one quote and says whether
  the quote states the comparison's result and which way it went, for the question's first
  arm relative to its second. A softmax layer mixes its logits with the quote's statistical
  cues (`assistant/verdicts/effects.py`: p-values against the stated alpha, intervals against their
  null value, significance wording) and its direction words ("lower", "increased") signed by
  which arm the sentence is about (the arm after "than", "compared with" is the reference).
  Below a pooled probability of {r["threshold"]:.2f} no
  verdict is given (the lowest bar at which {PRECISION:.0%} of the calibrate split's verdicts
  are right).
- **Data**: Evidence Inference 2.0 training prompts on the *fit* articles
  ({r["counts"]["fit_prompts"]} prompts, {t.get("pairs", "?")} pairs: each annotated evidence
  span with its label, some with the arms named in the other order and the direction flipped;
  as `none`, per prompt, a sentence of the same article that is no prompt's evidence, another
  prompt's evidence about a different outcome, and for some prompts the evidence asked about
  another article's outcome). The cue layer and
  the bar were fitted on the *calibrate* articles ({r["counts"]["calibrate_prompts"]} prompts).
  No validation or test data was trained on.
- **Training**: cross-entropy with label smoothing 0.05, AdamW, {t["steps"]} of
  {t["planned_steps"]} planned steps (bfloat16: {t["bfloat16"]}); {r["seconds"]:.0f} s in all.
- **Artifact**: int8 ONNX, {r["artifact_bytes"] / 1e6:.1f} MB, with the tokenizer and
  `verdict.json` (the cue layer and the bar).

## Validation: EI2 `ei2_validation.json`, with the annotated evidence

{_table(r)}

End to end (on the quotes TrialQA cites): `trialqa bench-eval evidence-inference`.
"""
