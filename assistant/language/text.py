"""Tokens and sentences, shared by chunking (ingest), lexical retrieval and answering.

Tokens are lowercased Snowball stems (``comparing`` and ``compare`` -> ``compar``).
Hyphenated compounds are kept whole *and* split (``progression-free`` -> ``progression-free``,
``progression``, ``free``), and letter+digit identifiers also yield their letter prefix
(``NCT05955508`` -> ``nct05955508``, ``nct``, ``05955508``), so NCT ids, drug codes and numbers
stay findable lexically.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*(?:-[a-z0-9]+)*")
_LETTERS_DIGITS = re.compile(r"^([a-z]+)([0-9]+)$")
# A paragraph: lines up to a blank line (what sentence_spans segments on its own).
PARAGRAPH = re.compile(r"[^\n]+(?:\n(?!\s*\n)[^\n]*)*")
# pysbd keeps "... grade 1 and 2. No events ..." as one sentence; a number closing a sentence
# before a capitalised word is a boundary too.
_AFTER_NUMBER = re.compile(r"(?<=[0-9][.!?])\s+(?=[\[(\"\u201c]?[A-Z])")
# A hard-wrapped line break falls inside a sentence: the line before is long enough to have
# been wrapped, the line after is no list item, table row, heading or quote, and the break
# comes where no sentence or item ends: before a lowercase word (not a footnote mark glued to
# a name, "aCarbetocin: n = 279"), or after a comma, an opening bracket, a dash or a word that
# needs what follows ("the", "with", "to", "was").
_WRAPPED_BY = 30
_ITEM_START = re.compile(r"\s*(?:[-*+\u2022]\s|[|#>]|\d+[.)]\s|[a-z][.)]\s)")
_NEEDS_MORE = """a an the and or nor but of to in on at by for with from into than as versus vs
    was were is are be been had has have that which who whose whom between among per""".split()
_OPEN_END = re.compile(rf"(?:[,(\[\u2013\u2014-]|\b(?:{'|'.join(_NEEDS_MORE)}))\s*$")
_LOWER_START = re.compile(r"\s*[a-z]+\b")

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers him his how i if in into is it its itself just me more
    most my no nor not of off on once only or other our ours out over own same she should so some
    such than that the their theirs them then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your
    yours""".split()
)

# Words that frame a question rather than name what it asks about.
QUESTION_SCAFFOLD = frozenset(
    """tell give show list describe explain according say said please know find number
    value figure information detail details data result results reported report reports
    many much kind type see seen saw observe observed occur occurred happen happened
    experience experienced get got found shown showed""".split()
    # Stems (the tokenizer's terms) of words that frame a numeric question rather than name
    # what it is about: "compare X between the arms", "the 95% CI for X".
    + "compar comparison between versus vs arm group differ".split()
    + "calcul comput confid interval ci".split()
    # The indefinite pronouns and light verbs of a lay question ("Did anyone get ...?",
    # "Where is the trial being done?"), with their stems.
    + "anyone anyon anybody anybodi someone someon somebody somebodi anything anyth".split()
    + "something someth everyone everyon everybody everybodi done".split()
)

# A unit a paper abbreviates after a number ("2 h", "48h", "12 wk") is also read as the word
# a question writes ("2 hours").
_UNITS = {
    "d": "day", "h": "hour", "hr": "hour", "hrs": "hour", "min": "minut", "mins": "minut",
    "wk": "week", "wks": "week", "mo": "month", "mos": "month", "yr": "year", "yrs": "year",
}  # fmt: skip
_NUMBER_UNIT = re.compile(r"^([0-9]+(?:[.,][0-9]+)?)(" + "|".join(_UNITS) + r")$")

# A compound a paper writes as two words ("followed up", "progression free survival") is also
# read as the hyphenated term a question writes ("follow-up", "progression-free").
_COMPOUND_SECONDS = frozenset("up out off free related induced associated based".split())


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


# British spellings folded to American before stemming, in questions and documents alike, so
# "randomised" meets "randomized", "tumour" "tumor", "oedema" "edema", "centre" "center".
_BRITISH = (
    (re.compile(r"(?<=[a-z]{3})is(e|ed|es|ing|ation|ations)$"), r"iz\1"),
    (re.compile(r"(?<=[a-z]{2})ys(e|ed|es|ing)$"), r"yz\1"),
    (re.compile(r"(?<=[a-z]{3})our(s|ed|ing|able|ite|ites)?$"), r"or\1"),
    (re.compile(r"(?<=[a-z])(ae|oe)(?=[a-z])|^(ae|oe)(?=[a-z]{3})"), "e"),
    (re.compile(r"(?<=[a-z]{2}[^aeiou])tre(s|d)?$"), r"ter\1"),
    (re.compile(r"(?<=[a-z]{3})ogue(s)?$"), r"og\1"),
)


def american(word: str) -> str:
    """A lowercase word in American spelling (a rule of thumb; applied to both sides)."""
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return word


def fold(word: str) -> str:
    """Snowball (Porter 2) stem of an alphabetic word in American spelling, applied to query
    and documents alike; numbers and identifiers stay as they are."""
    if not (word.isalpha() and len(word) > 3):
        return word
    return _stemmer().stemWord(word if word in STOPWORDS else american(word))


# What the stopwords fold to ("does" -> "doe", "only" -> "onli"): as empty as they are. But
# "above", "before" and "during" fold to terms ("abov", "befor", "dure") and stay so: they
# place a figure or a time ("score above 12" is not answered by "score of 0-4").
_PLACING = frozenset({"above", "before", "during"})
_FOLDED_STOPWORDS = frozenset(fold(w) for w in STOPWORDS - _PLACING) - STOPWORDS


def normalise_for_tokens(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return text.replace("\u2010", "-").replace("\u2011", "-").replace("\u2013", "-")


def closed_up(word: str) -> str | None:
    """The folded closed-up form of a hyphenated word ("co-infection": "coinfect"), or None
    when it has no hyphen or holds more than letters."""
    parts = re.split(r"[-\u2010\u2011]", word.lower())
    joined = "".join(parts)
    return fold(joined) if len(parts) > 1 and joined.isalpha() else None


@lru_cache(maxsize=65536)
def _expand(word: str) -> tuple[str, ...]:
    word = word.rstrip(".,")
    parts = word.split("-")
    out = ["-".join(fold(part) for part in parts)]  # the whole word, each part stemmed
    if len(parts) > 1:
        out.extend(fold(part) for part in parts if part)
        if closed := closed_up(word):  # "co-infection" is also the "coinfection" asked about
            out.append(closed)
    m = _LETTERS_DIGITS.match(word)
    if m and len(m.group(1)) >= 2:
        out.extend(m.groups())
    return tuple(out)


# The term a figure followed by "%" also yields (the folded "percent").
PERCENT = "percent"


def tokenize(text: str) -> list[str]:
    """All index tokens of ``text`` (compounds, their parts and the parts joined, identifier
    prefixes; a unit abbreviated after a number also as its word, a figure before "%" also
    as ``percent``; two words of a compound, or a letter and a word, also as one)."""
    tokens: list[str] = []
    previous = ""
    normalised = normalise_for_tokens(text)
    for match in _WORD.finditer(normalised):
        word = match.group(0)
        tokens.extend(_expand(word))
        if normalised.startswith("%", match.end()) and word[:1].isdigit():
            tokens.append(PERCENT)  # "35%" answers a question asking for a percentage
        if word in _COMPOUND_SECONDS and previous.isalpha():
            tokens.append(f"{fold(previous)}-{word}")
        elif len(previous) == 1 and previous.isalpha() and previous not in STOPWORDS:
            tokens.append(f"{previous}-{fold(word)}")  # "B cells" is the "B-cell" asked about
        elif word in _UNITS and previous[:1].isdigit():
            tokens.append(_UNITS[word])
        elif (m := _NUMBER_UNIT.match(word)) is not None:
            tokens.extend((m.group(1), _UNITS[m.group(2)]))
        previous = word
    return tokens


def surface_words(text: str) -> list[tuple[str, str]]:
    """(surface form, folded term) for each whole word, compounds kept whole."""
    normalised = unicodedata.normalize("NFKC", text)
    words = []
    for m in re.finditer(
        r"[A-Za-z0-9]+(?:[.,][0-9]+)*(?:[-\u2010\u2011][A-Za-z0-9]+)*", normalised
    ):
        surface = m.group(0).rstrip(".,")
        words.append((surface, _expand(normalise_for_tokens(surface))[0]))
    return words


def is_content(term: str) -> bool:
    return (
        term not in STOPWORDS
        and term not in _FOLDED_STOPWORDS
        and term not in QUESTION_SCAFFOLD
        and len(term) > 1
        or term.isdigit()
    )


@dataclass(frozen=True)
class Span:
    start: int
    end: int


_local = threading.local()


def _segmenter():
    """pysbd's segmenter, one per thread: it keeps the text it works on in itself, so one
    shared by the API's worker threads mixes up their sentences."""
    segmenter = getattr(_local, "segmenter", None)
    if segmenter is None:
        # pysbd passes its patterns to re as strings (hundreds of fixed ones, more made from
        # the text), and re keeps only the last 512 it compiled, so most are compiled again
        # for every paragraph. Room for 4,096 takes about a third off segmenting.
        re._MAXCACHE = max(getattr(re, "_MAXCACHE", 0), 4096)  # type: ignore[attr-defined]
        segmenter = _local.segmenter = _segmenter_class()(
            language="en", clean=False, char_span=True
        )
    return segmenter


@lru_cache(maxsize=1)
def _segmenter_class():
    """pysbd's segmenter, finding each sentence in the text with ``str.find``.

    pysbd locates every sentence it cut by compiling a pattern of that sentence's own text:
    thousands of one-use patterns per article, half the time of segmenting and enough to push
    its fixed patterns out of re's cache. The search here is the same one, a sentence's text and
    the whitespace after it, the first such match that ends past the sentence before, without
    a pattern. (pysbd never returns an empty sentence; one would be skipped here.)
    """
    import pysbd
    from pysbd.utils import TextSpan

    class Segmenter(pysbd.Segmenter):
        def sentences_with_char_spans(self, sentences):
            text: str = self.original_text
            spans, prior_end = [], 0
            for sent in sentences:
                at = text.find(sent) if sent else -1
                while at >= 0:
                    end = at + len(sent)
                    while end < len(text) and text[end].isspace():
                        end += 1
                    if end > prior_end:
                        spans.append(TextSpan(text[at:end], at, end))
                        prior_end = end
                        break
                    at = text.find(sent, end)
            return spans

    return Segmenter


def unwrapped(paragraph: str) -> str:
    """``paragraph`` with each hard-wrapped line break (one inside a sentence) made a space.

    Offsets are kept: one character stands for one. A break between lines that may each stand
    alone (list items, table rows, a record's fields, a heading over its text) stays.
    """
    if "\n" not in paragraph:
        return paragraph
    lines = paragraph.split("\n")
    out = [lines[0]]
    for before, after in zip(lines, lines[1:], strict=False):
        joined = (
            len(before.strip()) >= _WRAPPED_BY
            and after.strip() != ""
            and not _ITEM_START.match(after)
            and (_LOWER_START.match(after) is not None or _OPEN_END.search(before) is not None)
        )
        out.append((" " if joined else "\n") + after)
    return "".join(out)


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentences of ``text[start:end]`` as spans into ``text``, whitespace trimmed.

    Paragraphs (blank-line separated) are segmented separately, so no sentence crosses one.
    """
    end = len(text) if end is None else end
    spans: list[Span] = []
    for para in PARAGRAPH.finditer(text[start:end]):
        base = start + para.start()
        para_text = para.group(0)
        if not para_text.strip():
            continue
        para_text = unwrapped(para_text)
        spans.extend(_rejoined(_segmented(para_text, base), para_text, base))
    return spans


# "... other studies.[1114] Two patients ...": a bracketed reference list after a sentence's
# full stop (as papers' text layers join it) closes that sentence; it opens no other.
REFERENCE_MARK = re.compile(r"\[\d+(?:\s*[,\u2013-]\s*\d+)*\]\s*")

# "Ae. aegypti", "Staphylococcus spp. were": a short word's full stop before a lowercase word
# abbreviates; it ends no sentence (pysbd cuts there). Nor does "Chambers et al. [10] then",
# a reference mark standing between.
_ABBREVIATED_END = re.compile(rf"(?<![A-Za-z])[A-Za-z]{{1,4}}\.\s*(?:{REFERENCE_MARK.pattern})?$")


def _rejoined(spans: list[Span], para_text: str, base: int) -> list[Span]:
    """``spans`` (of ``para_text``, which starts at ``base``) with each that begins in
    lowercase, after one ending in an abbreviating full stop on the same line, joined to it,
    and a reference mark opening a span given to the span before."""
    out: list[Span] = []
    for span in spans:
        a = span.start - base
        mark = REFERENCE_MARK.match(para_text, a, span.end - base)
        if out and mark and "\n" not in para_text[out[-1].end - base : a]:
            kept = para_text[a : mark.end()].rstrip()
            out[-1] = Span(out[-1].start, span.start + len(kept))
            if mark.end() >= span.end - base:
                continue
            span = Span(base + mark.end(), span.end)
            a = span.start - base
        if out:
            before = out[-1]
            if (
                para_text[a].islower()
                and "\n" not in para_text[before.end - base : a]
                and _ABBREVIATED_END.search(para_text, before.start - base, before.end - base)
            ):
                out[-1] = Span(before.start, span.end)
                continue
        out.append(span)
    return out


def _segmented(para_text: str, base: int) -> list[Span]:
    """pysbd's sentences of one paragraph, with a cut after a number ending a sentence."""
    spans: list[Span] = []
    cursor = 0
    for piece in _segmenter().segment(para_text):
        # pysbd reports spans by searching; re-anchor each one after the previous.
        at = para_text.find(piece.sent, cursor)
        if at < 0:
            at = piece.start
        s, e = at, min(at + len(piece.sent), len(para_text))
        cursor = e
        while s < e and para_text[s].isspace():
            s += 1
        while e > s and para_text[e - 1].isspace():
            e -= 1
        cuts = [s] + [m.end() for m in _AFTER_NUMBER.finditer(para_text, s, e)] + [e]
        for a, b in zip(cuts, cuts[1:], strict=False):
            while b > a and para_text[b - 1].isspace():
                b -= 1
            if b > a:
                spans.append(Span(base + a, base + b))
    return spans
