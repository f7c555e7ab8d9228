"""Follow-up questions rewritten into standalone questions, by rules that know nothing of
particular questions: only the trial names the store holds (``names_in``), a small vocabulary
of what trials measure (rates, survival, adverse events...), and how a question is framed.

The earlier (standalone) question is read as parts: its frame ("What were the"), its
*measure* ("adverse events", "3-year PFS"), qualifiers after the measure ("with
lenalidomide", "in the placebo arm", "at 12 months") and its *scope* ("in LINKER-SMM1").
A follow-up is one of these kinds, and changes only its own part:

- ``standalone``: it names its own trial, or it is self-contained: a complete question with a
  subject of its own (two or more content words that are neither measures nor qualifiers:
  "Should adults with chronic cough be given drug Z?") and no lead-in or
  anaphora ("and ...", "what about", "that", "it"). It is asked as it is.
- ``swap``: a trial name and nothing else ("and AQUILA?"): the earlier question, trial swapped.
- ``comparison``: "How does that compare with TRIAL-B?", "versus placebo?": the earlier
  measure across the earlier subject and the new one ("How does the overall response rate in
  TRIAL-A compare with TRIAL-B?").
- ``qualifier``: "grade 3 or higher", "at 12 months", "in the placebo arm", "with
  observation", "patients over 65": attached to the measure; a qualifier of the same sort the
  earlier question had (a grade, a time point, an arm) is replaced rather than doubled.
- ``measure``: a new measure ("and the CRS rate?"): the earlier question asking about it,
  with its scope and qualifiers kept.
- ``carry``: a complete question with no subject of its own ("Were there any deaths?", "How
  many patients were in that trial?"): the earlier trial carried over.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.conversation.question_parts import (
    ANAPHORA,
    ARM,
    ARTICLES,
    COMPARE,
    COMPARE_OWN,
    DEICTIC,
    DETERMINERS,
    GRADE,
    JOINERS,
    LEAD,
    MEASURE_TERMS,
    PREPOSITIONS,
    QUESTION_START,
    TIME_ADJ,
    TIME_PP,
    Parts,
    capitalise,
    content_left,
    first_word,
    is_population,
    is_qualifier,
    is_self_contained,
    lower_first,
    read_question,
    strip_end,
    subject_words,
    terms,
    without,
)
from assistant.language.text import is_content, surface_words

NamesIn = Callable[[str], list[str]]  # the trial names a text writes, as it writes them


@dataclass(frozen=True)
class Rewrite:
    """A follow-up's standalone question and the kind of follow-up it was read as."""

    question: str
    kind: str


# -- the kinds of follow-up -----------------------------------------------------------------


def _join(names: Sequence[str]) -> str:
    return " and ".join(dict.fromkeys(names))


def _scope_phrase(parts: Parts) -> str:
    if parts.scope is None:
        return ""
    text = parts.body[parts.scope[0] : parts.scope[1]]
    if text.split()[0].lower() not in PREPOSITIONS:
        text = "in " + text
    return text


def _swap(parts: Parts, new: Sequence[str]) -> str:
    """The earlier question with the span of its trial names replaced by the new names."""
    if not parts.names:
        return f"{parts.body} in {_join(new)}?"
    if parts.scope:  # "in the final QuiRedex update": the whole scope goes
        start, end = parts.scope
        scope = without(parts.body[start:end], parts.names)
        if any(w.lower() not in PREPOSITIONS | JOINERS | ARTICLES for w in scope.split()):
            prep = scope.split()[0] if scope.split()[0].lower() in PREPOSITIONS else "in"
            return f"{parts.body[:start]}{prep} {_join(new)}{parts.body[end:]}?"
    text = parts.text
    spans = [(text.find(n), text.find(n) + len(n)) for n in parts.names if n in text]
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    return text[:start] + _join(new) + text[end:]


def _target(target: str, names: Sequence[str]) -> str:
    """What the earlier measure is compared with: the trials named, else the words given."""
    if names:
        return _join(names)
    target = strip_end(target)
    return re.sub(r"^(?:(?:in|with|to|for|of|on)\s+)+", "", target, flags=re.I)


def _comparison(parts: Parts, target: str, names: Sequence[str]) -> str:
    target = _target(target, names)
    body = parts.body
    words = body.split()
    phrase = parts.measure_phrase()
    what_be = len(words) > 2 and words[0].lower() in {"what", "which"}
    if what_be and words[1].lower() in {"was", "were", "is", "are"} and phrase:
        verb = "do" if words[1].lower() in {"were", "are"} else "does"
        return f"How {verb} {phrase} compare with {target}?"
    return f"{body} compared with {target}?"


_ARM_PARTS = re.compile(
    r"^(?:(?P<prep>with|on|receiving)\s+(?P<name>.+)|in\s+(?:the\s+)?(?P<arm_name>.+?)\s+"
    r"(?P<noun>arms?|groups?|cohorts?))$",
    re.I,
)


def _arm_like(old: str, new: str) -> str:
    """The new arm written as the earlier question wrote its arm: "with dupilumab" and "in
    the placebo arm" give "with placebo"; "in the daratumumab arm" and "with observation" give
    "in the observation arm". Only the arm's name changes."""
    was, now = _ARM_PARTS.match(old), _ARM_PARTS.match(new)
    if not (was and now):
        return new
    name = now.group("name") or now.group("arm_name")
    if name.split()[0].lower() in {"each", "both", "all"}:
        return new
    if was.group("prep"):
        return f"{was.group('prep')} {name}"
    if was.group("arm_name").split()[0].lower() in {"each", "both", "all"}:
        return new
    return f"in the {name} {was.group('noun')}"


def _qualify(parts: Parts, fragment: str) -> str:
    """Attach a qualifier to the earlier question's measure, replacing one of the same sort."""
    body = parts.body
    fragment = lower_first(strip_end(fragment))
    fragment = re.sub(r"\s+ones?$", "", fragment, flags=re.I) or fragment  # "serious ones"
    if fragment.split()[0].lower() in ARTICLES and len(fragment.split()) > 1:  # "the 3-year"
        fragment = fragment.split(maxsplit=1)[1]
    first = fragment.split()[0].lower()
    if is_population(fragment):  # "patients over 65": a population
        fragment, first = f"in {fragment}", "in"
    outside = body  # the question with its scope blanked (same length, same offsets)
    if parts.scope:
        start, end = parts.scope
        outside = body[:start] + " " * (end - start) + body[end:]
    if first in PREPOSITIONS:
        for pattern in (TIME_PP, ARM):
            if not pattern.fullmatch(fragment):
                continue
            old = [m for m in pattern.finditer(outside) if not terms(m.group(0)) & MEASURE_TERMS
                   or not m.group(0).lower().startswith("with")]  # fmt: skip
            if old:
                m = old[-1]
                if pattern is ARM:
                    fragment = _arm_like(m.group(0), fragment)
                return f"{body[: m.start()]}{fragment}{body[m.end() :]}?"
            adjective = TIME_ADJ.search(outside) if pattern is TIME_PP else None
            if adjective:  # "the 3-year PFS" + "at 2 years": the PFS at 2 years
                body = body[: adjective.start()] + body[adjective.end() :].lstrip()
        return f"{body} {fragment}?"
    for pattern in (GRADE, TIME_ADJ):
        if pattern.search(fragment) and (said := pattern.search(outside)):
            return f"{body[: said.start()]}{fragment}{body[said.end() :]}?"
    if parts.core is None:
        return f"{body} {fragment}?"
    at = parts.core[0]
    return f"{body[:at]}{fragment} {body[at:]}?"


def _new_measure(parts: Parts, fragment: str) -> str | None:
    """The earlier question asking about a new measure, its scope and qualifiers kept."""
    if parts.core is None:
        return None
    fragment = lower_first(strip_end(fragment))
    fragment = re.sub(r"^(?:its|their)\s+", "the ", fragment, flags=re.I)  # "its safety"
    start, end = parts.core
    words = fragment.split()
    lead_in = parts.body[:start].split()
    doubled = bool(lead_in) and lead_in[-1].lower() in DETERMINERS  # "the [ORR]"
    if doubled and len(words) > 1 and words[0].lower() in ARTICLES:  # + "the CRS rate"
        fragment = " ".join(words[1:])
    return f"{parts.body[:start]}{fragment}{parts.body[end:]}?"


def _frame(previous: str) -> str:
    """The words that open the earlier question before what it asks about ("What was")."""
    words: list[str] = []
    for surface, term in surface_words(previous):
        if is_content(term):
            break
        words.append(surface)
    while words and words[-1].lower() in ARTICLES:
        words.pop()
    return " ".join(words) if words and words[0].lower() in QUESTION_START else "What about"


def _carry(question: str, parts: Parts) -> str:
    """A question with no trial of its own, asked of the earlier question's trials."""
    if not parts.names:
        return question
    if DEICTIC.search(question):  # "that trial" -> its name
        return DEICTIC.sub(_join(parts.names), question, count=1)
    return f"{strip_end(question)} {_scope_phrase(parts)}?"


def rewrite(question: str, previous: str | None, names_in: NamesIn) -> Rewrite:
    """The standalone form of ``question`` asked after ``previous`` (itself standalone), and
    the kind of follow-up it was read as. Deterministic."""
    question = " ".join(question.split())
    if not previous:
        return Rewrite(question, "standalone")
    previous = " ".join(previous.split())
    rest = LEAD.sub("", question).strip() or question
    if not any(is_content(term) for _, term in surface_words(rest)):
        return Rewrite(question, "standalone")  # nothing to ask ("and?", "why?"): left as is
    led = rest != question
    names = names_in(question)
    parts = read_question(previous, names_in(previous))

    for pattern in COMPARE:
        if (m := pattern.match(strip_end(rest))) and m.group("target").strip():
            return Rewrite(_comparison(parts, m.group("target"), names), "comparison")
    own = COMPARE_OWN.match(strip_end(rest))
    if own and parts.names and names and not names_in(own.group("measure")):
        measure = own.group("measure")  # "How does the CRS rate compare with AQUILA?"
        if not ANAPHORA.fullmatch(measure) and len(subject_words(without(rest, names))) < 2:
            target = _target(own.group("target"), names)
            scoped = f"{measure} {_scope_phrase(parts)}"
            return Rewrite(f"How does {scoped} compare with {target}?", "comparison")

    if names and not content_left(rest, names):  # "what about in AQUILA?": swap the trial
        return Rewrite(_swap(parts, names), "swap")
    if not led and is_self_contained(question, names):
        return Rewrite(question, "standalone")

    if first_word(rest) in QUESTION_START:  # a complete question with no subject of its own
        rewritten = capitalise(rest) if led else question
        return Rewrite(rewritten if names else _carry(rewritten, parts), "carry")
    if names:  # "and the CRS rate in AQUILA?": the earlier frame, asking this
        return Rewrite(f"{_frame(previous)} {lower_first(strip_end(rest))}?", "measure")
    first = rest.split()[0].lower()
    if first in PREPOSITIONS or is_population(rest) or is_qualifier(rest):
        return Rewrite(_qualify(parts, rest), "qualifier")
    if not terms(rest) & MEASURE_TERMS and ARM.search(parts.body):  # "and placebo?"
        return Rewrite(_qualify(parts, f"with {lower_first(strip_end(rest))}"), "qualifier")
    replaced = _new_measure(parts, rest)
    if replaced is not None:
        return Rewrite(replaced, "measure")
    return Rewrite(_carry(f"{_frame(previous)} {lower_first(strip_end(rest))}?", parts), "measure")


def rewrite_followup(question: str, previous: str | None, names_in: NamesIn) -> str:
    """The standalone form of ``question`` asked after ``previous`` (itself standalone).

    ``names_in(text)`` lists the trial names ``text`` writes. Deterministic: the same inputs
    always give the same question, and a question that needs nothing from the earlier one is
    returned unchanged.
    """
    return rewrite(question, previous, names_in).question


def standalone_questions(questions: Sequence[str], names_in: NamesIn) -> list[str]:
    """Each question of a conversation rewritten from the ones before it, in order."""
    out: list[str] = []
    for q in questions:
        out.append(rewrite_followup(q, out[-1] if out else None, names_in))
    return out
