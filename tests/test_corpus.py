"""Every shipped corpus file has a provenance row in corpus/manifest.csv, and only those."""

import csv
from pathlib import Path

from ingest.loaders import load_file

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def test_manifest_lists_exactly_the_corpus_files():
    rows = list(csv.DictReader((CORPUS / "manifest.csv").open()))
    listed = {row["path"] for row in rows}
    present = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file()} - {
        "manifest.csv"
    }
    assert listed == present
    assert all(row["provenance"] and row["date"] and row["publisher"] for row in rows)


def test_corpus_files_carry_front_matter():
    for path in CORPUS.rglob("*.txt"):
        d = load_file(path)
        assert {"trial", "source_type", "date"} <= set(d.metadata), path.name
        assert not d.text.startswith("---")
