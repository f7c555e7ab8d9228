"""Weakly labelled questions of the kinds clinicians ask of any trial report (size, design,
primary endpoint, registry number, safety, dose), answered by the sentences a pattern finds in
EI2 *training* articles."""

from __future__ import annotations

import random

from eval.training_data import Doc, Question

# Question kinds clinicians ask of any trial report, with the sentences that answer them found
# by pattern in *training* articles only (weak labels): the EI2 prompts are all effect
# questions, and these teach the scorer the rest (size, design, endpoint, dose, registry,
# safety). A kind is used for an article only when one to three of its sentences match.
_PEOPLE = (r"(patients|participants|subjects|women|men|children|infants|adults|volunteers|"
           r"individuals|neonates|newborns|mothers|cases)")  # fmt: skip
_NUMBER = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|" \
          r"sixty|seventy|eighty|ninety|hundred)"  # fmt: skip
KINDS = {
    "size": (
        (
            "How many patients were randomised?",
            "How many participants were enrolled?",
            "How many subjects took part in the trial?",
            "What was the sample size?",
        ),
        rf"(?i)\b{_NUMBER}\b[^.]{{0,60}}\b{_PEOPLE}\b[^.]{{0,80}}\b(randomi[sz]ed|randomly "
        r"(assigned|allocated)|enrolled|recruited|included)",
    ),
    "endpoint": (
        (
            "What was the primary outcome?",
            "What was the primary endpoint?",
            "What was the main outcome measure?",
        ),
        r"(?i)\b(primary|main) (outcome|end ?point|efficacy (variable|measure|end ?point))",
    ),
    "registry": (
        (
            "What is the trial registration number?",
            "Where was the trial registered?",
            "What is the ClinicalTrials.gov identifier of this study?",
        ),
        r"(?i)\b(NCT\d{8}|ISRCTN\s?\d+|ChiCTR[-\w]*\d|ACTRN\d+|CTRI/\d|IRCT\d+|EudraCT)",
    ),
    "design": (
        (
            "What kind of trial was this?",
            "What was the study design?",
            "How was the study designed?",
        ),
        r"(?i)\b(randomi[sz]ed|double[- ]blind|placebo[- ]controlled|open[- ]label|cross-?over)"
        r"\b[^.]{0,60}\b(trial|study)\b",
    ),
    "safety": (
        (
            "What adverse events were reported?",
            "Were there any side effects?",
            "How safe was the treatment?",
        ),
        r"(?i)\b(adverse (events?|effects?|reactions?)|side[- ]effects?|toxicit)",
    ),
}
KIND_DOSE = r"(?i)\b\d+(\.\d+)?\s?(mg|g|µg|μg|mcg|ml|iu|units?|mg/kg|mmol)\b"


def kind_questions(docs: dict[str, Doc], rng: random.Random, per_doc: int = 3) -> list[Question]:
    """Weakly labelled questions of the kinds in ``KINDS`` (and a dose question naming an
    intervention the article's prompts name) over EI2 training articles."""
    import re

    from assistant.language import is_content, tokenize

    out = []
    for doc in docs.values():
        if doc.source != "ei2" or doc.split == "validation" or not doc.pool:
            continue
        found = []
        for forms, pattern in KINDS.values():
            hits = [i for i, c in enumerate(doc.pool) if re.search(pattern, c.text)]
            if 1 <= len(hits) <= 3:
                found.append((rng.choice(forms), hits))
        for name in doc.interventions:
            terms = {t for t in tokenize(name) if is_content(t)}
            hits = [
                i for i, c in enumerate(doc.pool)
                if re.search(KIND_DOSE, c.text) and terms & set(tokenize(c.text))
            ]  # fmt: skip
            if terms and 1 <= len(hits) <= 3:
                found.append((f"What dose of {name} was given?", hits))
                break
        for text, hits in rng.sample(found, min(per_doc, len(found))):
            spans = [doc.starts[i] for i in hits]
            out.append(Question(text, doc.key, spans, doc.split, "kinds"))
    return out
