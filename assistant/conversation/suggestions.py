"""Suggested questions for an empty conversation, drawn from what is indexed.

Nothing here names a trial: the subjects are the ``trial`` values of the indexed documents'
metadata, and a question is suggested about a trial only when one of its documents states
what the question asks for (a sentence saying "primary endpoint", or one with a figure beside
"enrolled", "overall response rate", "progression-free survival" or "grade 3"). A document
naming several trials credits a trial only with the paragraphs that name it. Scoped to one
document that names no trial, the questions ask about "this study".

The order is deterministic: trials with the most documents first (then the most kinds of
question, then by name), one question per trial in turn, each trial starting at a different
kind so the first few vary in both.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assistant.errors import NotFoundError
from assistant.language.text import PARAGRAPH
from assistant.models import DocumentInfo, Filters, match_key, match_values
from assistant.store.protocol import VectorStore

THIS_STUDY = "this study"
LIMIT_MAX = 20


@dataclass(frozen=True)
class Kind:
    """One kind of suggested question: its name, its wording, and what a sentence of a
    document must say (and whether with a figure) for the question to be worth asking."""

    name: str
    template: str
    cue: re.Pattern[str]
    needs_figure: bool


KINDS: tuple[Kind, ...] = (
    Kind(
        "primary_endpoint",
        "What was the primary endpoint of {subject}?",
        re.compile(r"\bprimary (?:end ?points?|outcomes?(?: measures?)?)\b", re.I),
        needs_figure=False,
    ),
    Kind(
        "enrollment",
        "How many patients were enrolled in {subject}?",
        re.compile(r"\b(?:enrolled|enrol(?:l?ment)|randomi[sz]ed|participants)\b", re.I),
        needs_figure=True,
    ),
    Kind(
        "response",
        "What was the overall response rate in {subject}?",
        re.compile(r"\b(?:overall response rate|ORR)\b", re.I),
        needs_figure=True,
    ),
    Kind(
        "progression",
        "What was the progression-free survival in {subject}?",
        re.compile(r"\b(?:progression[- ]free survival|PFS)\b", re.I),
        needs_figure=True,
    ),
    Kind(
        "safety",
        "What were the grade 3 or higher adverse events in {subject}?",
        re.compile(
            r"\bgrade (?:3|III|≥ ?3|3 or (?:higher|greater|above|worse)|3\s?[-–]\s?[45])(?!\d)"
            r"|\bserious adverse events?\b",
            re.I,
        ),
        needs_figure=True,
    ),
)
KIND_NAMES = tuple(k.name for k in KINDS)

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9(\"“])")
_FIGURE = re.compile(r"\d")


@dataclass(frozen=True)
class Suggestion:
    question: str
    kind: str
    trial: str | None = None  # None: "this study", the one document in scope
    doc_ids: tuple[str, ...] = ()  # the documents in scope that state what it asks for


def _sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(paragraph) if s.strip()]


def kinds_stated(text: str) -> frozenset[str]:
    """The kinds of question some sentence of ``text`` answers (by its cue, and a figure when
    the kind asks for a number)."""
    found: set[str] = set()
    for paragraph in PARAGRAPH.findall(text):
        for sentence in _sentences(paragraph):
            for kind in KINDS:
                if kind.name in found or not kind.cue.search(sentence):
                    continue
                if not kind.needs_figure or _FIGURE.search(kind.cue.sub(" ", sentence)):
                    found.add(kind.name)
    return frozenset(found)


def trial_names(metadata: dict) -> list[str]:
    """A document's trial names as its metadata writes them (one value or a list)."""
    value = metadata.get("trial")
    values = value if isinstance(value, list | tuple) else [value]
    names = [" ".join(str(v).split()) for v in values if isinstance(v, str | int | float)]
    return list(dict.fromkeys(n for n in names if match_key(n)))


def _name_pattern(name: str) -> re.Pattern[str]:
    parts = re.findall(r"[0-9A-Za-z]+", name)
    return re.compile(r"(?<![0-9a-z])" + r"[\s\-_/.]*".join(parts) + r"(?![0-9a-z])", re.I)


@dataclass(frozen=True)
class DocumentFacts:
    """What one document states, per trial it names (``None``: the document as a whole)."""

    doc_id: str
    trials: tuple[str, ...]
    stated: dict[str | None, frozenset[str]]


def document_facts(info: DocumentInfo, text: str) -> DocumentFacts:
    trials = tuple(trial_names(info.metadata))
    whole = kinds_stated(text)
    stated: dict[str | None, frozenset[str]] = {None: whole}
    if len(trials) == 1:
        stated[trials[0]] = whole
    else:  # several trials: each is credited with the paragraphs naming it
        paragraphs = PARAGRAPH.findall(text)
        for name in trials:
            pattern = _name_pattern(name)
            stated[name] = kinds_stated("\n\n".join(p for p in paragraphs if pattern.search(p)))
    return DocumentFacts(info.doc_id, trials, stated)


def _filter_metadata(info: DocumentInfo) -> dict:
    meta: dict[str, object] = {"doc_id": info.doc_id}
    for key in ("trial", "nct_id", "source_type"):
        meta[f"match_{key}"] = match_values(info.metadata.get(key))
    return meta


@dataclass
class _Subject:
    name: str | None
    doc_ids: dict[str, list[str]]  # kind -> documents stating it

    @property
    def documents(self) -> int:
        return len({d for docs in self.doc_ids.values() for d in docs})


def plan(
    facts: Sequence[DocumentFacts], limit: int, filters: Filters | None = None
) -> list[Suggestion]:
    """Up to ``limit`` questions about the trials of ``facts`` (the documents in scope)."""
    wanted = {match_key(v) for v in (filters.trial or [])} if filters else set()
    subjects: dict[str, _Subject] = {}
    for doc in facts:
        names: Iterable[str | None] = doc.trials
        if not doc.trials and len(facts) == 1:
            names = [None]
        for name in names:
            key = match_key(name) if name else ""
            if wanted and key not in wanted:
                continue  # a document naming several trials: only the trial filtered on
            subject = subjects.setdefault(key, _Subject(name, {}))
            for stated_kind in doc.stated.get(name, frozenset()):
                subject.doc_ids.setdefault(stated_kind, []).append(doc.doc_id)
    ranked = sorted(
        (s for s in subjects.values() if s.doc_ids),
        key=lambda s: (-s.documents, -len(s.doc_ids), (s.name or "").casefold(), s.name or ""),
    )
    queues = []
    for i, subject in enumerate(ranked):
        kinds = [KIND_NAMES[(i + j) % len(KINDS)] for j in range(len(KINDS))]
        queues.append([(subject, k) for k in kinds if k in subject.doc_ids])
    out: list[Suggestion] = []
    for round_ in range(len(KINDS)):
        for queue in queues:
            if round_ < len(queue) and len(out) < limit:
                subject, kind_name = queue[round_]
                kind = KINDS[KIND_NAMES.index(kind_name)]
                out.append(
                    Suggestion(
                        question=kind.template.format(subject=subject.name or THIS_STUDY),
                        kind=kind.name,
                        trial=subject.name,
                        doc_ids=tuple(sorted(set(subject.doc_ids[kind.name]))),
                    )
                )
    return out


class Suggestions:
    """Suggested questions over a store. Each document is read once per version (its id and
    hash), the first time suggestions are asked for after it was indexed."""

    def __init__(self, store: VectorStore) -> None:
        self.store = store
        self._facts: dict[tuple[str, str], DocumentFacts] = {}
        self._lock = threading.Lock()

    def _facts_of(self, infos: Sequence[DocumentInfo]) -> list[DocumentFacts]:
        out = []
        with self._lock:
            known = {(i.doc_id, i.sha256) for i in infos}
            for key in [k for k in self._facts if k not in known]:
                del self._facts[key]  # documents since deleted or replaced
            for info in infos:
                key = (info.doc_id, info.sha256)
                if key not in self._facts:
                    try:
                        text = self.store.get_document(info.doc_id).text
                    except NotFoundError:  # deleted since it was listed
                        continue
                    self._facts[key] = document_facts(info, text)
                out.append(self._facts[key])
        return out

    def suggest(self, limit: int, filters: Filters | None = None) -> list[Suggestion]:
        infos = self.store.list_documents()
        if filters is not None and filters.active():
            infos = [i for i in infos if filters.matches(_filter_metadata(i))]
        return plan(self._facts_of(infos), limit, filters)
