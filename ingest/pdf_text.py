"""Lines in reading order -> paragraphs, headings, rejoined hyphens; title and first-page facts.

Headings (bold lines, or text larger than the body) become one-line paragraphs of their own,
the form ``ingest.chunking`` reads as a section heading, so "Methods" or "References" names the
section of every chunk under it. A line continues its paragraph across column and page breaks
unless the line before it ends short of its column with closing punctuation.
"""

from __future__ import annotations

import re
from collections import Counter

from ingest.pdf_layout import Item

_WORD = re.compile(r"[A-Za-z][A-Za-z-]*[A-Za-z]|[A-Za-z]")
_PREFIXES = set(
    "anti non co pre post self semi multi cross inter intra sub super ultra well".split()
)
_CLOSING = (".", "!", "?", ":", ";", '"', "\u201d", ")", "]")


def body_size(items: list[Item]) -> float:
    sizes: Counter[float] = Counter()
    for it in items:
        if not it.table:
            sizes[it.size] += len(it.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def is_heading_line(it: Item, body: float) -> bool:
    if it.table or len(it.text) > 200 or not re.search(r"[A-Za-z]", it.text):
        return False
    return it.bold or it.size >= 1.15 * body


def vocabulary(items: list[Item]) -> Counter[str]:
    """Words of the document as written inside lines (not the pieces at a line's end)."""
    vocab: Counter[str] = Counter()
    for it in items:
        words = _WORD.findall(it.text)
        if it.text.rstrip().endswith("-"):
            words = words[:-1]
        vocab.update(w.lower() for w in words[1:])
        vocab.update(p.lower() for w in words[1:] if "-" in w for p in w.split("-"))
    return vocab


def join_hyphen(left: str, right: str, vocab: Counter[str]) -> bool:
    """Whether ``left-`` at a line end and ``right`` opening the next line are one word."""
    head = re.search(r"([A-Za-z0-9]+)-$", left)
    tail = re.match(r"([A-Za-z]+)", right)
    if not head or not tail:
        return False
    a, b = head.group(1), tail.group(1)
    if not (a.isalpha() and a[-1].islower() and b[0].islower()) or re.search(r"[A-Z0-9]", a[1:]):
        return False  # BCMA-targeted, anti-CD38, 5-year
    whole = left.rsplit(None, 1)[-1].rstrip("-").lstrip("([\"'").lower() + b.lower()
    if vocab[whole.lower()]:
        return True
    if vocab[f"{a.lower()}-{b.lower()}"] or re.match(r"[A-Za-z]+-[A-Za-z]", right):
        return False  # a compound seen whole, or one that goes on: intent-to-treat
    # follow-up, anti-gametocyte, Chelex-based: a word of the text after a word or a prefix
    return not (
        vocab[b.lower()]
        and (vocab[a.lower()] or (len(b) >= 4 and (a.lower() in _PREFIXES or a[0].isupper())))
    )


def paragraphs(items: list[Item]) -> list[str]:
    body = body_size(items)
    vocab = vocabulary(items)
    out: list[str] = []
    prev: Item | None = None
    prev_heading = False
    for it in items:
        if it.table:
            out.append(it.text)
            prev = None
            continue
        heading = is_heading_line(it, body)
        if (
            prev is None
            or not out
            or heading != prev_heading
            or (heading and (it.size != prev.size or it.bold != prev.bold))
            or _breaks(prev, it)
        ):
            out.append(it.text)
        elif out[-1].endswith("-") and join_hyphen(out[-1], it.text, vocab):
            out[-1] = out[-1][:-1] + it.text
        elif out[-1].endswith("-") and re.search(r"[A-Za-z0-9]-$", out[-1]):
            out[-1] += it.text
        else:
            out[-1] += " " + it.text
        prev, prev_heading = it, heading
    return out


def _breaks(prev: Item, it: Item) -> bool:
    """A paragraph ends between ``prev`` and ``it`` (consecutive lines in reading order)."""
    same_column = prev.col == it.col and prev.y > it.y
    if same_column and prev.y - it.y > 1.9 * max(it.size, prev.size):
        return True  # a gap larger than the leading
    short = prev.x1 < prev.right - 2.0 * prev.size
    indented = it.left + 0.6 * it.size < it.x0 < it.left + 3 * it.size  # a first line
    return indented or (short and prev.text.endswith(_CLOSING))


# -- title and first-page facts ------------------------------------------------------------
_JUNK_TITLE = re.compile(
    r"^(untitled|microsoft word|title|document|slide|\s*$)|\.(docx?|pdf|tex|indd)$", re.I
)
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)")
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")


def usable_title(title: str | None) -> str | None:
    title = " ".join(str(title or "").split())
    if len(title) < 8 or len(title.split()) < 2 or _JUNK_TITLE.search(title):
        return None
    return title


def first_page_facts(
    items: list[Item], vocab: Counter[str] | None = None
) -> tuple[str | None, dict[str, str]]:
    """The largest text on the first page (the title) and the authors, journal, year and DOI
    the lines before the abstract state."""
    if not items:
        return None, {}
    body = body_size(items)
    top = [it for it in items if not it.table]
    biggest = max(it.size for it in top)
    title = None
    if biggest >= 1.15 * body:
        lines = [it.text for it in top if it.size == biggest][:6]
        title = lines[0]
        for line in lines[1:]:
            if not title.endswith("-"):
                title += " " + line
            else:
                joined = join_hyphen(title, line, vocab or Counter())
                title = (title[:-1] if joined else title) + line
    meta: dict[str, str] = {}
    head: list[Item] = []
    for it in top:
        if re.match(r"^(abstract|summary|background)\b", it.text, re.I) and head:
            break
        head.append(it)
    text = "\n".join(it.text for it in head[:40])
    if m := _DOI.search(text):
        meta["doi"] = m.group(1).rstrip(".,;)")
    for it in head:
        if it.size == biggest or it.bold:
            continue
        line = it.text
        if "authors" not in meta and title and _looks_like_authors(line):
            meta["authors"] = line
        elif (
            "journal" not in meta
            and (y := _YEAR.search(line))
            and re.search(r"[A-Za-z]{3}", line[: y.start()])
        ):
            meta["journal"] = line[: y.start()].strip(" ,;.")
            meta["year"] = y.group(1)
    if "year" not in meta and (y := _YEAR.search(text)):
        meta["year"] = y.group(1)
    return title, meta


def _looks_like_authors(line: str) -> bool:
    names = re.split(r",\s*|\s+and\s+|;\s*", re.sub(r"[\d*†‡§]+", "", line))
    names = [n for n in names if n.strip()]
    capitalised = sum(1 for n in names if re.fullmatch(r"(?:[A-Z][\w'.-]*\.?\s*){1,4}", n.strip()))
    return len(names) >= 2 and capitalised >= 0.8 * len(names) and not _DOI.search(line)
