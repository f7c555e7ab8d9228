"""What an effect question compares, and the statistical cues a sentence states.

Two deterministic readers that the verdict (``assistant/verdicts/verdict.py``) rests on:

- ``comparison(question)`` finds an effect question's two arms, in the order the question
  names them, and its outcome when it names one: "What was the effect of X compared with Y on
  Z?", "Did X reduce Z compared with Y?", "Was X better than Y?", "Z: X vs Y". A question that
  names no second arm is no effect question here: a direction needs two sides.
- ``cues(text)`` finds the statements of significance a sentence makes, each as a verbatim
  span with what it says: a p-value against the stated alpha (0.05 unless the text states
  another), an interval of a difference or a ratio that excludes or includes its null value,
  or words ("significantly", "no significant difference", "did not differ", "ns").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.language.query import TermGroup, analyse

ALPHA = 0.05

_ARM = r"(?P<{name}>[^?]+?)"
_VERSUS = r"(?:compared\s+(?:with|to)|versus|vs\.?|relative\s+to|over|against|and)"
_CHANGE = (
    r"(?:reduce|decrease|lower|increase|raise|improve|worsen|change|affect|alter|prolong|"
    r"shorten|prevent)"
)
_BETTER = (
    r"(?:better|worse|more\s+effective|less\s+effective|superior|inferior|safer|"
    r"more\s+\w+|less\s+\w+|higher|lower)"
)
_PATTERNS = tuple(
    re.compile(
        p.format(x=_ARM.format(name="x"), y=_ARM.format(name="y"), z=_ARM.format(name="z")), re.I
    )  # fmt: skip
    for p in (
        r"^\s*(?:what\s+(?:was|is|were)\s+)?the\s+effects?\s+of\s+{x}\s+"
        + _VERSUS
        + r"\s+{y}\s+(?:on|for|in\s+terms\s+of)\s+{z}\??\s*$",
        # "Did quality of life improve more with TCF than with ECF?": the outcome is the subject
        r"^\s*(?:did|does|do)\s+{z}\s+" + _CHANGE + r"\w*\s+(?:more|less|further|faster)?\s*"
        r"(?P<p>with|on|after|in|under)\s+{x}\s+than\s+(?P=p)\s+{y}\??\s*$",
        # "How much did pain fall with the gel compared with placebo?", "How did eGFR change over
        # 48 weeks on TDF compared with controls?": the outcome is the subject
        r"^\s*(?:how\s+(?:(?:much|far|many|often)\s+)?)?(?:did|does|do)\s+{z}\s+"
        r"(?:" + _CHANGE + r"\w*|fall|fell|drop\w*|rise|rose|decline|go\s+(?:up|down))\s+"
        r"(?:more\s+|less\s+)?(?:(?:over|during|within|by|at)\s+[^?]+?\s+)?"
        r"(?:with|on|after|under)\s+{x}\s+"
        r"(?:compared\s+(?:with|to)|versus|vs\.?|relative\s+to|than(?:\s+with)?)\s+{y}\??\s*$",
        r"^\s*(?:how\s+did|did|does|do)\s+{x}\s+" + _CHANGE + r"\w*\s+{z}\s+"
        r"(?:compared\s+(?:with|to)|versus|vs\.?|relative\s+to|more\s+than|less\s+than|than)"
        r"\s+{y}\??\s*$",
        r"^\s*(?:was|is|were|are)\s+{x}\s+" + _BETTER + r"\s+than\s+{y}\s+"
        r"(?:for|on|in|at|regarding|with\s+respect\s+to)\s+{z}\??\s*$",
        r"^\s*(?:was|is|were|are)\s+{x}\s+" + _BETTER + r"\s+than\s+{y}\??\s*$",
        r"^\s*how\s+did\s+{z}\s+differ\s+between\s+{x}\s+and\s+{y}\??\s*$",
        r"^\s*what\s+happened\s+to\s+{z}\s+with\s+{x}\s+(?:versus|vs\.?|compared\s+with)"
        r"\s+{y}\??\s*$",
        r"^\s*{z}\s*:\s*{x}\s+(?:versus|vs\.?)\s+{y}\??\s*$",
        r"^\s*(?!(?:how|did|does|do|was|were|is|are)\b)"
        r"(?:what\s+was\s+the\s+)?(?:difference\s+in\s+)?{z}\s+(?:with|for|on)\s+{x}\s+"
        r"(?:versus|vs\.?|compared\s+(?:with|to))\s+{y}\??\s*$",
    )
)


@dataclass(frozen=True)
class Comparison:
    """An effect question's first arm, second arm and outcome ('' when it names none)."""

    first: str
    second: str
    outcome: str = ""


def _clean(part: str | None) -> str:
    return re.sub(r"\s+", " ", (part or "")).strip(" ,;:.").removeprefix("the ").strip()


def comparison(question: str) -> Comparison | None:
    """The arms (in the question's order) and outcome of an effect question, or None."""
    text = re.sub(r"\s+", " ", question).strip()
    for pattern in _PATTERNS:
        found = pattern.match(text)
        if found:
            parts = found.groupdict()
            first, second = _clean(parts.get("x")), _clean(parts.get("y"))
            if first and second and first.lower() != second.lower():
                return Comparison(first, second, _clean(parts.get("z")))
    return None


# Words that name no outcome in particular: "the effect of X versus Y on efficacy" asks about
# whatever the paper measured.
_ANY_OUTCOME = frozenset("outcom efficaci effect benefit result endpoint end point measur".split())


# "Did the vest improve walking speed in these children?": a question about one arm's effect
# names its outcome too (up to who or when it is asked of).
_ONE_ARM = re.compile(
    r"^\s*(?:did|does|do|has|have|can|could)\s+(?P<x>[^?]+?)\s+" + _CHANGE + r"[sd]?\s+"
    r"(?P<z>[^?]+?)(?:\s+(?:in|among|at|by|over|during|within|after|for|from|compared|versus|"
    r"vs\.?|relative|than|when|while|of\s+(?:the|these|those))\b[^?]*)?\??\s*$",
    re.I,
)


def outcome_terms(question: str) -> tuple[TermGroup, ...]:
    """The term groups of the outcome an effect question names, () when it names none (or only
    a word such as "efficacy"): of two arms ("... compared with Y on Z?") or of one ("Did X
    reduce Z in ...?"). A passage answers about the outcome only if it names one."""
    asked = comparison(question)
    if asked is not None:
        outcome = asked.outcome
    else:
        one = _ONE_ARM.match(re.sub(r"\s+", " ", question).strip())
        outcome = _clean(one.group("z")) if one else ""
    if not outcome:
        return ()
    return tuple(g for g in analyse(outcome).groups if g.term not in _ANY_OUTCOME)


# --- statistical cues ---------------------------------------------------------------------


@dataclass(frozen=True)
class Cue:
    """A statement of (non-)significance in a text: where it is and what it says."""

    start: int
    end: int
    significant: bool
    kind: str  # "p-value", "interval", "words"

    def span(self, text: str) -> str:
        return text[self.start : self.end]


_NUMBER = r"(?:\d+(?:\.\d+)?|\.\d+)"
_P_VALUE = re.compile(
    r"\bp\s*(?:-?\s*values?)?\s*(?P<op><\s*or\s*=|>\s*or\s*=|[<>=≤≥⩽⩾]|=\s*<|<\s*=|>\s*=)\s*"
    r"(?P<value>" + _NUMBER + r"(?:\s*[x×·]\s*10\s*[-−–]\s*\d+|\s*[eE]\s*[-−–]\s*\d+)?)",
    re.I,
)
_ALPHA = re.compile(
    r"(?:α|alpha|significance\s+level|level\s+of\s+significance)\s*(?:of|was|=|:|was\s+set\s+at)?"
    r"\s*(?:p\s*[<=]\s*)?(?P<value>0?\.\d+)",
    re.I,
)
_RATIO = (
    r"(?:odds\s+ratio|risk\s+ratio|rate\s+ratio|hazard\s+ratio|relative\s+risk|"
    r"\bOR\b|\bRR\b|\bHR\b|\bIRR\b)"
)
_DIFFERENCE = r"(?:difference|\bMD\b|\bWMD\b|\bSMD\b|\bARD\b|\bRD\b|reduction|change)"
_INTERVAL = re.compile(
    r"(?P<ci>\b(?:9[059]|80)\s*%\s*(?:CI|confidence\s+intervals?|CrI|credible\s+interval)"
    r"\s*[:,=]?\s*\(?\s*)\[?\s*(?P<low>[-−–]?\s*" + _NUMBER + r")\s*"
    r"(?:to|,|;|–|—|-(?=\s*[-−–]?\s*\d)|\s-\s|\.\.)\s*(?P<high>[-−–]?\s*" + _NUMBER + r")\s*[\])]?",
    re.I,
)
_NOT_SIGNIFICANT = re.compile(
    r"\b(?:no(?:t)?\s+(?:statistically\s+)?significant(?:ly)?|non-?\s*significant(?:ly)?|"
    r"insignificant(?:ly)?|did\s+not\s+(?:differ|reach\s+(?:statistical\s+)?significance)|"
    r"(?:was|were)\s+not\s+(?:statistically\s+)?(?:significantly\s+)?different|"
    r"no\s+(?:statistically\s+)?(?:significant\s+)?differences?|not\s+statistically|"
    r"failed\s+to\s+reach\s+(?:statistical\s+)?significance|similar\s+(?:in|between|across)|"
    r"comparable\s+(?:in|between|across)|\bn\.?s\.?(?=[\s,;.)]|$))",
    re.I,
)
_SIGNIFICANT = re.compile(r"\b(?:statistically\s+)?significant(?:ly)?\b", re.I)


def _number(raw: str) -> float | None:
    raw = re.sub(r"\s+", "", raw).replace("−", "-").replace("–", "-").replace("·", "x")
    raw = raw.replace("×", "x")
    try:
        if "x10" in raw:
            mantissa, exponent = raw.split("x10")
            return float(mantissa) * 10 ** float(exponent)
        return float(raw)
    except ValueError:
        return None


def stated_alpha(text: str) -> float:
    """The significance level a text states ("alpha = 0.01"), else 0.05."""
    found = _ALPHA.search(text)
    value = _number(found.group("value")) if found else None
    return value if value and 0 < value < 0.2 else ALPHA


def _p_cues(text: str, alpha: float) -> list[Cue]:
    out = []
    for found in _P_VALUE.finditer(text):
        value = _number(found.group("value"))
        if value is None or not 0 <= value <= 1:
            continue
        op = re.sub(r"\s+|or", "", found.group("op"))
        if op in {"<", "≤", "⩽", "<=", "=<"}:
            significant = value <= alpha  # "p < 0.10" says nothing at 0.05
            if not significant:
                continue
        elif op in {">", "≥", "⩾", ">="}:
            significant = False
            if value < alpha:
                continue
        elif value == alpha:  # "p = 0.05": on the line, no cue either way
            continue
        else:
            significant = value < alpha
        out.append(Cue(found.start(), found.end(), significant, "p-value"))
    return out


def _intervals(text: str) -> list[tuple[re.Match, bool, str]]:
    """Each interval stated for a ratio or a difference named in the 80 characters before it:
    (the interval's match, whether a ratio, the text between the name and the interval)."""
    out = []
    for found in _INTERVAL.finditer(text):
        before = text[max(0, found.start() - 80) : found.start()]
        ratio = list(re.finditer(_RATIO, before, re.I))
        difference = list(re.finditer(_DIFFERENCE, before, re.I))
        if not ratio and not difference:
            continue
        is_ratio = bool(ratio) and (not difference or ratio[-1].end() > difference[-1].end())
        named = ratio[-1] if is_ratio else difference[-1]
        out.append((found, is_ratio, before[named.end() :]))
    return out


def _interval_cues(text: str) -> list[Cue]:
    out = []
    for found, is_ratio, _ in _intervals(text):
        low, high = _number(found.group("low")), _number(found.group("high"))
        if low is None or high is None or low > high:
            continue
        null = 1.0 if is_ratio else 0.0
        excludes = high < null or low > null
        out.append(Cue(found.start(), found.end(), excludes, "interval"))
    return out


def _word_cues(text: str) -> list[Cue]:
    out = [Cue(m.start(), m.end(), False, "words") for m in _NOT_SIGNIFICANT.finditer(text)]
    for found in _SIGNIFICANT.finditer(text):
        if any(c.start <= found.start() < c.end for c in out):
            continue
        before = text[max(0, found.start() - 25) : found.start()].lower()
        if re.search(r"\b(?:no|not|non|without|nor|neither)\b[\w\s-]*$", before):
            continue
        out.append(Cue(found.start(), found.end(), True, "words"))
    return out


def cues(text: str, alpha: float | None = None) -> list[Cue]:
    """Every statement of significance in ``text``, in order of position."""
    level = alpha if alpha is not None else stated_alpha(text)
    found = _p_cues(text, level) + _interval_cues(text) + _word_cues(text)
    return sorted(found, key=lambda c: (c.start, c.end))


def cue_features(text: str, alpha: float | None = None, asked: Comparison | None = None):
    """The verdict's inputs beside the classifier's logits: counts of significant and
    non-significant cues of each kind (squashed to 0..1), then the direction words signed by
    which arm the sentence is about (``direction_features``)."""
    found = cues(text, alpha)
    row = []
    for kind in ("p-value", "interval", "words"):
        for significant in (True, False):
            n = sum(1 for c in found if c.kind == kind and c.significant == significant)
            row.append(min(n, 2) / 2)
    return row + direction_features(asked, text)


FEATURES = 10  # the length of cue_features


# --- which way a sentence says the first arm went ---------------------------------------------

_UP = re.compile(
    r"\b(?:higher|increas\w*|greater|more|longer|larger|elevat\w*|rais\w*|rose|gain\w*|"
    r"exceed\w*|superior)\b",
    re.I,
)
_DOWN = re.compile(
    r"\b(?:lower|reduc\w*|decreas\w*|less|fewer|shorter|smaller|declin\w*|fell|drop\w*|"
    r"attenuat\w*|inferior|lowered)\b",
    re.I,
)
_REFERENCE = re.compile(
    r"\b(?:than|compared\s+(?:with|to)|versus|vs\.?|relative\s+to|over|against)\s+(?:\w+\s+){0,3}$",
    re.I,
)
_WORD = re.compile(r"[\w+-]+")


def _arm_words(arm: str, other: str) -> set[str]:
    """Words that name ``arm`` and not ``other``: its words, abbreviations in brackets too."""
    from assistant.language.text import STOPWORDS

    def words(text: str) -> set[str]:
        return {w.lower() for w in _WORD.findall(text) if len(w) > 1 and w.lower() not in STOPWORDS}

    return words(arm) - words(other)


def _first_mention(text: str, names: set[str]) -> int | None:
    for found in _WORD.finditer(text):
        if found.group(0).lower() in names:
            return found.start()
    return None


def orientation(asked: Comparison, text: str) -> int:
    """+1 when ``text`` reads as saying what happened with the question's first arm (against
    the second), -1 when with the second arm (against the first), 0 when it cannot tell: the
    arm named after "than", "compared with", "versus" is the reference."""
    first = _first_mention(text, _arm_words(asked.first, asked.second))
    second = _first_mention(text, _arm_words(asked.second, asked.first))
    refers_first = first is not None and bool(_REFERENCE.search(text[:first]))
    refers_second = second is not None and bool(_REFERENCE.search(text[:second]))
    if refers_second and not refers_first:
        return 1
    if refers_first and not refers_second:
        return -1
    if first is not None and (second is None or first < second):
        return 1
    if second is not None and (first is None or second < first):
        return -1
    return 0


def direction_features(asked: Comparison | None, text: str) -> list[float]:
    """Direction words (and ratio or difference estimates against their null) signed by
    ``orientation``: [up, down], each +1, -1 or 0; then the same unsigned when the sentence
    names neither arm."""
    if asked is None:
        return [0.0] * 4
    way = orientation(asked, text)
    up, down = bool(_UP.search(text)), bool(_DOWN.search(text))
    for estimate, null in _estimates(text):
        up, down = up or estimate > null, down or estimate < null
    unknown = way == 0  # a sentence naming neither arm: its words, unsigned, apart
    return [float(way * up), float(way * down), float(unknown and up), float(unknown and down)]


def _estimates(text: str) -> list[tuple[float, float]]:
    """(point estimate, null value) of each ratio or difference stated with its interval:
    "HR 0.49 (95% CI 0.36-0.67)" gives (0.49, 1.0)."""
    out = []
    for _, is_ratio, between in _intervals(text):
        numbers = re.findall(r"[-−–]?\s?" + _NUMBER, between)
        value = _number(numbers[-1]) if numbers else None
        if value is not None:
            out.append((value, 1.0 if is_ratio else 0.0))
    return out
