"""The grounding gate for a language model's answer: keep only sentences the passage they cite
supports, and quote that passage exactly.

A model writes sentences ending in ``[n]`` markers that point at the numbered passages of its
prompt. ``ground`` reads the reply sentence by sentence and keeps a sentence only when

1. it cites at least one passage, and every passage it cites exists;
2. every number it states is stated by the sentences chosen from the cited passage(s) or by a
   calculation text (``assistant.answering.verify``: as numbers, ``0.74`` = ``74%``, ``12`` is
   not ``125``);
3. at least ``min_support`` of its content words (``assistant.language.text`` terms, abbreviations
   satisfied by their expansions, generic words such as "study" or "reported" left out) are in
   those sentences or in the cited passage's title, trial and section;
4. anything it puts in quotation marks is, word for word, in the cited passage;
5. it neither adds a negation the chosen sentences lack nor drops one that governs its words.

The quote of each kept sentence is chosen here, never taken from the model: the sentences of
the cited passage(s) that together cover most of its words and numbers (greedy, at most
``MAX_QUOTES``), as exact spans of the document. Nothing here calls a model; everything is a
pure function of the reply, the passages and the calculation texts.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from assistant.answering.candidates import passage_context
from assistant.answering.citations import REPLY_MARKER, reply_numbers, reply_spans
from assistant.answering.verify import numbers_in, verify
from assistant.language.query import TermGroup, analyse
from assistant.language.text import fold, is_content, sentence_spans, surface_words, tokenize
from assistant.models import Passage

MAX_QUOTES = 3  # most passage sentences one model sentence may be supported by
NUMBER_GAIN = 2  # a supported number counts like two supported words when choosing quotes
MIN_EXTRA_GAIN = 2  # a second or third quote must add a number or two words

_BULLET = re.compile(r"^[ \t]*(?:[-*\u2022]|\d+[.)])[ \t]+", re.M)
_QUOTED = re.compile(r"[\"\u201c]([^\"\u201c\u201d]{12,}?)[\"\u201d]")
# "No, it is closed." answers a question; its "No" negates nothing the sentence says.
_ANSWER_WORD = re.compile(r"^\s*(?:no|yes)\s*[,;:\u2013\u2014-]\s*", re.I)
_NEGATION_WORD = re.compile(r"\b(?:no|not|none|never|neither|nor|without|cannot)\b|n't", re.I)
_CLAUSE_END = re.compile(r"[,;:!?]|\.(?!\d)|\b(?:but|while|whereas|although)\b", re.I)
# Words a model frames a sentence with that no passage needs to contain.
_GENERIC = frozenset(
    fold(w)
    for w in """study studies trial trials passage passages state states stated mention
    mentions mentioned note notes noted indicate indicates indicated document documents source
    sources overall also reported shows showed""".split()
)


@dataclass(frozen=True)
class Quote:
    """A sentence of a passage, as an exact span of its document."""

    passage: Passage
    start: int  # offsets into the document text
    end: int
    text: str

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.passage.chunk.doc_id, self.start, self.end)


@dataclass
class Claim:
    """One sentence of the reply: what it says, what it cites, and the gate's verdict."""

    sentence: str  # as the model wrote it, markers included
    text: str  # without markers, whitespace collapsed
    cited: tuple[int, ...]
    quotes: list[Quote] = field(default_factory=list)
    support: float = 0.0
    reason: str | None = None  # why the gate removed it; None when kept

    @property
    def kept(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class _Sentence:
    quote: Quote
    terms: frozenset[str]
    negations: tuple[frozenset[str], ...]  # what each negation in it governs


def split_reply(reply: str) -> list[tuple[str, str, tuple[int, ...]]]:
    """The reply's sentences as (sentence as written, text without markers, cited numbers).

    List bullets and bold marks are dropped first.
    """
    reply = _BULLET.sub("", reply.replace("**", ""))
    out = []
    for start, end in reply_spans(reply):
        sentence = reply[start:end].strip()
        text = " ".join(REPLY_MARKER.sub(" ", sentence).split())
        text = re.sub(r"\s+([.,;:!?)])", r"\1", text)
        text = re.sub(r"([.!?])[.!?]+$", r"\1", text)
        out.append((sentence, text, reply_numbers(sentence)))
    return out


def _is_number(term: str) -> bool:
    return bool(re.fullmatch(r"[\d.,]+", term))


def content_groups(text: str) -> list[TermGroup]:
    """The terms of a model sentence that a passage has to contain (numbers are checked apart)."""
    return [g for g in analyse(text).groups if not _is_number(g.term) and g.term not in _GENERIC]


def _near(a: str, b: str) -> bool:
    """Two stems of one word family ("respond" and "respons"): a long shared prefix."""
    if a == b:
        return True
    shared = len(os.path.commonprefix([a, b]))
    return shared >= 5 and shared >= 0.8 * min(len(a), len(b)) and a.isalpha() and b.isalpha()


def _satisfied(group: TermGroup, terms: frozenset[str]) -> bool:
    """The group's term, or every word of one of its expansions, is among ``terms`` (stems of
    one family count as the same word)."""
    if group.satisfied_by(set(terms)):
        return True

    def has(term: str) -> bool:
        return term in terms or any(_near(term, t) for t in terms)

    return has(group.term) or any(alt and all(has(t) for t in alt) for alt in group.alternatives)


def _negations(text: str) -> list[frozenset[str]]:
    """For each negation in ``text``, the content terms of what it governs: the rest of its
    clause, up to eight words ("No ICANS events were observed." -> {icans, event, observ})."""
    text = _ANSWER_WORD.sub("", text)
    out = []
    for m in _NEGATION_WORD.finditer(text):
        clause = _CLAUSE_END.split(text[m.end() :], maxsplit=1)[0]
        words = [t for _, t in surface_words(clause)][:8]
        out.append(frozenset(t for t in words if is_content(t) and not _is_number(t)))
    return out


def _drops_negation(negated: frozenset[str], claim_terms: set[str]) -> bool:
    """The claim repeats what a negation governs (two of its words, or all when fewer)."""
    return bool(negated) and len(negated & claim_terms) >= min(2, len(negated))


def _sentences(p: Passage) -> list[_Sentence]:
    chunk = p.chunk
    out = []
    for span in sentence_spans(chunk.text):
        text = chunk.text[span.start : span.end]
        quote = Quote(p, chunk.start + span.start, chunk.start + span.end, text)
        out.append(_Sentence(quote, frozenset(tokenize(text)), tuple(_negations(text))))
    return out


def _squash(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(re.sub(r"[^\w%'./-]+", " ", text.casefold()).split())


def check_claim(
    claim: Claim, passages: list[Passage], calculation_texts: list[str], min_support: float
) -> Claim:
    """Fill in ``claim.quotes``, ``claim.support`` and, when it fails, ``claim.reason``."""
    if not claim.text or not (content_groups(claim.text) or numbers_in(claim.text)):
        claim.reason = "states nothing to check"
        return claim
    if not claim.cited:
        claim.reason = "cites no passage"
        return claim
    missing = [n for n in claim.cited if not 1 <= n <= len(passages)]
    if missing:
        claim.reason = f"cites [{missing[0]}], which is not one of the {len(passages)} passages"
        return claim
    cited = [passages[n - 1] for n in claim.cited]

    for quoted in _QUOTED.findall(claim.text):
        if not any(_squash(quoted) in _squash(p.chunk.text) for p in cited):
            claim.reason = f"quotes “{quoted}”, which the cited passage does not contain"
            return claim

    groups = content_groups(claim.text)
    context = set().union(*(passage_context(p, shown_title=True) for p in cited))
    numbers = [m for m in numbers_in(claim.text) if not verify(m.text, [], calculation_texts).ok]
    open_groups, open_numbers = list(groups), list(numbers)
    candidates = [s for p in cited for s in _sentences(p)]
    chosen: list[_Sentence] = []
    while len(chosen) < MAX_QUOTES:
        best, best_gain = None, 0
        for s in candidates:
            if s in chosen:
                continue
            words = sum(1 for g in open_groups if _satisfied(g, s.terms))
            nums = sum(1 for m in open_numbers if verify(m.text, [s.quote.text], []).ok)
            gain = words + NUMBER_GAIN * nums
            if gain > best_gain and (not chosen or gain >= MIN_EXTRA_GAIN):
                best, best_gain = s, gain
        if best is None:
            break
        chosen.append(best)
        open_groups = [g for g in open_groups if not _satisfied(g, best.terms)]
        open_numbers = [m for m in open_numbers if not verify(m.text, [best.quote.text], []).ok]
    unsupported_words = [g for g in open_groups if not _satisfied(g, frozenset(context))]
    claim.quotes = [s.quote for s in sorted(chosen, key=lambda s: s.quote.key)]
    claim.support = 1.0 - len(unsupported_words) / len(groups) if groups else 1.0
    if not chosen:
        claim.reason = "the cited passage states none of it"
        return claim
    unsupported = verify(claim.text, [q.text for q in claim.quotes], calculation_texts).unsupported
    if unsupported:
        claim.reason = f"states {unsupported[0].text}, which the cited passage does not"
        return claim
    if claim.support < min_support:
        claim.reason = (
            f"only {claim.support:.0%} of its words are in the cited passage "
            f"(needs {min_support:.0%})"
        )
        return claim
    claim_terms = {g.term for g in groups}
    claim_negated = bool(_negations(claim.text))
    if claim_negated and not any(s.negations for s in chosen):
        claim.reason = "negates what the cited passage states"
        return claim
    if not claim_negated and any(
        _drops_negation(w, claim_terms) for s in chosen for w in s.negations
    ):
        claim.reason = "drops a negation the cited passage states"
        return claim
    return claim


def ground(
    reply: str, passages: list[Passage], calculation_texts: list[str], min_support: float
) -> list[Claim]:
    """Every sentence of ``reply``, checked against the passages it cites (numbered from 1)."""
    return [
        check_claim(Claim(sentence, text, cited), passages, calculation_texts, min_support)
        for sentence, text, cited in split_reply(reply)
    ]


__all__ = [
    "Claim",
    "Quote",
    "check_claim",
    "content_groups",
    "ground",
    "split_reply",
]
