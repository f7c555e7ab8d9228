"""Where a cited document comes from: its source type, publisher, date (with its precision)
and original address, read from the metadata the loader found (front matter, HTML meta tags,
a ClinicalTrials.gov record, PDF metadata). What a document does not state is left out.

Documents written for the shipped corpus are *summaries* (``source_type: summary``); anything
else (a paper, an abstract, an interview, a registry record, an upload that does not say) is
read as a primary report. When a primary report and a summary state the same fact, the
primary report is cited first (``primary_first``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date as Date
from datetime import datetime
from typing import Any, TypeVar

PRECISIONS = ("year", "month", "day")
SUMMARY = "summary"
_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            "jan january",
            "feb february",
            "mar march",
            "apr april",
            "may",
            "jun june",
            "jul july",
            "aug august",
            "sep sept september",
            "oct october",
            "nov november",
            "dec december",
        ],
        start=1,
    )  # fmt: skip
    for m in names.split()
}
_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?$")
_WRITTEN = re.compile(r"^(?:(\d{1,2})\s+)?([A-Za-z]+)\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})$")
_PDF = re.compile(r"^D:(\d{4})(\d{2})?(\d{2})?")
_URL = re.compile(r"^https?://\S+$")


def parse_date(value: Any, precision: Any = None) -> tuple[str, str] | None:
    """(ISO date cut to its precision, precision) for a date as documents write it: "2025-09-23",
    "2024-12", "2020", "March 17, 2016", "September 2025", a PDF's "D:20200101...". A stated
    ``precision`` ("year", "month", "day") coarsens what is written ("2020-01-01" with "year"
    is 2020). None when it is not a date."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, Date):
        value = value.isoformat()
    text = " ".join(str(value or "").split())
    year = month = day = None
    if m := _ISO.match(text) or _PDF.match(text):
        year, month, day = (int(g) if g else None for g in m.groups())
    elif (m := _WRITTEN.match(text)) and m.group(2).lower() in _MONTHS:
        year, month = int(m.group(4)), _MONTHS[m.group(2).lower()]
        day = int(m.group(1) or m.group(3)) if (m.group(1) or m.group(3)) else None
    if year is None or not 1000 <= year <= 9999:
        return None
    try:
        Date(year, month or 1, day or 1)
    except ValueError:
        return None
    found = "day" if day else "month" if month else "year"
    stated = str(precision or "").strip().lower()
    if stated in PRECISIONS and PRECISIONS.index(stated) < PRECISIONS.index(found):
        found = stated
    parts = [f"{year:04d}", f"{month or 1:02d}", f"{day or 1:02d}"]
    return "-".join(parts[: PRECISIONS.index(found) + 1]), found


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = " ".join(str(value).split())
    return text or None


def url_of(metadata: Mapping[str, Any]) -> str | None:
    """The document's original address: a ``url`` it states, else a registry record's page."""
    for key in ("url", "source_url", "doi_url"):
        if (text := _text(metadata.get(key))) and _URL.match(text):
            return text
    if (doi := _text(metadata.get("doi"))) and re.match(r"^10\.\d{4,9}/\S+$", doi):
        return f"https://doi.org/{doi}"
    nct = _text(metadata.get("nct_id"))
    if metadata.get("source_type") == "registry" and nct and re.fullmatch(r"NCT\d{8}", nct):
        return f"https://clinicaltrials.gov/study/{nct}"
    return None


def provenance(metadata: Mapping[str, Any]) -> dict[str, str | None]:
    """The citation fields of a document's metadata: ``source_type``, ``publisher``, ``date``,
    ``date_precision`` and ``url`` (None where the document does not state one). A PDF's first
    page gives its journal (the publisher) and year when nothing else says."""
    dated = parse_date(metadata.get("date"), metadata.get("date_precision"))
    dated = dated or parse_date(metadata.get("year"), "year")
    source_type = _text(metadata.get("source_type"))
    return {
        "source_type": source_type.lower() if source_type else None,
        "publisher": _text(metadata.get("publisher")) or _text(metadata.get("journal")),
        "date": dated[0] if dated else None,
        "date_precision": dated[1] if dated else None,
        "url": url_of(metadata),
    }


def is_summary(metadata: Mapping[str, Any]) -> bool:
    return str(metadata.get("source_type") or "").strip().lower() == SUMMARY


_FIGURE = re.compile(r"\d+(?:[.,]\d+)?\s*%?")
T = TypeVar("T")


def figures(text: str) -> frozenset[str]:
    """The figures a sentence states ("100%", "19", "0.49"), as written less spaces."""
    return frozenset(m.group(0).replace(" ", "").replace(",", ".") for m in _FIGURE.finditer(text))


def primary_first(
    chosen: Sequence[T], text: Callable[[T], str], metadata: Callable[[T], Mapping[str, Any]]
) -> list[T]:
    """``chosen`` with each primary-report sentence moved before the first summary sentence
    that states the same fact (the same figures, at least one that is not a bare small
    number); everything else keeps its order."""
    out = list(chosen)
    for item in list(out):
        if is_summary(metadata(item)):
            continue
        stated = {f for f in figures(text(item)) if "%" in f or "." in f or len(f) > 1}
        if not stated:
            continue
        here = out.index(item)
        for i, other in enumerate(out[:here]):
            if is_summary(metadata(other)) and stated <= figures(text(other)):
                out.insert(i, out.pop(here))
                break
    return out
