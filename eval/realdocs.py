"""The public documents real-document gold cases (``gold/real.jsonl``) are asked within.

A case names its documents by key; ``materialise`` writes each as a file TrialQA ingests:

- ``ei2/<PMCID>`` (``ei2/PMC1550405``): an article of Evidence Inference 2.0's validation split
  (``evidence_inference/ei2_validation.json``), its raw text -> ``ei2-pmc1550405.txt``.
- ``ctgov/aact_api_v2/<NCT>.json`` or ``ctgov/aact_legacy_xml/<NCT>.xml``: a ClinicalTrials.gov
  record, copied as it is -> ``NCT00465816.json`` (the registry loader renders it as text).
- ``covidqa/<document_id>`` (``covidqa/1547``): a COVID-QA article's context ->
  ``covidqa-1547.txt``. Only held-out articles (``splits.covidqa_held_out``) may be used; the
  others train the answer scorer.

- ``nli4ct/<NCT>`` (``nli4ct/NCT00005879``): an NLI4CT trial record never trained on
  (``splits.nli4ct_held_out``), each section's heading a paragraph and its lines one a line
  -> ``nli4ct-nct00005879.txt``.
- ``pubmedqa/<PMID>`` (``pubmedqa/21645374``): a PubMedQA abstract of the ``test`` split, its
  labelled context paragraphs without the conclusion -> ``pubmedqa-21645374.txt``.

A document's ``doc_id`` is the loader's: the slug of the file name's stem (``ei2-pmc1550405``,
``nct00465816``, ``covidqa-1547``); none of these files carries an ``id`` of its own.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from eval.splits import DATA, covidqa_held_out, nli4ct_held_out
from ingest.loaders import slug

CTGOV_FOLDERS = {"aact_api_v2": ".json", "aact_legacy_xml": ".xml"}


def file_name(key: str) -> str:
    """The name of the file ``key`` is written as; ``ValueError`` for a key of no known kind."""
    kind, _, rest = key.partition("/")
    if kind == "ei2" and rest.upper().startswith("PMC") and "/" not in rest:
        return f"ei2-{rest.lower()}.txt"
    if kind == "covidqa" and rest.isdigit():
        return f"covidqa-{int(rest)}.txt"
    if kind == "nli4ct" and rest.upper().startswith("NCT") and rest[3:].isdigit():
        return f"nli4ct-{rest.lower()}.txt"
    if kind == "pubmedqa" and rest.isdigit():
        return f"pubmedqa-{int(rest)}.txt"
    folder, _, name = rest.partition("/")
    if kind == "ctgov" and CTGOV_FOLDERS.get(folder) == Path(name).suffix and "/" not in name:
        return name
    raise ValueError(
        f"unknown document key {key!r}: expected ei2/<PMCID>, covidqa/<document_id>, "
        "ctgov/aact_api_v2/<NCT>.json, ctgov/aact_legacy_xml/<NCT>.xml, nli4ct/<NCT> or "
        "pubmedqa/<PMID>"
    )


def doc_id_for(key: str) -> str:
    """The ``doc_id`` the document of ``key`` gets when it is loaded (``ingest.loaders``)."""
    return slug(Path(file_name(key)).stem)


def materialise(keys: Iterable[str], folder: Path, data: Path = DATA) -> dict[str, Path]:
    """Write the documents of ``keys`` into ``folder``; key -> the file written."""
    data, folder = Path(data), Path(folder)
    if not data.is_dir():
        raise FileNotFoundError(
            f"public data folder {data} not found; real-document cases read their documents "
            "from it (evidence_inference/, ctgov/, covidqa/, nli4ct/, pubmedqa/)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for key in dict.fromkeys(keys):
        target = folder / file_name(key)
        kind, _, rest = key.partition("/")
        if kind == "ctgov":
            shutil.copyfile(_existing(data / key), target)
        elif kind == "ei2":
            articles = _ei2_articles(_existing(data / "evidence_inference/ei2_validation.json"))
            pmcid = next((p for p in articles if p.lower() == rest.lower()), None)
            if pmcid is None:
                raise ValueError(f"{key}: no such article in the EI2 validation split")
            target.write_text(articles[pmcid], encoding="utf-8")
        elif kind == "nli4ct":
            target.write_text(_nli4ct_record(data, rest.upper()), encoding="utf-8")
        elif kind == "pubmedqa":
            target.write_text(_pubmedqa_abstract(data, str(int(rest))), encoding="utf-8")
        else:
            contexts = _covidqa_contexts(_existing(data / "covidqa/covidqa.json"))
            if int(rest) not in covidqa_held_out(list(contexts)):
                raise ValueError(f"{key}: not a held-out COVID-QA article (the others train)")
            target.write_text(contexts[int(rest)], encoding="utf-8")
        written[key] = target
    return written


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found in the public data")
    return path


@cache
def _ei2_articles(path: Path) -> dict[str, str]:
    return json.loads(path.read_text(encoding="utf-8"))["articles"]


@cache
def _covidqa_contexts(path: Path) -> dict[int, str]:
    items = json.loads(path.read_text(encoding="utf-8"))["data"]
    return {int(p["document_id"]): p["context"] for item in items for p in item["paragraphs"][:1]}


@cache
def _nli4ct(folder: Path) -> tuple[set[str], dict[str, dict]]:
    """The NLI4CT records never trained on, and every record by id."""
    train, dev, records = (
        json.loads(_existing(folder / name).read_text(encoding="utf-8"))
        for name in ("train.json", "dev.json", "records.json")
    )
    return nli4ct_held_out(train, dev), records


@cache
def _pubmedqa_items(path: Path) -> dict[str, dict]:
    return {str(i["pmid"]): i for i in json.loads(path.read_text(encoding="utf-8"))}


def _nli4ct_record(data: Path, nct: str) -> str:
    """An NLI4CT record never trained on, as text: its id, then each section's heading (a
    paragraph of its own, so the loader reads it as one) and lines (the indentation of the
    record's sub-lines dropped)."""
    held_out, records = _nli4ct(data / "nli4ct")
    if nct not in held_out:
        raise ValueError(f"nli4ct/{nct}: the answer scorer may train on it (no held-out record)")
    record = records[nct]
    parts = [f"Clinical trial record {nct}"]
    for section in ("Intervention", "Eligibility", "Results", "Adverse Events"):
        lines = [" ".join(line.split()) for line in record.get(section) or []]
        parts += [section.upper(), "\n".join(line for line in lines if line)]
    return "\n\n".join(parts) + "\n"


def _pubmedqa_abstract(data: Path, pmid: str) -> str:
    """A PubMedQA test item's abstract as text: each context paragraph under its label. The
    conclusion (the item's long answer) and the question are left out, as in PubMedQA."""
    item = _pubmedqa_items(_existing(data / "pubmedqa/pqal_labeled.json")).get(pmid)
    if item is None or item.get("split") != "test":
        raise ValueError(f"pubmedqa/{pmid}: not a PubMedQA item of the test split")
    paragraphs = [
        f"{label.title()}: {context}"
        for label, context in zip(item["labels"], item["contexts"], strict=True)
    ]
    return "\n\n".join([f"PubMed abstract {pmid}", *paragraphs]) + "\n"
