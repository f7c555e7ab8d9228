"""How a question is read for follow-ups: the vocabulary of what trials measure and of what
qualifies a measure, whether a question is self-contained, and the parts of an earlier question
(frame, measure, qualifiers, scope) that ``assistant/conversation/rewrite.py`` rewrites.

The vocabulary is domain vocabulary (outcomes, adverse events, grades, time points), not tied
to any document or question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.language.text import STOPWORDS, is_content, surface_words

# Words that lead into a follow-up without asking anything themselves.
LEAD = re.compile(
    r"^(?:(?:and|but|also|so|then|ok|okay|now|what about|how about|what of|same for|and for)"
    r"\b[\s,]*)+",
    re.I,
)
# First words of a complete question (or request); anything else is a fragment.
QUESTION_START = frozenset(
    """what what's whats which who whom whose when where why how how's is are was were do does
    did can could should would will has have had may might list compare describe explain tell
    give show summarize summarise name define calculate compute find""".split()
)
PREPOSITIONS = frozenset("in of for among at with within across from on by during".split())
ARTICLES = frozenset("the a an".split())
DETERMINERS = ARTICLES | frozenset("any some its their this that these those no each".split())
DEICTIC = re.compile(r"\b(?:this|that|the same|the) (?:trial|study)\b", re.I)
ANAPHORA = re.compile(r"\b(?:that|this|it|its|those|these|them|they|their|the same)\b", re.I)
# Words that join the parts of one measure ("hazard ratio for progression or death").
JOINERS = frozenset("of for or and to".split())
_INSIDE_MEASURE = frozenset("very more most".split())  # "very good partial response"
# A trial the store does not know, named as a proper noun at the end: "in CheckMate 017".
_PROPER_SCOPE = re.compile(
    r"\b(?:in|of|for)\s+(?:the\s+)?(?P<name>[A-Z][\w/-]*(?:\s+[A-Z0-9][\w/-]*)*)\s*$"
)

# What trials measure: a question about only these needs an owner (a trial) to be asked.
_MEASURES = """rate rates response responses responder responders survival progression
    progressed death deaths died mortality event events adverse effect effects side toxicity
    toxicities safety efficacy endpoint endpoints outcome outcomes hazard ratio ratios odds risk
    median mean average age patients patient participants subjects people enrolled enrolment
    enrollment randomized randomised number proportion percentage percent share incidence
    frequency count duration time follow-up dose doses dosing dosage discontinuation
    discontinued dropout withdrawal infection infections pneumonia neutropenia anemia anaemia
    thrombocytopenia hypertension fatigue rash nausea diarrhea fever serious complete partial
    overall objective stringent minimal residual disease negativity relapse recurrence remission
    benefit harm harms cytokine release syndrome neurotoxicity immune effector cell-associated
    hospitalization sample size primary secondary exploratory arm arms group groups cohort
    cohorts difference p-value interval confidence deep depth progression-free event-free
    disease-free very good treatment-emergent treatment-related rates reduction ci
    orr cr crr vgpr pr mr sd pd pfs os dfs efs dor ttp crs icans ae aes sae saes teae teaes hr
    nnt itt mrd pfs2""".split()
# Words that only qualify a measure: a grade, a threshold, a severity.
_QUALIFIERS = """grade grades higher lower above below more less worse greater or and any all
    severe mild moderate high-grade low-grade any-grade all-grade than least most ones serious
    treatment-related treatment-emergent drug-related""".split()
_POPULATION = frozenset(
    "patients participants people those women men children adults older younger elderly".split()
)
_POPULATION_AFTER = frozenset(
    "over under aged older younger above below with without who whose age >= <= > < ≥ ≤".split()
)
GRADE = re.compile(
    r"\b(?:(?:any|all)[- ])?grades?\s*(?:≥|>=)?\s*\d(?:\s*(?:-|–|/|to|or|and)\s*\d)?"
    r"(?:\s+or\s+(?:higher|above|more|worse|greater))?|\b(?:high|low|any|all)-grade\b",
    re.I,
)
TIME_ADJ = re.compile(r"\b\d+(?:\.\d+)?-(?:day|week|month|year)\b", re.I)
TIME_PP = re.compile(
    r"\b(?:at|by|after|within)\s+(?:\d+(?:\.\d+)?|one|two|three|four|five|six|ten|twelve)"
    r"\s*-?\s*(?:days?|weeks?|months?|years?)\b",
    re.I,
)
# An arm: "with lenalidomide", "on placebo", "in the placebo arm", "in each arm".
ARM = re.compile(
    r"\b(?:(?:with|on|receiving)\s+(?!the\s+(?:same|trial|study))[\w/-]+(?:\s+[\w/-]+){0,2}?"
    r"(?=\s+(?:in|of|at|by|for|among|versus|vs)\b|[?.!,]|\s*$)"
    r"|in\s+(?:the\s+|each\s+|both\s+)?(?:[\w/-]+\s+){0,3}?(?:arms?|groups?|cohorts?))",
    re.I,
)
COMPARE = [
    re.compile(
        r"^(?:how|in what way)\s+(?:does|do|did|would|is|was|are|were)\s+(?:that|this|it|those|"
        r"these|they|the same)(?:\s+(?:result|figure|number|rate|finding)s?)?\s+(?:compare|"
        r"stack up|differ|look|fare)\b\s*(?:(?:with|to|against|from|in|for|versus|vs\.?)\b)?"
        r"\s*(?P<target>.*)$",
        re.I,
    ),
    re.compile(
        r"^(?:compare|contrast)\s+(?:that|this|it|those|these|them)\s*(?:(?:with|to|against|"
        r"and)\b)?\s*(?P<target>.+)$",
        re.I,
    ),
    re.compile(
        r"^(?:compared?\s+(?:with|to)|versus|vs\.?|against|relative to|as opposed to)\s+"
        r"(?P<target>.+)$",
        re.I,
    ),
    re.compile(
        r"^(?:is|was|are|were)\s+(?:that|this|it|those|these|they)\s+(?:any\s+)?(?:higher|lower|"
        r"better|worse|greater|smaller|more|less|different|similar)\b\s*(?:(?:than|to|from)\b)?"
        r"\s*(?P<target>.+)$",
        re.I,
    ),
]
# "How does the CRS rate compare with AQUILA?": a comparison that names its own measure.
COMPARE_OWN = re.compile(
    r"^how\s+(?:does|do|did)\s+(?P<measure>.+?)\s+compare\s+(?:with|to|against)\s+"
    r"(?P<target>.+)$",
    re.I,
)


def terms(words: str) -> frozenset[str]:
    return frozenset(term for _, term in surface_words(words))


MEASURE_TERMS = terms(" ".join(_MEASURES))
QUALIFIER_TERMS = terms(" ".join(_QUALIFIERS))


def strip_end(text: str) -> str:
    return text.strip().rstrip("?.!").rstrip()


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def lower_first(text: str) -> str:
    first = text.split()[0] if text.split() else ""
    return text if first.isupper() or first[1:2].isupper() else text[:1].lower() + text[1:]


def first_word(text: str) -> str:
    words = surface_words(text)
    return words[0][0].lower() if words else ""


def without(text: str, names: Sequence[str]) -> str:
    for name in names:
        text = text.replace(name, " ")
    return text


def content_left(text: str, names: Sequence[str]) -> bool:
    """Whether ``text`` asks about anything besides the trial names it writes."""
    return any(is_content(term) for _, term in surface_words(without(text, names)))


def subject_words(text: str) -> list[str]:
    """The content words of ``text`` that name neither a measure nor a qualifier: what the
    question is about when it is not about a trial's figure."""
    out, previous = [], ""
    for surface, term in surface_words(text):
        after_how, previous = previous == "how", surface.lower()
        if after_how or not is_content(term) or not is_content(surface.lower()):
            continue  # "how many", "how often": framing
        if term in MEASURE_TERMS or term in QUALIFIER_TERMS or any(c.isdigit() for c in term):
            continue
        out.append(surface)
    return out


def is_self_contained(question: str, names: Sequence[str]) -> bool:
    """A complete question that needs nothing from an earlier one: it names its own trial, or
    it has a subject of its own and no lead-in or anaphora."""
    if LEAD.match(question) or first_word(question) not in QUESTION_START:
        return False
    if names:
        return True
    return not ANAPHORA.search(question) and len(subject_words(question)) >= 2


def is_population(fragment: str) -> bool:
    """ "patients over 65", "those with CRS", "women": who a figure is about."""
    words = fragment.lower().split()
    return (
        bool(words)
        and words[0] in _POPULATION
        and (
            len(words) == 1
            and words[0] != "patients"
            or len(words) > 1
            and (words[1] in _POPULATION_AFTER or any(ch.isdigit() for ch in words[1]))
        )
    )


def is_qualifier(fragment: str) -> bool:
    """Whether a fragment (no preposition first) only qualifies a measure: "grade 3 or higher",
    "3-year", "serious"."""
    words = surface_words(fragment)
    return bool(words) and all(
        term in QUALIFIER_TERMS or any(ch.isdigit() for ch in term) or not is_content(term)
        for _, term in words
    )


# -- reading the earlier question -------------------------------------------------------------


@dataclass(frozen=True)
class Parts:
    """Where the parts of an earlier question are in its text (``body``: no end mark)."""

    text: str  # the question as written
    body: str
    names: tuple[str, ...]
    scope: tuple[int, int] | None  # "in LINKER-SMM1", "in the final QuiRedex update"
    core: tuple[int, int] | None  # the measure: "overall response rate"
    det_start: int | None  # where "the" before the measure starts, else the measure's start

    def measure_phrase(self) -> str | None:
        """The measure with what follows it up to the end ("the ORR in LINKER-SMM1")."""
        if self.core is None or self.det_start is None:
            return None
        phrase = self.body[self.det_start :]
        if self.det_start == self.core[0]:
            phrase = "the " + phrase
        return phrase


def _scope(body: str, names: Sequence[str]) -> tuple[int, int] | None:
    spans = [(body.find(n), body.find(n) + len(n)) for n in names if n in body]
    if not spans:
        return None
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    before = list(re.finditer(r"[\w/-]+", body[:start]))[-4:]
    for m in reversed(before):
        word = m.group(0).lower()
        if word in PREPOSITIONS:
            start = m.start()
            break
        if word in STOPWORDS and word not in DETERMINERS:
            break
    for _ in range(3):  # "in the final QuiRedex [update]", "of the E3A06 [journal report]"
        word_after = re.match(r"\s+([\w/-]+)", body[end:])
        if (
            not word_after
            or word_after.group(1).lower() in STOPWORDS
            or word_after.group(1)[:1].isupper()
        ):
            break
        end += word_after.end()
    return start, end


def _core(body: str, region_end: int, region_start: int = 0) -> tuple[int, int] | None:
    """The run of measure words just before ``region_end``, arms and time points after it
    left out, joined by "of", "for", "or" ("hazard ratio for progression or death")."""
    region = body[region_start:region_end]
    while True:
        trailing = [
            m
            for pattern in (ARM, TIME_PP)
            for m in pattern.finditer(region)
            if not region[m.end() :].strip(" ,")
            and not (terms(m.group(0)) & MEASURE_TERMS and m.group(0).lower().startswith("with"))
        ]
        if not trailing:
            break
        region = region[: min(m.start() for m in trailing)].rstrip(" ,")
    tokens = list(re.finditer(r"[^\s,;:()]+", region))
    run: list[re.Match] = []
    for m in reversed(tokens):
        word = m.group(0).strip("?.!\"'").lower()
        if word in JOINERS and run:
            run.append(m)
            continue
        if not word or word in STOPWORDS and word not in _INSIDE_MEASURE:
            break
        run.append(m)
    while run and run[-1].group(0).lower() in JOINERS:
        run.pop()
    if not run:
        return None
    return region_start + run[-1].start(), region_start + run[0].end()


def read_question(previous: str, names: Sequence[str]) -> Parts:
    body = strip_end(previous)
    proper = None if names else _PROPER_SCOPE.search(body)
    if proper and not terms(proper.group("name")) <= MEASURE_TERMS:  # not "of ORR"
        names = [proper.group("name")]  # "in CheckMate 017": a trial the store does not know
    scope = _scope(body, names)
    first_content = next(
        (m.start() for m in re.finditer(r"[\w/-]+", body) if is_content(m.group(0).lower())),
        0,
    )
    if scope is not None and scope[0] <= first_content:  # "In AQUILA, what was the ORR?"
        core = _core(body, len(body), scope[1])
    else:
        core = _core(body, scope[0] if scope else len(body))
    det_start = None
    if core is not None:
        det_start = core[0]
        before = re.search(r"([\w']+)\s+$", body[: core[0]])
        if before and before.group(1).lower() in DETERMINERS:
            det_start = before.start(1)
    return Parts(previous, body, tuple(names), scope, core, det_start)
