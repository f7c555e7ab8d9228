"""Which public data trains the answer scorer and which judges it: one place, read by both.

- Evidence Inference 2.0: ``ei2_train.json.gz`` trains (its articles split again into *fit*
  and *calibrate* by a hash of the PMC id); ``ei2_validation.json`` only judges.
- COVID-QA: whole articles are held out, every fifth ``document_id`` in sorted order; the
  rest train.
- NLI4CT: ``train.json`` trains, ``dev.json`` only judges.
- PubMedQA: only items whose ``split`` is ``dev`` may train; ``test`` items never do.
- ClinicalTrials.gov records in ``ctgov/`` never train (the real-document gold set uses them).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CALIBRATE_SHARE = 0.15  # of EI2 training articles, kept apart to calibrate and set the bar


def covidqa_held_out(document_ids: list[int]) -> set[int]:
    """COVID-QA articles never trained on: every fifth id in sorted order."""
    return {d for n, d in enumerate(sorted(document_ids)) if n % 5 == 0}


def ei2_calibration_article(pmcid: str) -> bool:
    """Whether an EI2 *training* article is kept apart for calibration (stable by hash)."""
    h = int(hashlib.sha256(pmcid.encode()).hexdigest()[:8], 16)
    return h / 0xFFFFFFFF < CALIBRATE_SHARE


PUBMEDQA_HELD_SHARE = 0.2  # of PubMedQA dev items, held apart to choose and report


def pubmedqa_held_apart(pmid: str) -> bool:
    """Whether a PubMedQA *dev* item is held apart from fitting (stable by hash of its PMID)."""
    h = int(hashlib.sha256(f"pubmedqa:{pmid}".encode()).hexdigest()[:8], 16)
    return h / 0xFFFFFFFF < PUBMEDQA_HELD_SHARE
