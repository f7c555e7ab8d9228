"""Kinds of question every trial report answers, and the sentences that answer each kind.

Clinicians ask the same few things of any trial: how many took part and how many were
randomised to each arm, who was enrolled, what each group was given, what dose and how often,
how the groups were formed and who was blinded, what the primary endpoint was, what kind of
study it was and who ran it, how long patients were followed. A paper answers each in a
sentence of a recognisable shape ("561 and 542 patients were randomised to ...", "Patients
aged 65 or older were eligible", "10 mg/day"), and that shape is worth more than the words the
question happens to share with the paper's aims and background. ``kind_of`` reads the kind of a
question; ``Kind.answers`` tells whether a sentence (read with its heading) has that shape, and
``Kind.frame`` which of the question's words ask for the kind ("took part", "how often"). The
ranking (``assistant/answering/ranking.py``) lifts the sentences of the asked kind and lets them
answer the frame by their shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant.answering.aims import NUMBER_WORDS

# Who a trial counts or enrols.
PEOPLE = (
    r"(?:patients|participants|subjects|people|persons|children|infants|neonates|newborns|"
    r"women|men|adults|volunteers|individuals|mothers|students|inpatients|outpatients|"
    r"residents|physicians|doctors|nurses|workers|smokers|survivors|couples|families|"
    r"households|pupils|girls|boys|cases|eyes|clinics|practices|hospitals|schools)"
)
NUMBER = rf"(?:\d[\d,]*|{NUMBER_WORDS})"
_JOINED = (
    r"randomi[sz]ed|randomly|assigned|allocated|enrolled|enrolment|enrollment|recruited|"
    r"included|participated|took part|entered|consented|started|underwent|completed"
)
_TAKING_PART = rf"(?:{_JOINED})"
# A question may count those studied or analysed; a sentence counting those analysed is a
# measurement's denominator more often than the trial's size.
_ASKED_PART = rf"(?:{_JOINED}|studied|analy[sz]ed)"


@dataclass(frozen=True)
class Kind:
    """A kind of question and the shape of a sentence answering it."""

    name: str
    asked: re.Pattern[str]
    answer: re.Pattern[str]
    apart: bool = False  # asked for each group: an answer gives more than one figure
    heading: bool = False  # a sentence under a heading of the shape answers too
    # The words that ask for the kind (beside who is counted); the others of a question
    # ("how many COPD patients") say what it is about.
    asking: frozenset[str] = frozenset()
    # Asks how the trial was run ("Were they randomly allocated?"): a yes or no to it comes
    # from the methods, never from a p-value of the results.
    conduct: bool = False

    def frame(self, question: str) -> frozenset[str]:
        """The words of ``question``, when it is of this kind, that ask for the kind ("how
        many ... took part", "who could join", "how often were the visits held"): a sentence
        of the kind's shape answers them by its shape, whether or not it repeats them. The
        others ("how many COPD patients") say what the question is about."""
        if not self.asked.search(question):
            return frozenset()
        return frozenset(_WORDS.findall(question.lower())) & (self.asking | PEOPLE_WORDS)

    def answers(self, text: str, heading: str = "") -> bool:
        """Whether a sentence, read under ``heading``, has the shape of an answer."""
        if not (self.answer.search(text) or (self.heading and self.answer.search(heading))):
            return False
        return not self.apart or len(_FIGURES.findall(text)) >= 2


_WORDS = re.compile(r"[a-z][a-z-]*")
PEOPLE_WORDS = frozenset(_WORDS.findall(PEOPLE))


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_FIGURES = re.compile(rf"(?<![\w.]){NUMBER}(?![\w.]\d)", re.I)

# Each group asked apart: "in each arm", "to A and to B", "how many men and how many women".
_APART = re.compile(
    r"\b(?:each|both|per (?:group|arm)|respectively)\b|\bwhich (?:arms|groups)\b"
    r"|\bto\b[^?]+\band (?:to|in)\b|\bhow many\b.+\bhow many\b",
    re.I,
)

_SIZE = Kind(
    "size",
    re.compile(
        rf"\bhow many (?:[\w-]+ ){{0,3}}?{PEOPLE}\b(?:[^?]*?\b{_ASKED_PART}\b"
        rf"|(?: and (?:[\w-]+ ){{0,2}}?{PEOPLE})? (?:(?:were|was) (?:there )?)?(?:in|studied|on) "
        r"(?:the|this|each|both)?)"
        rf"|\bhow many (?:were|was|had been) {_ASKED_PART}\b"
        r"|\bsample size\b|\bhow large was (?:the|this) (?:trial|study)\b",
        re.I,
    ),
    re.compile(
        rf"\b{NUMBER}\b[^.;]{{0,60}}\b{PEOPLE}\b[^.;]{{0,80}}\b{_TAKING_PART}\b"
        rf"|\b{_TAKING_PART}\b[^.;]{{0,40}}\b{NUMBER}\b[^.;]{{0,30}}\b{PEOPLE}\b"
        rf"|\b(?:groups?|arms?) of {NUMBER}\b|\bn\s*=\s*\d|\bEnrollment: \d|^[^:]*, started: ",
        re.I,
    ),
    asking=_words(
        "how many were was had been randomised randomized randomly assigned allocated "
        "enrolled enrolment enrollment recruited included participated took part entered "
        "consented started underwent completed studied analysed analyzed there in on "
        "sample size large"
    ),
)
_POPULATION = Kind(
    "population",
    re.compile(
        r"^\s*who (?:was|were) (?:enrolled|included|eligible|studied|recruited|randomi[sz]ed|"
        rf"treated|in|the {PEOPLE})\b|^\s*who (?:took part|participated)\b"
        rf"|\b(?:which|what) {PEOPLE} (?:took part|participated|were (?:enrolled|included|"
        r"studied|recruited))\b"
        r"|\bwho could (?:join|take part|enrol|enroll|be included)\b"
        r"|\bwhat (?:kind of |sort of |type of )?(?:patients|participants|population|people|"
        r"subjects)\b[^?]*\b(?:enrolled|included|eligible|studied|recruited|take part|join)"
        r"|\b(?:inclusion|eligibility|entry) criteria\b|\bwho was eligible\b"
        r"|\b(?:to|could|can) (?:join|enter|enrol|enroll|take part in|be (?:included|eligible))\b",
        re.I,
    ),
    re.compile(
        r"\b(?:inclusion criteria|eligib\w*|were included if|entry criteria|were enrolled|"
        r"were recruited|consecutive|aged\s+(?:\d|between|over|under|from)|years of age|"
        r"years old|older than|younger than|(?:mean|median|average) age)\b"
        # "Sixty adults with relapsed lymphoma", "120 women undergoing caesarean section"
        rf"|\b{NUMBER} (?:[\w-]+ ){{0,3}}?{PEOPLE} (?:with|who|aged|undergoing|receiving|"
        r"scheduled|admitted|attending|diagnosed|suffering|living)\b",
        re.I,
    ),
    heading=True,
    asking=_words(
        "who what which kind sort type population were was enrolled included eligible "
        "studied recruited randomised randomized treated took part participated join "
        "enter enrol enroll take be could can inclusion eligibility entry criteria"
    ),
)
DOSE = Kind(
    "dose",
    re.compile(
        r"^(?!\s*(?:how long|how soon|when)\b)(?:[^?]*?\b(?:doses?|dosed|dosing|dosage|regimens?)\b"
        r"|[^?]*?\bhow much\b[^?]*\b(?:given|taken|received|administered|infused|injected)\b)",
        re.I,
    ),
    # An amount of drug ("10 mg/day", "1.5 mL/kg"), not a concentration measured ("2 mg/L"):
    # the ranking's figure check for a dose question reads it too.
    re.compile(
        r"\d\s*(?:mg|g|µg|μg|mcg|ng|iu|units?|ml|mmol|meq|gy)(?![a-z])(?!\s*/\s*(?:d?l|ml)\b)",
        re.I,
    ),
    asking=_words(
        "dose doses dosed dosing dosage regimen regimens how much given taken received "
        "administered infused injected"
    ),
)
_ENDPOINT = Kind(
    "endpoint",
    re.compile(
        r"^\s*what (?:was|were|is|are) (?:the|its|this (?:trial|study)'s) "
        r"(?:primary|main|principal|secondary) (?:outcomes?|end ?points?)(?: measures?)?"
        # "... in the online therapy trial, and when was it measured?"
        r"(?: (?:in|of) (?:the|this) [^?,]*?\b(?:trial|study))?\s*(?:\?|,|$)"
        r"|\bwhat did (?:the|this) (?:trial|study) (?:measure|assess) as\b",
        re.I,
    ),
    re.compile(
        r"\b(?:primary|main|principal|secondary) (?:efficacy )?(?:outcomes?|end ?points?|"
        r"measures?|variables?)\b",
        re.I,
    ),
    asking=_words(
        "primary main principal secondary outcome outcomes endpoint endpoints end point "
        "points measure measures assess"
    ),
)
_DESIGN = Kind(
    "design",
    re.compile(
        r"\bwhat (?:kind|type|sort) of (?:study|trial)\b|\b(?:study|trial) design\b"
        r"|\bhow was (?:the|this|it) (?:study|trial)? ?designed\b|\bwhat design\b",
        re.I,
    ),
    re.compile(
        r"\b(?:randomi[sz]ed|double[- ]blind(?:ed)?|single[- ]blind(?:ed)?|placebo[- ]controlled|"
        r"open[- ]label|cross-?over|observational|cohort|case[- ]control|cross-sectional|"
        r"prospective|retrospective|pilot|non-?inferiority|equivalence|phase (?:[1-4]|i{1,3}|iv)|"
        r"multi-?cent(?:re|er)|parallel[- ]group|factorial|cluster|controlled)\b"
        r"[^.;]{0,80}\b(?:trial|study|design)\b",
        re.I,
    ),
    asking=_words("kind type sort study trial design designed"),
    conduct=True,
)
_SPONSOR = Kind(
    "sponsor",
    re.compile(
        r"\bwho (?:ran|runs|run|sponsored|funded|paid for|conducted|led|organi[sz]ed|financed)\b"
        r"|\b(?:sponsor|funder|funding)\b",
        re.I,
    ),
    re.compile(
        r"\b(?:sponsor\w*|funded|funding|grants?|supported by|financ\w+|conducted (?:at|in|by))\b",
        re.I,
    ),
    asking=_words(
        "who ran runs run sponsored funded paid conducted led organised organized "
        "financed sponsor funder funding"
    ),
)
_FOLLOW_UP = Kind(
    "follow-up",
    re.compile(
        r"\bhow long\b[^?]*\bfollow\w*|\b(?:length|duration) of (?:the )?follow[- ]?up\b"
        r"|\bwhen (?:were|was|did)\b[^?]*\b(?:re-?assessed|re-?evaluated|re-?examined|"
        r"followed(?: up)?|seen again|come back|return)\b",
        re.I,
    ),
    re.compile(r"\bfollow(?:ed)?[- ]?(?:up)?\b[^.;]{0,60}\d|\d[^.;]{0,40}\bfollow[- ]?up\b", re.I),
    asking=_words(
        "how long follow followed follow-up length duration when were was did reassessed "
        "re-assessed reevaluated re-evaluated reexamined re-examined up seen again come back "
        "return"
    ),
)

# How often and how long a treatment was given: "twice a week for 6 weeks", "10 sessions".
_SCHEDULE = Kind(
    "schedule",
    re.compile(
        # "How often" of a treatment, not of an event ("How often did patients get numbness?")
        r"\bhow (?:often|frequently)\b(?=[^?]*\b(?:given|delivered|held|administered|received|"
        r"attended|taken|applied|performed|done|used|worn|repeated|sessions?|treatments?|therapy|"
        r"classes|visits|doses|injections|infusions)\b)"
        r"|\bschedule\b|\bhow many (?:sessions|visits|cycles|"
        r"courses|treatments|times)\b|\bhow long (?:was|were|did) (?:each|every|a|the) "
        r"(?:session|treatment|course|class|programme|program|intervention|therapy)",
        re.I,
    ),
    re.compile(
        rf"\b(?:once|twice|thrice|{NUMBER} times)\b(?: a| per| each| every)? ?(?:day|daily|week|"
        r"weekly|month|monthly|year)|\b(?:daily|weekly|fortnightly|monthly)\b"
        rf"|\bevery {NUMBER}? ?(?:days?|weeks?|hours?|months?)\b"
        rf"|\b{NUMBER}[- ](?:sessions?|visits?|cycles?|courses?|classes)\b"
        rf"|\b{NUMBER}[- ](?:min|minutes?|h|hours?)(?: long)? (?:sessions?|classes|each)\b"
        r"|\bper (?:day|week|month)\b",
        re.I,
    ),
    asking=_words(
        "given delivered held administered received attended taken applied performed done "
        "used worn repeated how often frequently schedule many sessions visits cycles "
        "courses treatments times long each every session treatment course class programme "
        "program "
        "intervention therapy"
    ),
)
# How the groups were formed and who was kept unaware of them.
_ALLOCATION = Kind(
    "allocation",
    re.compile(
        r"\bhow (?:were|was) (?:[\w-]+ ){0,3}?(?:allocated|assigned|randomi[sz]ed|divided|"
        r"split)\b|\b(?:randomly|randomi[sz]ed|by chance) (?:allocated|assigned|divided)\b"
        r"|\bwho was (?:blinded|masked)\b|\b(?:blinding|masking|allocation concealment)\b"
        r"|\bwere (?:[\w-]+ ){0,6}?randomi[sz]ed\s*\?",
        re.I,
    ),
    re.compile(
        r"\b(?:randomly|randomi[sz]ed|randomi[sz]ation|allocat\w+|assigned)\b[^.;]{0,120}"
        r"\b(?:computer|table|envelopes?|blocks?|stratif\w+|sequence|lottery|1:1|ratio|"
        r"list|coin|concealed|minimi[sz]ation)\b"
        r"|\b(?:blinded|masked|unaware|blind to)\b",
        re.I,
    ),
    asking=_words(
        "how allocated assigned randomised randomized divided split randomly chance "
        "blinded masked blinding masking allocation concealment"
    ),
    conduct=True,
)

# What each group was given: "What did the three groups get?", "Which antibiotics did each arm
# start on?", "What did the volunteers receive?". Answered by a sentence saying what a group or
# arm received, or a registry record's arm line ("Placebo (placebo comparator): ...").
_ARMS = Kind(
    "arms",
    re.compile(
        r"\bwhat (?:did|do|does) (?:the |each |both |either )?(?:[\w-]+ ){0,3}?(?:groups?|arms?)\b"
        r"[^?]*\b(?:get|receive|take|start|drink|eat|use|consist)\b"
        r"|\bwhich [\w-]+(?: [\w-]+)? did (?:each|both|the|either) (?:[\w-]+ )?(?:groups?|arms?)\b"
        rf"|\bwhat did (?:the )?(?:[\w-]+ )?{PEOPLE} (?:(?:in|of) [^?]*?)?"
        r"(?:get|receive|drink|eat|take|use)\b"
        r"|\bwhat (?:were|was) the (?:interventions?|study arms|arms|treatment (?:arms|groups))\b",
        re.I,
    ),
    re.compile(
        r"\b(?:groups?|arms?|cohorts?)\b[^.;]{0,80}\b(?:received|receiving|were given|was given|"
        r"got|took|consumed|drank|(?:were|was) treated with|(?:were|was) instructed|used|underwent|"
        r"based on|consisted of)\b"
        r"|\b(?:received|were given|to receive)\b[^.;]{0,120}\b(?:or|versus|vs)\b"
        r"|\((?:experimental|active comparator|placebo comparator|sham comparator|"
        r"no intervention)\):",
        re.I,
    ),
    asking=_words(
        "what which did do does each both either group groups arm arms get receive take start "
        "drink eat use consist were was interventions intervention study treatment"
    ),
    conduct=True,
)

# In order: the first kind a question is of is the one asked (a count before a population).
KINDS = (
    _SIZE,
    _FOLLOW_UP,
    DOSE,
    _ENDPOINT,
    _DESIGN,
    _SPONSOR,
    _ALLOCATION,
    _SCHEDULE,
    _ARMS,
    _POPULATION,
)


def kind_of(question: str) -> Kind | None:
    """The kind of ``question``, with ``apart`` set when it asks for each group, or None."""
    for kind in KINDS:
        if kind.asked.search(question):
            if kind is _SIZE and _APART.search(question):
                return replace(kind, apart=True)
            return kind
    return None


def asks_conduct(question: str) -> bool:
    """Whether ``question`` asks how the trial was run (its design, how the groups were formed,
    who was blinded), not what it found."""
    kind = kind_of(question)
    return kind is not None and kind.conduct
