"""Candidates: the sentences the extractive engine ranks, and the citations it makes of them.

A ``Candidate`` is one statement of a passage, as an exact span of its document, with what the
ranking found out about it (``assistant.answering.ranking``). The sentences that answer, and
the closest ones a declined answer points at, become the answer's numbered citations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

from assistant.language.query import Query, TermGroup
from assistant.language.text import tokenize
from assistant.models import Citation, Passage
from assistant.provenance import provenance


@dataclass
class Candidate:
    passage: Passage
    start: int
    end: int
    text: str
    tokens: set[str] = field(default_factory=set)
    context: set[str] = field(default_factory=set)  # tokens plus section, title and trial
    vector: np.ndarray | None = None  # stored at ingest, else embedded when scored
    score: float = 0.0  # the learned probability that it answers (the cascade's or scorer's)
    similarity: float = 0.0  # cosine to the question
    coverage: float = 0.0  # idf-weighted share of the question's terms in the sentence
    context_coverage: float = 0.0  # the same in the sentence and its context
    rank: float = 0.0  # what orders the candidates (AnswerSettings.rank_by)
    field: bool = False  # a field line of what the question asks for (assistant.answering.fields)

    @property
    def section(self) -> str:
        """The heading the sentence stands under: its chunk's section, else the nearest label
        line above it in its chunk (a structured abstract's "RESULTS:", "BODY.DISCUSSION:",
        which head the paragraph they open); "" when neither is known."""
        chunk = self.passage.chunk
        if chunk.section:
            return chunk.section
        above = chunk.text[: max(0, self.start - chunk.start)]
        for line in reversed(above.splitlines()):
            if is_label(line.strip()):
                return line.strip()
        return ""


# A line that heads the paragraph under it: "ABSTRACT.CONCLUSIONS:", "Conclusions:",
# "BODY.INTRODUCTION", "RESULTS".
_LABEL_LINE = re.compile(r"^(?:[a-z]+\.)?[a-z][a-z :]{2,40}:$|^[A-Z][A-Z .:&/-]{2,60}$", re.I)
_UPPER_LINE = re.compile(r"^[^a-z]+$")


def is_label(line: str) -> bool:
    """Whether a line is a label heading the paragraph it opens."""
    return bool(_LABEL_LINE.match(line)) and (line.endswith(":") or bool(_UPPER_LINE.match(line)))


def closest(candidates: list[Candidate], n: int = 2) -> list[Candidate]:
    """The first ``n`` candidates of distinct chunks: where a declined answer points."""
    nearest: list[Candidate] = []
    for c in candidates:
        if c.passage.chunk.chunk_id not in {x.passage.chunk.chunk_id for x in nearest}:
            nearest.append(c)
        if len(nearest) == n:
            break
    return nearest


def without(query: Query, terms: set[str]) -> Query:
    """The query less the terms that chose its scope: within the documents of the trial a
    question names, the name tells their sentences apart no more."""
    if not terms:
        return query
    kept = tuple(g for g in query.groups if g.term not in terms)
    return replace(query, groups=kept)


# The words a question writes beside a trial's name to say it is one.
_NAMING = frozenset(tokenize("trial study"))


def naming_met(query: Query) -> Query:
    """The query with "trial" and "study" met by any sentence: asked within a named trial's
    documents, they only say it is one ("What does the <name> trial compare?")."""
    groups = tuple(
        TermGroup(g.surface, g.term, (frozenset(),)) if g.term in _NAMING else g
        for g in query.groups
    )
    return replace(query, groups=groups)


def unmentioned(query: Query, candidates: list[Candidate]) -> list[TermGroup]:
    """The question's term groups that no candidate, with its context, mentions."""
    seen = set().union(*(c.context for c in candidates))
    return [g for g in query.groups if not g.satisfied_by(seen)]


def passage_context(p: Passage, *, shown_title: bool = False) -> set[str]:
    """Tokens of what a passage's sentences are read with: its document's title, trial and NCT
    id, (with ``shown_title``, the title the passage is shown under) and its section."""
    parts = [str(p.metadata.get(f, "")) for f in ("title", "trial", "nct_id")]
    return set(tokenize(" ".join([*parts, *([p.title] if shown_title else []), p.chunk.section])))


def cited_as(chosen: list[Candidate]) -> list[Citation]:
    """The chosen sentences as an answer's citations, numbered from 1 in order."""
    return [
        Citation(
            n=n,
            doc_id=c.passage.chunk.doc_id,
            title=c.passage.title,
            source=c.passage.source,
            chunk_id=c.passage.chunk.chunk_id,
            start=c.start,
            end=c.end,
            quote=c.text,
            **provenance(c.passage.metadata),
        )
        for n, c in enumerate(chosen, start=1)
    ]
