"""The shapes that travel through TrialQA: Document -> Chunk -> Passage -> Answer.

Offsets are character offsets into ``Document.text`` (the normalised full text), half-open:
``Document.text[start:end]``. ``Answer`` is the answer contract of DESIGN.md, field for field.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field, model_validator

from assistant.provenance import provenance


class Document(BaseModel):
    doc_id: str
    title: str
    source: str = Field(description="Where the file came from (path as given to ingest).")
    text: str = Field(description="Normalised full text; every offset indexes into it.")
    metadata: dict[str, Any] = Field(default_factory=dict)
    sha256: str = Field(default="", description="Hash of the source file's bytes.")


class Chunk(BaseModel):
    chunk_id: str
    doc_id: str
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    section: str = ""

    @model_validator(mode="after")
    def _span_matches_text(self) -> Chunk:
        if self.end - self.start != len(self.text):
            raise ValueError(f"chunk {self.chunk_id}: span length differs from its text")
        return self


class Passage(BaseModel):
    """A retrieved chunk with the document facts needed to cite it and how it ranked."""

    chunk: Chunk
    title: str
    source: str
    metadata: dict[str, Any] = Field(default_factory=dict)
    score: float = Field(description="Fused reciprocal-rank score (higher is better).")
    dense_rank: int | None = None
    lexical_rank: int | None = None
    similarity: float | None = Field(default=None, description="Cosine similarity to the query.")


class Citation(BaseModel):
    n: int = Field(ge=1)
    doc_id: str
    title: str
    source: str
    chunk_id: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    quote: str
    # Provenance, when the document states it (assistant/provenance.py); all optional.
    source_type: str | None = Field(
        default=None,
        description="What kind of source: 'paper', 'abstract', 'registry', 'interview', "
        "'news', or 'summary' (written for the shipped corpus, not a primary report).",
    )
    publisher: str | None = Field(default=None, description="Who published the document.")
    date: str | None = Field(
        default=None,
        description="Its date, ISO 8601 cut to its precision: 2025, 2025-09 or 2025-09-23.",
    )
    date_precision: Literal["year", "month", "day"] | None = Field(
        default=None, description="How precise `date` is."
    )
    url: str | None = Field(default=None, description="The original document's address.")


class Calculation(BaseModel):
    name: str
    inputs: dict[str, Any]
    result: dict[str, Any]
    text: str
    cited: list[int] = Field(default_factory=list)


class Verdict(BaseModel):
    """The bottom line of an effect question, derived from the cited quotes."""

    label: Literal[
        "significantly_increased",
        "significantly_decreased",
        "no_significant_difference",
        "not_reported",
        "conflicting",
    ] = Field(description="Of the question's first arm relative to its second.")
    confidence: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="The calibrated probability of the label; null when no quote was read "
        "(nothing answered the question).",
    )
    cues: list[str] = Field(
        default_factory=list,
        description="Verbatim spans of the cited quotes the label rests on (a p-value, an "
        "interval, 'no significant difference').",
    )
    cited: list[int] = Field(default_factory=list, description="The citations it rests on.")


class Decision(BaseModel):
    """The bottom line of a yes/no question, derived from the cited quotes."""

    label: Literal["yes", "no", "maybe"] = Field(
        description="What the cited quotes answer: yes, no, or maybe (the evidence leans "
        "neither way)."
    )
    confidence: float | None = Field(
        default=None, ge=0, le=1, description="The calibrated probability of the label."
    )
    cues: list[str] = Field(
        default_factory=list,
        description="Verbatim spans of the cited quotes that agree with the label (a p-value, "
        "'no significant difference', a hedging word).",
    )
    cited: list[int] = Field(default_factory=list, description="The citations it rests on.")


class TableCell(BaseModel):
    """One cell of an evidence table: its text and the citations ([n]) it rests on."""

    text: str
    cited: list[int] = Field(default_factory=list, description="Answer citation numbers.")


class EvidenceTable(BaseModel):
    """A measure across the trials a question names (assistant/answering/tables.py): one row
    per named trial, cells aligned with ``columns``; a trial whose documents do not state the
    measure is a row saying so."""

    columns: list[str]
    rows: list[list[TableCell]]
    note: str | None = Field(
        default=None, description="What the table is not: e.g. a head-to-head comparison."
    )


class Answer(BaseModel):
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = Field(default_factory=list)
    calculations: list[Calculation] = Field(default_factory=list)
    conversation_id: str | None = None
    standalone_question: str | None = Field(
        default=None,
        description="The question that was answered: a follow-up rewritten from the earlier "
        "turns into a question that stands alone (the question itself when nothing needed "
        "rewriting); null when the answer was not asked within a conversation.",
    )
    composer: str = Field(
        default="extractive",
        description="Who wrote the answer text: 'extractive', 'llm', or 'extractive-fallback' "
        "(a language model was configured but its reply could not be used; see warnings).",
    )
    warnings: list[str] = Field(
        default_factory=list, description="Why the answer is not what was asked for, if it is not."
    )
    verdict: Verdict | None = Field(
        default=None,
        description="For an effect question: what the cited evidence shows (null for other "
        "questions, and when the evidence is unclear).",
    )
    decision: Decision | None = Field(
        default=None,
        description="For a yes/no question: yes, no or maybe as the cited evidence answers it "
        "(null for other questions, when nothing was cited, and when the evidence is too "
        "unclear to decide: a warning then says so).",
    )
    table: EvidenceTable | None = Field(
        default=None,
        description="For a question comparing a measure across named trials: one row per "
        "trial (trial, arm, n, design, the measure's value), each cell citing [n] (null "
        "otherwise).",
    )


class DocumentInfo(BaseModel):
    """A document as listed: everything but its text."""

    doc_id: str
    title: str
    source: str
    sha256: str
    chunks: int
    chars: int
    metadata: dict[str, Any] = Field(default_factory=dict)

    @computed_field(description="What the document states of where it comes from.")  # type: ignore[prop-decorator]
    @property
    def provenance(self) -> Provenance:
        return Provenance(**provenance(self.metadata))


class Provenance(BaseModel):
    """Where a document comes from, as far as it states it (assistant/provenance.py)."""

    source_type: str | None = None
    publisher: str | None = None
    date: str | None = None
    date_precision: Literal["year", "month", "day"] | None = None
    url: str | None = None


class Filters(BaseModel):
    """Metadata a passage must match; each field takes one value or a list of accepted values."""

    doc_id: list[str] | None = None
    trial: list[str] | None = None
    nct_id: list[str] | None = None
    source_type: list[str] | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_or_many(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: [v] if isinstance(v, str) else v for k, v in data.items()}
        return data

    def active(self) -> dict[str, list[str]]:
        return {k: v for k, v in self.model_dump().items() if v}

    def matches(self, metadata: dict[str, Any]) -> bool:
        for key, values in self.active().items():
            if key == "doc_id":
                if metadata.get("doc_id") not in values:
                    return False
            elif not set(metadata.get(f"match_{key}") or ()) & {match_key(v) for v in values}:
                return False
        return True


# Metadata fields a filter can select on. A document may name several trials; each chunk stores
# ``match_<field>``: the list of its document's values, compared without case or punctuation, so
# ``--trial "linker smm1"`` finds LINKER-SMM1.
MATCH_FIELDS = ("trial", "nct_id", "source_type")


def match_key(value: Any) -> str:
    return re.sub(r"[^0-9a-z]+", "", str(value).casefold())


def match_values(value: Any) -> list[str]:
    """A metadata value (one or a list) -> the keys a filter compares with it."""
    items = value if isinstance(value, list | tuple) else [value]
    keys = [match_key(v) for v in items if v is not None and not isinstance(v, dict | list)]
    return sorted({k for k in keys if k})
