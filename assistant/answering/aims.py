"""Sentences that say what a study set out to measure, and questions that want what it found.

A clinician who asks "What was the incidence of pertussis?" is not answered by "The objective
of this study was to estimate the incidence of pertussis", nor "How did quality of life change?"
by "Quality of life was measured by the EORTC QLQ-C30". Both sentences share every word of the
question, so a ranker that reads words ranks them high; neither holds a result.

``asks_result`` tells the questions that want a finding (a count, an amount, a rate, a change,
whether something happened) from those about the design (an aim, a method, a definition,
eligibility). ``describes_only`` tells the sentences that state an aim, a method, a
definition or a registered outcome and hold no result: no share, count of people, p-value,
interval or word saying what happened. A result question is answered by a result sentence
when one may answer; when only describing sentences may, the paper did not report it.
"""

from __future__ import annotations

import re

from assistant.language.text import REFERENCE_MARK

_FINDING_QUESTION = re.compile(
    r"^\s*(?:"
    r"how (?:many|much|often|common|frequent(?:ly)?|likely|effective|well)\b"
    r"|how (?:did|does|do|has|have)\b.*\b(?:chang|affect|improv|respond|fall|fell|ris|"
    r"increas|decreas|reduc|lower|differ|compar)"
    r"|what (?:share|proportion|percentage|fraction|number)\b"
    r"|what (?:was|were|is|are) the (?:[\w-]+ ){0,5}?(?:rates?|incidence|numbers?|"
    r"proportions?|percentages?|shares?|median|mean|average|risks?|odds|effects?|differences?|"
    r"changes?|reductions?|increases?|results?|survival|levels?|responses?)\b"
    r"|(?:did|does|do|were there|was there|is there|are there)\b"
    r"|(?:what|which)\b.*\b(?:were|was|are|is) (?:reported|seen|observed|found|noted|"
    r"recorded|experienced)\b|(?:what|which)\b.*\b(?:occurred|happened)\b"
    r")",
    re.I,
)

# A question about how a trial was run asks for a method, whatever its first words.
_DESIGN_QUESTION = re.compile(
    r"\b(?:aims?|objectives?|purpose|goals?|design|designed|measured|assessed|evaluated|"
    r"defined|definitions?|eligib\w*|inclusion|exclusion|criteria|end ?points?|outcome "
    r"measures?|primary outcomes?|secondary outcomes?|methods?|blind\w*|mask\w*|"
    r"randomi[sz]ation|allocat\w*|registered|registration|sponsor\w*|funded|approved)\b",
    re.I,
)

# What a sentence says when it describes a study rather than reports its findings.
_DESCRIBES = re.compile(
    r"\b(?:objectives?|aims?|purpose|goals?)\b(?: of (?:this|the|our) \w+)?"
    r" (?:was|were|is|are) to\b"
    r"|\bwe (?:aimed|aim|sought|seek|set out|conducted|designed|hypothesi[sz]ed|propose|"
    r"investigated|evaluated|assessed|examined|compared|studied|tested|explored)\b"
    r"|\b(?:was|were) used (?:as (?:a |an |the )?[\w -]{1,40}? )?to\b"
    r"|\b(?:inclusion|exclusion|eligibility) criteria\b"
    r"|\b(?:table|fig(?:ure)?\.?) ?\d+\w? (?:shows|reveals|presents|summari[sz]es|lists|"
    r"gives|displays|depicts)\b"
    r"|\b(?:shown|presented|summari[sz]ed|listed|given|detailed|reported|provided) in "
    r"(?:tables?|fig(?:ure)?s?\.?|the supplementary)\b"
    r"|\b(?:this|the present|our) (?:study|trial|review|analysis) (?:aimed|aims|was designed|"
    r"is designed|will)\b"
    r"|\b(?:was|were|is|are|will be|would be|to be)"
    r"(?: (?:also|then|further|independently|separately|each|all))? (?:assessed|measured|"
    r"evaluated|recorded|calculated|defined|compared|collected|monitored|analy[sz]ed|"
    r"photographed|examined|obtained|determined|quantified|estimated|documented|asked|"
    r"scored|graded|classified|categori[sz]ed|tested|captured|followed up)\b"
    r"|\b(?:defined|measured|assessed|evaluated) (?:as|by|using|with)\b"
    r"|\b(?:can|could|may) range\b|\branging from\b|\bhigher scores?\b|\blower scores?\b"
    r"|^\s*(?:the |its |our )?(?:primary|secondary|main|key|other) (?:outcomes?|end ?points?|"
    r"objectives?)\b"
    r"|\btime frame\b"
    r"|\bwill be (?:needed|required|used|assessed|measured|evaluated|compared)\b",
    re.I,
)

# Who or what a trial counts.
_COUNTED = (
    r"(?:patients|participants|subjects|people|persons|children|infants|neonates|newborns|"
    r"women|men|adults|cases|events|deaths|episodes|studies|trials|respondents|eyes|lesions|"
    r"volunteers|individuals|mothers|students|pregnancies|girls|boys|families|households)"
)
# Numbers written as words ("twelve", "nineteen", "forty"); with a second word joined
# ("twenty-one", "one hundred").
NUMBER_WORDS = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|"
    r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)"
)
_NUMBER_WORD = rf"{NUMBER_WORDS}(?:[ -]\w+)?"
_COUNT = re.compile(
    rf"\d\s*%|\bn\s*=\s*\d|\b\d[\d,]*\s*/\s*\d|\b\d[\d,]* (?:of|out of) (?:the )?\d"
    rf"|\b(?:groups?|arms?) of \d|\b(?:\d[\d,]*|{_NUMBER_WORD}) (?:[\w-]+ ){{0,3}}?{_COUNTED}\b",
    re.I,
)
_ASKS_COUNT = re.compile(
    rf"^\s*how many (?:(?:[\w-]+ ){{0,3}}?{_COUNTED}\b|(?:were|was|had|did|got)\b)", re.I
)

# What a sentence says when it reports a finding.
_FINDS = re.compile(
    r"\d\s*%|\bper ?cent\b|\bp\s*[<=>≤≥]|\bci\b|confidence interval|\bn\s*=\s*\d|\d\s*/\s*\d"
    r"|\b\d[\d,]* (?:of|out of) (?:the )?\d|\d+\.\d+"
    rf"|\b(?:\d[\d,]*|{_NUMBER_WORD}) {_COUNTED}\b"
    r"|\b(?:significant(?:ly)?|increased|decreased|reduced|improved|worsened|declined|fell|"
    r"rose|lower|higher|fewer|more (?:often|frequent|common|likely)|"
    r"did not (?:differ|change|improve|reduce|increase)|no (?:\w+ )?differences?|similar|"
    r"comparable|no|none|neither|nobody|"
    r"(?:was|were) (?:seen|observed|reported|found|noted|detected|identified)|occurred|"
    r"developed|died|showed|shown|found|demonstrated|achieved|resulted|experienced|"
    r"suffered|responded|relapsed|recovered|remained)\b",
    re.I,
)


def asks_result(question: str) -> bool:
    """Whether ``question`` wants a finding (a count, an amount, a rate, a change, whether
    something happened) rather than how the study was designed or run."""
    return bool(_FINDING_QUESTION.search(question)) and not _DESIGN_QUESTION.search(question)


# How a scale reads ("higher scores indicating worse pain") is no finding.
_SCALE = re.compile(
    r"\b(?:higher|lower|greater|more|less)\s+(?:scores?|values?|numbers?)\s+(?:\w+\s+)?"
    r"(?:indicat|mean|represent|reflect|correspond|signif)\w*\s+(?:a\s+)?"
    r"(?:higher|lower|greater|more|less|better|worse)\b",
    re.I,
)


# Where a paper points for its figures ("shown in Table 3") is no finding either.
_POINTER = re.compile(
    r"\b(?:shown|presented|summari[sz]ed|listed|given|detailed|reported|provided) in "
    r"(?:tables?|fig(?:ure)?s?\.?|the supplementary)\b[^,;.]*",
    re.I,
)


def describes_only(text: str) -> bool:
    """Whether a sentence states an aim, a method, a definition or a registered outcome and
    reports no finding."""
    if not _DESCRIBES.search(text):
        return False
    return not _FINDS.search(_POINTER.sub(" ", _SCALE.sub(" ", text)))


def findings_first(question: str, eligible: list) -> list | None:
    """For a question that wants a finding: the ``eligible`` sentences (best first, each with
    ``.text``) that report one, then those that only describe the study; ``None`` when every
    one only describes it (the documents say what was measured, not what was found). Any
    other question's sentences are returned as they are."""
    if not eligible or not asks_result(question):
        return eligible
    found = [c for c in eligible if not describes_only(c.text)]
    if not found:
        return None
    return found + [c for c in eligible if describes_only(c.text)]


def asks_count(question: str) -> bool:
    """Whether ``question`` asks how many people (or cases, studies) were counted."""
    return bool(_ASKS_COUNT.search(question))


def states_count(text: str) -> bool:
    """Whether a sentence counts people or cases ("60 patients", "n = 30", "groups of 35",
    "twenty-one women", "12/40", "31%")."""
    return bool(_COUNT.search(text))


# What a count question says happened to those counted: "How many patients relapsed?",
# "How many newborns were randomised?" (a verb's past form after who is counted).
_COUNTED_EVENT = re.compile(
    rf"^\s*how many (?:[\w-]+ ){{0,3}}?{_COUNTED} (?:(?:were|was|became) )?([a-z][a-z-]*ed)\b",
    re.I,
)
# Verbs of counting and of taking part, not events: how many were seen, analysed or
# randomised is a count of any sentence's people ("How many cases were identified?" is
# answered by "12 cases were reported", "How many were randomised?" by "82 received cream V").
_COUNTING = frozenset(
    """identified reported recorded observed seen found detected documented included treated
    analysed analyzed studied evaluated assessed examined tested screened followed involved
    surveyed interviewed asked counted noted randomised randomized enrolled allocated assigned
    recruited""".split()
)


def counted_event(question: str) -> str:
    """The word saying what happened to those a count question counts ("relapsed"), or ""."""
    m = _COUNTED_EVENT.search(question)
    return m.group(1) if m and m.group(1).lower() not in _COUNTING else ""


# A count question about each arm or group ("in each group", "to which arms", "how many men
# and how many women") wants a sentence with a count for each, not one total.
_ASKS_EACH = re.compile(
    r"\b(?:each|both|per (?:group|arm))\b|\bwhich (?:arms|groups)\b|\bhow many\b.+\bhow many\b",
    re.I,
)
_FIGURE = re.compile(rf"(?<![\w.])\d[\d,]*(?:\.\d+)?(?!\w|\.\d)|\b{_NUMBER_WORD}\b", re.I)


def asks_counts_apart(question: str) -> bool:
    """Whether a count question asks for a count of each arm or group."""
    return asks_count(question) and bool(_ASKS_EACH.search(question))


def states_counts_apart(text: str) -> bool:
    """Whether a sentence counts people and states more than one figure ("Among 50 patients,
    26 were given A and 24 B", "two groups of 35")."""
    return states_count(text) and len(_FIGURE.findall(text)) >= 2


# A question asking for an amount, and what a sentence that states one writes: a figure (not
# one in a name: "ASPEN-4", "AZD3199"), a number word, or a quantifier ("none of the
# patients", "all infants").
_ASKS_AMOUNT = re.compile(
    r"\bhow (?:many|much)\b|\bwhat (?:percentage|proportion|share|fraction|number|doses?)\b",
    re.I,
)
_STATES_AMOUNT = re.compile(
    rf"(?<![A-Za-z])(?<![A-Za-z]-)\d|\b{_NUMBER_WORD}\b|\bper ?cent\b"
    r"|\b(?:no|none|neither|nobody|nothing|all|every|both|half|most|few|any)\b",
    re.I,
)


# A question asking for a rate wants a share, a fraction or a frequency ("12%", "3 of 24",
# "0.21 per child-year"), or that none or all had it.
_ASKS_RATE = re.compile(
    r"\bwhat (?:was|were|is|are) the (?:[\w-]+ ){0,5}?(?:rates?|incidence|proportions?|"
    r"percentages?)\b(?! ratio)",
    re.I,
)
_STATES_RATE = re.compile(
    r"\d\s*%|\bper ?cent\b|\bper\b|\d\s*/\s*\d|\b\d[\d,]* (?:of|out of) (?:the )?\d|\d\.\d"
    r"|\b(?:no|none|neither|nobody|all)\b",
    re.I,
)


def amounts_first(question: str, eligible: list) -> list | None:
    """For a question asking for an amount ("how many", "what percentage", "what dose") or a
    rate ("what was the response rate"): the ``eligible`` sentences (best first, each with
    ``.text``) that state one, then the rest; ``None`` when none does (the documents name the
    thing, not how much of it). Any other question's sentences are returned as they are."""
    if not eligible:
        return eligible
    if _ASKS_RATE.search(question):
        states = _STATES_RATE
    elif _ASKS_AMOUNT.search(question):
        states = _STATES_AMOUNT
    else:
        return eligible
    says = [states.search(c.text) is not None for c in eligible]
    if not any(says):
        return None
    return [c for c, s in zip(eligible, says, strict=True) if s] + [
        c for c, s in zip(eligible, says, strict=True) if not s
    ]


# Kinds of survival a trial reports apart: a question about overall survival is not answered
# by progression-free survival, nor the other way round.
_SURVIVAL = re.compile(
    r"\b(overall|progression[- ]free|event[- ]free|disease[- ]free|relapse[- ]free|"
    r"recurrence[- ]free|metastasis[- ]free|failure[- ]free)\s+survival\b"
    r"|\b(OS|PFS|EFS|DFS|RFS|MFS|FFS)\b"
)
_SURVIVAL_SHORT = {"os": "overall", "pfs": "progression", "efs": "event", "dfs": "disease",
                   "rfs": "relapse", "mfs": "metastasis", "ffs": "failure"}  # fmt: skip


def survival_kinds(text: str) -> set[str]:
    """The kinds of survival ``text`` names ("overall", "progression", ...)."""
    kinds = set()
    for m in _SURVIVAL.finditer(text):
        if m.group(1):
            kinds.add(re.split(r"[- ]", m.group(1).lower())[0])
        else:
            kinds.add(_SURVIVAL_SHORT[m.group(2).lower()])
    return kinds


def same_survival(question: str, text: str) -> bool:
    """False when the question asks about some kinds of survival and ``text`` names only
    others (true when either names none)."""
    asked, named = survival_kinds(question), survival_kinds(text)
    return not asked or not named or bool(asked & named)


_RESULTS = re.compile(r"\bresults?\b|\bfindings\b", re.I)
# What a sentence writes when it reports another study's finding: a reference marker ("[12]",
# "[3, 4]", "[5–7]", "reported.9"), an author ("Smith et al.", "(Smith 2004)"), or the
# studies it comes from ("previous studies", "a recent meta-analysis").
_CITES = re.compile(
    rf"{REFERENCE_MARK.pattern}|\bet al\b|"
    r"\([A-Z][A-Za-z'-]+(?: et al\.?)?,? (?:19|20)\d\d[a-z]?\)"
    r"|[a-z]\.\d{1,3}(?:[,–-]\d{1,3})*$"
    r"|\b(?:previous|prior|earlier|other|another|recent|published|several|many|some) (?:\w+ )?"
    r"(?:studies|study|trials?|reports?|meta-analys[ie]s|reviews?|investigators|authors)\b",
    re.I,
)


def others_findings(text: str, section: str) -> bool:
    """Whether a sentence reports another study's finding: it cites other work and does not
    stand under the paper's own results (its background, its discussion, or a part of the
    paper whose heading is not known)."""
    return bool(_CITES.search(text)) and not _RESULTS.search(section)


def own_findings_first(
    question: str, eligible: list, sections: set[str], of_trial: bool = False
) -> list | None:
    """For a question wanting a finding, or (``of_trial``) one every trial report answers of
    itself (who took part, what dose), asked of a paper with a results section (its
    ``sections``): the ``eligible`` sentences (each with ``.text`` and ``.section``) less those
    reporting another study's finding outside its results; ``None`` when only such
    sentences may answer (the figure is another study's, not this trial's). A review, with no
    results section, reports others' findings as its own matter: its sentences are kept."""
    if not eligible or not (of_trial or asks_result(question)):
        return eligible
    if not any(_RESULTS.search(s) for s in sections):
        return eligible
    own = [c for c in eligible if not others_findings(c.text, c.section)]
    return own or None
