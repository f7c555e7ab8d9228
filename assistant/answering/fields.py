"""Document fields that answer questions about themselves.

A registry record (and a structured abstract) states its facts as labelled lines: "Overall
status: withdrawn.", "Minimum age: 5 Years.", "Design: allocation: randomized; ...". Such a
line shares few words with the question it answers ("What is the status of this study?", "What
ages could take part?"), and a model trained on papers' prose ranks it below result sentences
that repeat the question's words. ``asked`` tells when a question asks for what a line is the
field of; the engine lets that line lead within one document's scope.

Each field is how its line starts (a label; an arm's name and kind, "Placebo (placebo
comparator):") and the words by which a question asks for it. Only whole labels count:
"Status of the disease was ..." in a paper's prose is not a field line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    line: re.Pattern[str]  # how the field's line starts
    asked: re.Pattern[str]  # how a question asks for it


def _field(line: str, asked: str) -> Field:
    return Field(re.compile(line, re.I), re.compile(asked, re.I))


FIELDS: tuple[Field, ...] = (
    _field(r"(?:overall |recruitment )?status:", r"\bstatus\b|\brecruiting\b|\bwithdrawn\b"),
    _field(r"(?:trial )?acronym:", r"\bacronym\b|\bshort name\b"),
    _field(
        r"(?:study )?design:",
        r"\bdesign(?:ed)?\b|\bmask(?:ed|ing)\b|\bblind(?:ed|ing)?\b|\ballocation\b|\bcross-?over\b",
    ),
    _field(r"enrol(?:l)?ment:", r"\benrol(?:l)?(?:ed|ment|s)?\b|\bsample size\b"),
    _field(
        r"(?:minimum|maximum) age:|ages?:",
        r"\bwhat ages?\b|\bage (?:range|limits?)\b|\bhow old\b|\bages? (?:could|can|were|was)\b",
    ),
    _field(r"dates:", r"\bwhen\b.*\b(?:start|begin|began|finish|end|complete)"),
    _field(r"conditions?:", r"\b(?:what|which) (?:conditions?|diseases?)\b"),
    _field(
        r"interventions?:",
        r"\b(?:what|which) (?:(?:is|are|was|were) the )?interventions?\b"
        r"|\binterventions? (?:is|are|was|were) (?:tested|compared|studied|used)\b",
    ),
    _field(r"official title:", r"\b(?:full|official) title\b"),
    _field(r"NCT\d{8} is an? ", r"\bsponsor(?:ed|s)?\b|\bfund(?:ed|s|ing)?\b|\bwhat phase\b"),
    _field(r"setting:", r"\bwhere\b|\bsetting\b"),
    _field(  # an arm of a registry record: "Placebo (placebo comparator): ..."
        r"[^:]{1,120}\((?:experimental|active comparator|placebo comparator|sham comparator|"
        r"no intervention|other)\):",
        r"\bdos(?:e|es|ed|ing)\b|\bregimen\b|\bschedule\b"
        r"|\bhow (?:was|were|is|are|did) .{1,60}\b(?:given|administered|taken|dosed|receive)\b"
        r"|\bwhat did .{0,40}\b(?:group|arm|participants|patients)s? (?:receive|get)\b",
    ),
)


def lines_asked(question: str) -> tuple[re.Pattern[str], ...]:
    """How the lines of the fields ``question`` asks for start (none for most questions)."""
    return tuple(f.line for f in FIELDS if f.asked.search(question))


def is_line(lines: tuple[re.Pattern[str], ...], sentence: str) -> bool:
    """Whether ``sentence`` starts as one of ``lines``."""
    text = sentence.lstrip()
    return any(line.match(text) for line in lines)


def asked(question: str, sentence: str) -> bool:
    """Whether ``sentence`` is a field line of what ``question`` asks for."""
    return is_line(lines_asked(question), sentence)
