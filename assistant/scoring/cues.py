"""The cues the answer scorer reads in text: the kind of section a heading names, the
heading-like lines of a chunk, what a sentence holds (figures, percentages, p-values,
intervals, counts, identifiers, doses) and what a question asks for (a number, an effect,
yes/no, a population, safety, an identifier, a dose). ``assistant.scoring.scorer`` turns them
into features, in the order ``SCALAR_FEATURES`` names.
"""

from __future__ import annotations

import re

# The kinds of section a heading names, in the order of the one-hot features.
SECTION_KINDS = ("abstract", "background", "methods", "results", "discussion", "back_matter")
_SECTION_WORDS = {
    "abstract": r"abstract|summary|title",
    "background": r"background|introduction|rationale|objective|aim",
    "methods": r"method|design|patients|participants|subjects|population|procedure|statistic|"
    r"intervention|treatment|outcome measure|endpoint|randomi[sz]|eligib|setting|protocol|"
    r"sample size|arm",
    "results": r"result|finding|efficacy|safety|adverse|toxicit|response|survival|outcome",
    "discussion": r"discussion|conclusion|interpretation|limitation|implication|comment",
    "back_matter": r"reference|acknowledg|competing|conflict|contribution|funding|abbreviation|"
    r"pre-publication|supplementary|disclosure|author|declaration|financial|sponsorship",
}
_SECTION_RES = {k: re.compile(v, re.I) for k, v in _SECTION_WORDS.items()}
_HEADING_LINE = re.compile(r"^[ \t]*([^\n]{2,80}?)[ \t]*$", re.M)

_DIGIT = re.compile(r"\d")
_PERCENT = re.compile(r"\d\s?%|\bper ?cent\b", re.I)
_P_VALUE = re.compile(r"\bp\s*[<>=≤≥]|\bp-?value|\bp\s*=", re.I)
_INTERVAL = re.compile(r"\b(ci|confidence interval|95%|iqr|range|sd|se)\b", re.I)
_SIGNIFICANT = re.compile(r"significan|did not differ|no difference|similar|comparable", re.I)
_COUNT = re.compile(
    r"\b\d+\s*/\s*\d+\b|\bn\s*=\s*\d+|\b\d+\s+(patients|participants|subjects|women|men|"
    r"children|infants|adults|people|individuals|cases)\b",
    re.I,
)
_IDENTIFIER = re.compile(r"\bNCT\d{8}\b|\bISRCTN\d+|\b(EudraCT|ACTRN|ChiCTR|CTRI)\b", re.I)
_DOSE = re.compile(r"\b\d+(\.\d+)?\s*(mg|g|mcg|µg|ug|ml|iu|units?|mg/kg|mg/m2|mmol)\b", re.I)

_Q_NUMBER = re.compile(
    r"\b(how many|how much|how long|how often|number|rate|percent|percentage|proportion|"
    r"median|mean|average|incidence|frequency|dose|dosage|duration|age|ratio)\b|%",
    re.I,
)
_Q_EFFECT = re.compile(
    r"\b(effect|compared?|comparison|versus|vs|reduce|increase|improve|better|worse|differ|"
    r"difference|lower|higher|superior|inferior)\b",
    re.I,
)
_Q_YESNO = re.compile(r"^\s*(did|does|do|was|were|is|are|can|could|has|have|had|will)\b", re.I)
_Q_WHO = re.compile(r"\b(who|which patients|population|enrolled|eligible|inclusion|criteria)\b",
                    re.I)  # fmt: skip
_Q_SAFETY = re.compile(r"\b(adverse|safety|side effect|toxicit|harm|tolera)", re.I)
_Q_IDENTIFIER = re.compile(r"\b(identifier|nct|registration|registry|registered|id)\b", re.I)
_Q_DOSE = re.compile(r"\b(dose|dosage|dosing|regimen|mg|administered|given)\b", re.I)


def section_flags(heading: str) -> list[float]:
    """One-hot kind of section (the last kind the heading names wins), plus 'in the abstract'."""
    kinds = [0.0] * len(SECTION_KINDS)
    best, at = None, -1
    for i, kind in enumerate(SECTION_KINDS):
        for m in _SECTION_RES[kind].finditer(heading):
            if m.start() >= at:
                best, at = i, m.start()
    if best is not None:
        kinds[best] = 1.0
    in_abstract = 1.0 if re.search(r"abstract", heading, re.I) else 0.0
    return kinds + [in_abstract]


def headings_in(text: str) -> list[tuple[int, str]]:
    """(offset, line) of the heading-like lines of a text: short, with a letter, without a
    sentence's closing punctuation (a trailing colon is allowed)."""
    found = []
    for m in _HEADING_LINE.finditer(text):
        line = m.group(1)
        if not re.search(r"[A-Za-z]", line) or line.endswith((".", ",", ";", ")")):
            continue
        if len(line.split()) <= 8:
            found.append((m.start(1), line.rstrip(":")))
    return found


def sentence_cues(text: str) -> list[bool]:
    """Whether the sentence holds a digit, a percentage, a p-value, an interval, a statement
    of (no) significance, a count, a trial identifier, a dose."""
    return [
        bool(_DIGIT.search(text)),
        bool(_PERCENT.search(text)),
        bool(_P_VALUE.search(text)),
        bool(_INTERVAL.search(text)),
        bool(_SIGNIFICANT.search(text)),
        bool(_COUNT.search(text)),
        bool(_IDENTIFIER.search(text)),
        bool(_DOSE.search(text)),
    ]


def question_cues(question: str) -> list[bool]:
    """Whether the question asks for a number, an effect, yes or no, who was studied, safety,
    an identifier, a dose."""
    return [
        bool(_Q_NUMBER.search(question)),
        bool(_Q_EFFECT.search(question)),
        bool(_Q_YESNO.search(question)),
        bool(_Q_WHO.search(question)),
        bool(_Q_SAFETY.search(question)),
        bool(_Q_IDENTIFIER.search(question)),
        bool(_Q_DOSE.search(question)),
    ]
