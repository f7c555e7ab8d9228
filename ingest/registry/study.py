"""The one shape both registry formats are read into, and the helpers reading values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Measurement:
    value: str = ""
    low: str = ""
    high: str = ""
    spread: str = ""


@dataclass
class Analysis:
    groups: list[str]
    param_type: str = ""
    value: str = ""
    ci_percent: str = ""
    low: str = ""
    high: str = ""
    p_value: str = ""
    method: str = ""


@dataclass
class Outcome:
    kind: str
    title: str
    description: str = ""
    time_frame: str = ""
    population: str = ""
    units: str = ""
    param: str = ""
    dispersion: str = ""
    groups: dict[str, str] = field(default_factory=dict)
    analysed: dict[str, str] = field(default_factory=dict)
    # (class title, category title, {group id: measurement})
    # (class title, category title, {group id: measurement}, {group id: analysed in class})
    rows: list[tuple[str, str, dict[str, Measurement], dict[str, str]]] = field(
        default_factory=list
    )
    analyses: list[Analysis] = field(default_factory=list)


@dataclass
class AdverseEvent:
    serious: bool
    term: str
    organ_system: str
    counts: dict[str, tuple[str, str]]  # group id -> (affected, at risk)


@dataclass
class Study:
    nct_id: str
    brief_title: str
    official_title: str = ""
    acronym: str = ""
    sponsor: str = ""
    status: str = ""
    phases: list[str] = field(default_factory=list)
    study_type: str = ""
    design: list[str] = field(default_factory=list)
    enrollment: str = ""
    conditions: list[str] = field(default_factory=list)
    interventions: list[str] = field(default_factory=list)
    summary: str = ""
    arms: list[tuple[str, str, str]] = field(default_factory=list)  # label, type, description
    eligibility: str = ""
    eligibility_facts: list[str] = field(default_factory=list)
    dates: list[tuple[str, str]] = field(default_factory=list)  # (what, ISO-ish date)
    planned_outcomes: list[tuple[str, str, str]] = field(default_factory=list)  # kind, title, frame
    outcomes: list[Outcome] = field(default_factory=list)
    flow: list[tuple[str, str, dict[str, str]]] = field(
        default_factory=list
    )  # period, step, counts
    flow_groups: dict[str, str] = field(default_factory=dict)
    ae_groups: dict[str, str] = field(default_factory=dict)
    ae_totals: list[tuple[str, dict[str, tuple[str, str]]]] = field(default_factory=list)
    ae_time_frame: str = ""
    events: list[AdverseEvent] = field(default_factory=list)
    posted: str = ""  # date the results (or the record) were last posted


def _words(value: Any) -> str:
    """Registry enum -> words: ``PLACEBO_COMPARATOR`` -> ``placebo comparator``."""
    value = _text(value)
    return value.replace("_", " ").lower() if value and value.isupper() else value


# A record of unexpected shape (a section missing, a list where an object belongs, an entry
# without its group id) is read as far as it goes: what cannot be placed is left out.
def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value) if isinstance(value, int | float) else ""


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _ds(value: Any, key: str | None = None) -> list[dict[str, Any]]:
    """The objects of a list (those carrying ``key``, when given)."""
    items = value if isinstance(value, list) else []
    return [x for x in items if isinstance(x, dict) and (key is None or _text(x.get(key)))]


def _strs(value: Any) -> list[str]:
    return [_text(x) for x in value if _text(x)] if isinstance(value, list) else []


def _groups(value: Any) -> dict[str, str]:
    return {_text(g["id"]): _text(g.get("title")) or _text(g["id"]) for g in _ds(value, "id")}


_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()<>#+\-.!|])")


def _plain(value: Any) -> str:
    """API v2 text fields are Markdown-escaped (``\\<0.1``, ``\\[ref\\]``); undo that."""
    return _MD_ESCAPE.sub(r"\1", value) if isinstance(value, str) else ""


def _iso(value: str) -> str:
    value = (value or "").strip()
    for fmt, out in (("%B %d, %Y", "%Y-%m-%d"), ("%B %Y", "%Y-%m")):
        try:
            return datetime.strptime(value, fmt).strftime(out)
        except ValueError:
            pass
    return value


def _num(value: Any) -> str:
    return "" if value is None else str(value).strip()
