"""Which public data trains the answer scorer and which judges it: one place, read by both.

- Evidence Inference 2.0: ``ei2_train.json.gz`` trains (its articles split again into *fit*
  and *calibrate* by a hash of the PMC id); ``ei2_validation.json`` only judges.
- COVID-QA: whole articles are held out, every fifth ``document_id`` in sorted order; the
  rest train.
- NLI4CT: ``train.json`` trains, ``dev.json`` only judges; a record a single-record statement of
  each is about judges (``nli4ct_held_out``).
- PubMedQA: only items whose ``split`` is ``dev`` may train; ``test`` items never do.
- The answer gate fits on the EI2 calibrate articles and PubMedQA dev items, a quarter of their
  documents held apart (``gate_held_apart``) to choose its bars.
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


def nli4ct_held_out(train: dict, dev: dict) -> set[str]:
    """NLI4CT records never trained on: those a single-record ``dev.json`` statement is about
    (the scorer's loader moves them to validation, ``eval.training_data.load_nli4ct``), and
    those no single-record ``train.json`` statement is about (the loader never reads them)."""

    def about(items: dict) -> set[str]:
        return {s["Primary_id"] for s in items.values() if s.get("Type") == "Single"}

    referenced = {s.get(k) for items in (train, dev) for s in items.values()
                  for k in ("Primary_id", "Secondary_id")}  # fmt: skip
    return about(dev) | (referenced - about(train) - {None})


def _hashed(key: str) -> float:
    """A stable number in [0, 1] for ``key``: which side of a split it falls on."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def ei2_calibration_article(pmcid: str) -> bool:
    """Whether an EI2 *training* article is kept apart for calibration (stable by hash)."""
    return _hashed(pmcid) < CALIBRATE_SHARE


PUBMEDQA_HELD_SHARE = 0.2  # of PubMedQA dev items, held apart to choose and report


def pubmedqa_held_apart(pmid: str) -> bool:
    """Whether a PubMedQA *dev* item is held apart from fitting (stable by hash of its PMID)."""
    return _hashed(f"pubmedqa:{pmid}") < PUBMEDQA_HELD_SHARE


GATE_HELD_SHARE = 0.25  # of the answer gate's documents, held apart to choose its bars


def gate_held_apart(key: str) -> bool:
    """Whether a document's rows are held apart from fitting the answer gate (by hash)."""
    return _hashed(f"gate:{key}") < GATE_HELD_SHARE
