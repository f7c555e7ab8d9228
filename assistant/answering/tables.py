"""Evidence tables: a measure across the trials a question names, one row per trial.

A question comparing a measure across two or more named trials ("Compare the overall response
rates of A, B and C", "How does the response rate in A compare with B?") is answered trial by
trial: the measure is asked of each trial's documents alone (the engine scopes a question
naming a trial to its documents), and the row takes the best cited sentence holding a figure
and that figure, verbatim (the number gate: a value cell is a figure its quote states, else
"not stated"). The arm and n are read from the same quote when it states them; the design
(randomised / single-arm) from a sentence of the trial's documents that says so. A trial
whose documents do not state the measure is a row saying so, never dropped. The answer text
is one cited sentence per stated value (and design), so every [n] stays a verbatim quote.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.answering.numeric import figures_in
from assistant.language.text import sentence_spans
from assistant.models import Answer, Citation, EvidenceTable, Filters, TableCell
from assistant.provenance import provenance

NOT_STATED = "not stated"
NO_FIGURE = "no figure stated"  # the trial's best sentence answers in words: see its quote
NOTE = (
    "Results of different trials, not head-to-head comparisons: populations, arms and "
    "follow-up differ. Randomised and single-arm results are marked in the Design column."
)

_COMPARES = re.compile(
    r"\b(compar\w*|versus|vs\.?|differ\w*|against|side by side|across|between|"
    r"which (?:trials?|studies))", re.I
)  # fmt: skip
# Words that frame a comparison rather than name its measure, trimmed from the measure's ends.
_FRAME = {
    "a", "above", "across", "against", "all", "among", "an", "and", "are", "as", "between",
    "by", "can", "compare", "compared", "compares", "comparing", "comparison", "did", "differ",
    "different", "difference", "differences", "do", "does", "for", "from", "how", "in", "is",
    "me", "of", "on", "or", "please", "reported", "say", "says", "show", "showed", "side",
    "studies", "study", "tell", "than", "that", "the", "their", "those", "to", "trial",
    "trials", "versus", "vs", "was", "were", "what", "which", "with", "within",
}  # fmt: skip
_WORD = re.compile(r"[\w%][\w%\-/.]*")

RANDOMISED = re.compile(
    r"(?<![\w-])randomi[sz](?:ed|ation)\b|\brandomly (?:assigned|allocated)\b", re.I
)
SINGLE_ARM = re.compile(
    r"\bsingle[- ](?:arm|group|cohort)\b|\bnon-?randomi[sz]ed\b|\bone[- ]arm\b",
    re.I,
)
# A sentence about a trial still to come does not state this one's design.
_PLANNED = re.compile(r"\b(next|will|planned|plans?|future|upcoming|proposed)\b", re.I)
_UNIT = re.compile(
    r"\b\d+(?:\.\d+)?\s*(?:months?|years?|weeks?|days?|mg|g/dL)\b|\bHR\s*(?:=|of)?\s*\d\.\d+", re.I
)
_N_EQUALS = re.compile(r"\bn\s*=\s*(\d[\d,]*)", re.I)
_N_PATIENTS = re.compile(r"\b(\d[\d,]*)\s+(?:\w+\s+){0,2}(?:patients|participants|people)\b", re.I)
_ARM_AFTER = re.compile(
    r"^\s*(?:\([^)]*\)\s*)?(?:with\s+(?P<arm>[A-Za-z][\w\-+ ]{1,40}?)"
    r"|in\s+the\s+(?P<grouped>[A-Za-z][\w\-+ ]{1,40}?)\s+(?:arm|group))"
    r"(?=\s*(?:versus|vs\b|compared|and\b|,|;|\.|\(|$))"
)
_WITH_BEFORE = re.compile(r"\bwith\s+(?P<arm>[A-Za-z][\w\-+ ]{1,40}?)\s+(?:was|were|of)\s*$")
_ARM_BEFORE = re.compile(r"(?P<arm>[A-Za-z][\w\-+ ]{1,40}?)\s*(?:\(n\s*=\s*\d+\))?\s*:\s*$")


@dataclass
class Comparison:
    """What a comparison question asks: the measure, and each named trial with its docs."""

    measure: str
    trials: list[tuple[str, set[str]]]
    # Each trial's own arm, when the question gives every trial one ("the response rates with
    # daratumumab in A and with lenalidomide in B"): trial name -> "with daratumumab".
    arms: dict[str, str] = field(default_factory=dict)


def parse(question: str, named: list[tuple[str, set[str], int]]) -> Comparison | None:
    """The measure and trials of a question comparing a measure across two or more named
    trials; None for any other question. ``named``: TrialNames.each(question)."""
    if len(named) < 2 or not _COMPARES.search(question):
        return None
    # The measure: the longest stretch between the names, its framing words trimmed.
    cuts = [0]
    for name, _, at in named:
        cuts += [at, at + len(name)]
    cuts.append(len(question))
    best = ""
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):
        words = _WORD.findall(question[a:b])
        while words and words[0].casefold().rstrip(".") in _FRAME:
            words.pop(0)
        while words and words[-1].casefold().rstrip(".") in _FRAME:
            words.pop()
        if len(" ".join(words)) > len(best):
            best = " ".join(words)
    if not best:
        return None
    trials = [(name, docs) for name, docs, _ in named]
    # "with X in A and with Y in B": each trial's arm is the "with ..." right before its name.
    arms: dict[str, str] = {}
    for (name, _, at), start in zip(named, [0] + [at + len(n) for n, _, at in named], strict=False):
        if m := _OWN_ARM.search(question[start:at]):
            arms[name] = f"with {m.group('arm')}"
    if len(arms) == len(named) and len(set(arms.values())) == len(arms):
        measure = _OWN_ARM.sub("", best + " in").strip()
        if measure:
            return Comparison(measure=measure, trials=trials, arms=arms)
    return Comparison(measure=best, trials=trials)


def columns(measure: str) -> list[str]:
    """The table's columns: the value beside the trial, then what to read it with."""
    return ["Trial", measure, "Design", "Arm", "n"]


_OWN_ARM = re.compile(r"\s*\bwith\s+(?:the\s+)?(?P<arm>[\w\-+ ]+?)\s+(?:in|for|of)\s*$", re.I)


def measure_question(measure: str, trial: str, arm: str = "") -> str:
    return f"What was the {measure}{' ' + arm if arm else ''} in {trial}?"


def scoped(filters: Filters | None, docs: set[str]) -> Filters:
    """The request's filters narrowed to one trial's documents."""
    base = filters.model_dump() if filters else {}
    allowed = set(base.get("doc_id") or docs) & docs
    return Filters(**(base | {"doc_id": sorted(allowed) or ["-"]}))


@dataclass
class Found:
    """What one trial's documents state of the measure (quotes as citations, unnumbered)."""

    value: str | None = None
    value_quote: Citation | None = None
    arm: str | None = None
    n: str | None = None
    design: str | None = None
    design_quote: Citation | None = None
    wordy: Citation | None = None  # the best answer sentence when none states a figure


def value_in(quote: str) -> tuple[str, int, int] | None:
    """The measure's figure in a quote, verbatim, with its span: a percent, else a count pair,
    else a figure with a unit (months, a hazard ratio)."""
    figures = figures_in(quote)
    if figures.percents:
        p = figures.percents[0]
        return quote[p.start : p.end], p.start, p.end
    if figures.pairs:
        pair = figures.pairs[0]
        return quote[pair.start : pair.end], pair.start, pair.end
    if m := _UNIT.search(quote):
        return m.group(0), m.start(), m.end()
    return None


def arm_in(quote: str, start: int, end: int) -> str | None:
    """The arm a figure belongs to, as the quote words it: "63.4% with daratumumab",
    "Daratumumab (n=194): 63.4%"."""
    if m := _ARM_AFTER.match(quote[end:]):
        return (m.group("arm") or m.group("grouped")).strip()
    if m := _WITH_BEFORE.search(quote[max(0, start - 60) : start]):
        return m.group("arm").strip()
    if m := _ARM_BEFORE.search(quote[max(0, start - 60) : start]):
        arm = re.split(r"[;—–]|\s-\s", m.group("arm"))[-1].strip()
        return arm or None
    return None


def n_in(quote: str, start: int, end: int) -> str | None:
    """The number of patients behind a figure, verbatim: "n=194" nearest it, else the pair's
    total, else "<N> patients"."""
    near = [m for m in _N_EQUALS.finditer(quote)]
    if near:
        nearest = min(near, key=lambda m: abs(m.start() - start))
        return nearest.group(1)
    for pair in figures_in(quote).pairs:
        if pair.start >= end - 1 or abs(pair.start - end) <= 3 or pair.start <= start:
            return str(pair.total)
    if m := _N_PATIENTS.search(quote):
        return m.group(1)
    return None


def design_of(text: str) -> str | None:
    """'randomised' or 'single-arm' when the sentence states one (and not both), else None."""
    if _PLANNED.search(text):
        return None
    randomised, single = bool(RANDOMISED.search(text)), bool(SINGLE_ARM.search(text))
    if randomised == single:
        return None
    return "randomised" if randomised else "single-arm"


def design_quote(
    store, docs: set[str], name: str, others: list[str], limit: int
) -> tuple[str, Citation] | None:
    """The first sentence of the trial's documents stating its design (naming the trial or in
    a design section, and naming no other trial the question names)."""
    whole = store.chunks_matching(Filters(doc_id=sorted(docs)), limit) or []
    key = _key(name)
    for chunk, meta in sorted(whole, key=lambda found: (found.chunk.doc_id, found.chunk.start)):
        for span in sentence_spans(chunk.text):
            text = chunk.text[span.start : span.end]
            about = key in _key(text) or "design" in chunk.section.casefold()
            if not about or any(_key(o) in _key(text) for o in others):
                continue
            design = design_of(text)
            if design:
                citation = Citation(
                    n=1,
                    doc_id=chunk.doc_id,
                    title=meta.get("title", ""),
                    source=meta.get("source", ""),
                    chunk_id=chunk.chunk_id,
                    start=chunk.start + span.start,
                    end=chunk.start + span.end,
                    quote=text,
                    **provenance({m: v for m, v in meta.items() if not m.startswith("match_")}),
                )
                return design, citation
    return None


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


def found_in(answer: Answer) -> Found:
    """The best cited sentence of a measure answer that holds a figure, and what it states."""
    found = Found()
    if answer.abstained:
        return found
    found.wordy = answer.citations[0] if answer.citations else None
    for citation in answer.citations:  # in the engine's order: the best first
        hit = value_in(citation.quote)
        if hit is None:
            continue
        value, start, end = hit
        assert value in citation.quote  # the number gate, by construction
        found.value, found.value_quote = value, citation
        found.arm = arm_in(citation.quote, start, end)
        found.n = n_in(citation.quote, start, end)
        d = design_of(citation.quote)
        if d:
            found.design, found.design_quote = d, citation
        break
    return found


def build(
    question: str,
    comparison: Comparison,
    ask: Callable[[str, Filters], Answer],
    store,
    filters: Filters | None,
    conversation_id: str,
    limit: int = 400,
) -> Answer:
    """The comparison's answer: one row per named trial, its text one cited sentence per
    stated value and design, its citations numbered in the order the text cites them."""
    citations: list[Citation] = []
    sentences: list[str] = []

    def cite(c: Citation) -> int:
        for have in citations:
            if (have.doc_id, have.start, have.end) == (c.doc_id, c.start, c.end):
                return have.n
        citations.append(c.model_copy(update={"n": len(citations) + 1}))
        sentences.append(f"{c.quote} [{len(citations)}]")
        return len(citations)

    rows: list[list[TableCell]] = []
    names = [name for name, _ in comparison.trials]
    designs: set[str] = set()
    for name, docs in comparison.trials:
        asked = measure_question(comparison.measure, name, comparison.arms.get(name, ""))
        found = found_in(ask(asked, scoped(filters, docs)))
        if found.design is None:
            others = [o for o in names if o != name]
            if stated := design_quote(store, docs, name, others, limit):
                found.design, found.design_quote = stated
        trial = TableCell(text=name)
        if found.value_quote is None and found.wordy is not None:
            # An answer in words ("no high-grade CRS"): cited, but no figure for the cell.
            w = cite(found.wordy)
            trial = TableCell(text=name, cited=[w])
            value = TableCell(text=NO_FIGURE, cited=[w])
            arm = n = TableCell(text=NOT_STATED)
        elif found.value_quote is None:
            sentences.append(f"The documents of {name} do not state the {comparison.measure}.")
            value = arm = n = TableCell(text=NOT_STATED)
        else:
            v = cite(found.value_quote)
            trial = TableCell(text=name, cited=[v])
            value = TableCell(text=found.value, cited=[v])
            arm = TableCell(text=found.arm or NOT_STATED, cited=[v] if found.arm else [])
            n = TableCell(text=found.n or NOT_STATED, cited=[v] if found.n else [])
        if found.design_quote is not None and found.design:
            designs.add(found.design)
            design = TableCell(text=found.design, cited=[cite(found.design_quote)])
        else:
            design = TableCell(text=NOT_STATED)
        rows.append([trial, value, design, arm, n])
    if not citations:
        return Answer(
            question=question,
            answer=f"No document of {', '.join(names)} states the {comparison.measure}.",
            abstained=True,
            conversation_id=conversation_id,
            table=EvidenceTable(columns=columns(comparison.measure), rows=rows, note=NOTE),
        )
    sentences.append(NOTE)
    return Answer(
        question=question,
        answer=" ".join(sentences),
        abstained=False,
        citations=citations,
        conversation_id=conversation_id,
        table=EvidenceTable(columns=columns(comparison.measure), rows=rows, note=NOTE),
    )


def table_markdown(table: EvidenceTable) -> str:
    """The table as Markdown, each cell's citations as [n] after its text."""

    def cell(c: TableCell) -> str:
        marks = "".join(f"[{n}]" for n in c.cited)
        text = f"{c.text} {marks}".strip()
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(h.replace("|", "\\|") for h in table.columns) + " |"]
    lines.append("|" + "---|" * len(table.columns))
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in table.rows]
    if table.note:
        lines += ["", table.note]
    return "\n".join(lines)
