"""Positioned characters of PDF pages -> text in the order a person reads it.

The input is, per page, its characters with their boxes, size and weight, and its horizontal
ruling lines (``ingest.pdf`` reads them with PDFium). The steps:

1. *Runs*: characters on one baseline with no gap wider than a column gutter.
2. *Page furniture*: runs near the top or bottom edge that repeat across pages (digits aside),
   page numbers, line numbers in the margins and watermark lines are dropped.
3. *Tables* (``ingest.pdf_tables``): runs between ruling lines, or a grid of short runs inside
   one column or across the page, become row lines that carry their headers.
4. *Columns*: gutters are the x-ranges no narrow run covers, with text aligned on both sides;
   a run across a gutter is full width. Items are read top to bottom in bands: a band of
   column text column after column, a full-width item where it falls.
5. *Paragraphs*: headings (bold or larger than the body) stand alone; a line continues the
   paragraph unless the one before it ends short with closing punctuation; words hyphenated at
   line ends are rejoined when the document's own vocabulary says so.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Char:
    c: str
    x0: float
    x1: float
    y: float  # baseline
    size: float
    bold: bool


@dataclass
class Run:
    chars: list[Char]
    text: str = ""
    bold: bool = False

    def __post_init__(self) -> None:
        parts, prev = [], None
        for ch in self.chars:
            if prev is not None and (ch.x0 - prev.x1 > 0.15 * ch.size) and ch.c != " ":
                parts.append(" ")
            parts.append(ch.c)
            prev = ch
        self.text = " ".join("".join(parts).split())
        self.bold = sum(c.bold for c in self.chars) >= 0.9 * len(self.chars)
        self.x0 = min(c.x0 for c in self.chars)
        self.x1 = max(c.x1 for c in self.chars)
        self.y = self.chars[0].y
        sizes = Counter(round(c.size, 1) for c in self.chars)
        self.size = sizes.most_common(1)[0][0]


@dataclass
class Page:
    width: float
    height: float
    chars: list[Char]
    rules: list[tuple[float, float, float]]  # x0, x1, y of horizontal lines
    runs: list[Run] = field(default_factory=list)


@dataclass
class Item:
    """A line of text or a table, placed on its page."""

    y: float
    x0: float
    x1: float
    text: str
    size: float = 0.0
    bold: bool = False
    col: int = -1
    right: float = 0.0  # the right edge of its column
    left: float = 0.0  # and its left edge
    table: bool = False


# -- 1. runs ------------------------------------------------------------------------------
def runs(chars: list[Char]) -> list[Run]:
    out: list[list[Char]] = []
    for ch in chars:
        last = out[-1][-1] if out else None
        if (
            last is None
            or abs(ch.y - last.y) > 0.3 * max(ch.size, 1)
            or ch.x0 < last.x1 - 0.5 * ch.size
            or ch.x0 - last.x1 > 1.0 * min(ch.size, last.size)  # a small line number apart
        ):
            out.append([ch])
        else:
            out[-1].append(ch)
    found = [Run(cs) for cs in out]
    return [r for r in found if r.text]


# -- 2. furniture -------------------------------------------------------------------------
_PAGE_NO = re.compile(r"^(page\s*)?\d{1,4}(\s*(of|/)\s*\d{1,4})?$|^[ivxlc]{1,6}$", re.I)


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower())


def _edge(run: Run, page: Page) -> bool:
    return run.y > page.height * 0.9 or run.y < page.height * 0.085


def remove_furniture(pages: list[Page]) -> None:
    on_edges: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    for page in pages:
        on_edges.update({_key(r.text) for r in page.runs if _edge(r, page)})
        anywhere.update({r.text for r in page.runs if len(r.text) >= 20})
    many = max(2, round(0.25 * len(pages)))
    for page in pages:
        words = [r for r in page.runs if sum(ch.isalpha() for ch in r.text) >= 3]
        left = min((r.x0 for r in words), default=0)
        numbers = [
            r for r in page.runs if r.text.isdigit() and len(r.text) <= 4 and r.x1 < left + 1
        ]
        margin = {id(r) for r in numbers} if len(numbers) >= 5 else set()  # line numbers
        page.runs = [
            r
            for r in page.runs
            if not (
                (_edge(r, page) and (_PAGE_NO.match(r.text) or on_edges[_key(r.text)] >= many))
                or (len(pages) >= 3 and anywhere[r.text] >= max(3, 0.5 * len(pages)))
                or id(r) in margin
            )
        ]
        page.rules = [
            rule for rule in page.rules if page.height * 0.085 < rule[2] < page.height * 0.9
        ]


# -- 4. columns and reading order ---------------------------------------------------------
def gutters(
    found: list[Run], known: Sequence[tuple[float, float]] = ()
) -> list[tuple[float, float]]:
    """x-ranges between columns: covered by no narrow run, with lines of prose (not a
    table's numbers) flush on both sides; or, where a gutter of the document's other pages
    (``known``) lies, flush lines of any kind."""
    if not found:
        return []
    left, right = min(r.x0 for r in found), max(r.x1 for r in found)
    narrow = [r for r in found if r.x1 - r.x0 < 0.62 * (right - left)]
    if len(narrow) < 10:
        return []
    width = int(right - left) + 1
    cover = [0] * width
    for r in narrow:
        for x in range(max(0, int(r.x0 - left)), min(width, int(r.x1 - left) + 1)):
            cover[x] += 1
    # a wide block's short lines may cross a gutter: "empty" is a third of a column's cover
    gaps: list[tuple[float, float]] = []
    x, low = 0, max(2, sorted(cover)[3 * width // 4] // 3)
    while x < width:
        if cover[x] <= low:
            end = x
            while end < width and cover[end] <= low:
                end += 1
            a, b = left + x, left + end
            ends = [len(r.text.split()) for r in narrow if a - 40 <= r.x1 <= a + 1]
            starts = [len(r.text.split()) for r in narrow if b - 1 <= r.x0 <= b + 6]
            seen = any(a < kb and ka < b for ka, kb in known) and len(ends) + len(starts) >= 4
            prose = _prose_lines(ends) and _prose_lines(starts)
            if x > 0 and end < width and b - a >= 4 and (prose or seen):
                # short lines beside a gutter widen it: the narrowest one seen elsewhere holds
                overlaps = [(ka, kb) for ka, kb in known if a < kb and ka < b]
                ka, kb = min(overlaps, key=lambda g: g[1] - g[0], default=(a, b))
                gaps.append((max(a, ka), min(b, kb)))
            x = end
        x += 1
    return gaps


def _prose_lines(words: list[int]) -> bool:
    return len(words) >= 5 and sorted(words)[len(words) // 2] >= 3


def order(page: Page, tables: list[Item], gaps: list | None = None) -> list[Item]:
    """The page's lines and tables in reading order, each with its column's right edge."""
    gaps = gutters(page.runs) if gaps is None else gaps
    left = min([r.x0 for r in page.runs] + [t.x0 for t in tables], default=0)
    right = max([r.x1 for r in page.runs] + [t.x1 for t in tables], default=page.width)
    edges = [left] + [x for g in gaps for x in g] + [right]  # col k: edges[2k] .. edges[2k+1]

    def column(x0: float, x1: float) -> int:
        for k in range(len(gaps) + 1):
            if x0 >= edges[2 * k] - 3 and x1 <= edges[2 * k + 1] + 3:
                return k
        return -1

    lines: dict[tuple[int, int], Item] = {}
    for r in sorted(page.runs, key=lambda r: (-r.y, r.x0)):
        col = column(r.x0, r.x1)
        key = next(
            (k for d in (0, -1, 1) if (k := (col, round(r.y) + d)) in lines), (col, round(r.y))
        )
        if key in lines and r.x0 >= lines[key].x1 - 1:  # the next piece of a loose line
            it = lines[key]
            it.text, it.x1 = f"{it.text} {r.text}", r.x1
            it.bold = it.bold and r.bold
            continue
        rt = edges[2 * col + 1] if col >= 0 else right
        lt = edges[2 * col] if col >= 0 else left
        key = key if key not in lines else (col, round(r.y * 100) + 10**7)
        lines[key] = Item(r.y + r.size, r.x0, r.x1, r.text, r.size, r.bold, col, rt, lt)
    items = list(lines.values())
    for t in tables:
        t.col, t.right = column(t.x0, t.x1), right
        items.append(t)
    items.sort(key=lambda it: -it.y)
    out: list[Item] = []
    band: list[Item] = []
    for it in items:
        if it.col < 0 and gaps:
            out += sorted(band, key=lambda b: (b.col, -b.y))
            band = []
            out.append(it)
        else:
            band.append(it)
    return out + sorted(band, key=lambda b: (b.col, -b.y))
