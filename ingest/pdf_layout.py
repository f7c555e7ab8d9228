"""Positioned characters of PDF pages -> text in the order a person reads it.

The input is, per page, its characters with their boxes, size and weight, and its horizontal
ruling lines (``ingest.pdf`` reads them with PDFium). The steps:

1. *Runs*: characters on one baseline with no gap wider than a column gutter.
2. *Page furniture*: runs near the top or bottom edge that repeat across pages (digits aside),
   page numbers, line numbers in the margins and watermark lines are dropped.
3. *Tables*: runs between ruling lines of the same extent, or a grid of short runs whose starts
   align row after row (justified prose is not a grid), become row lines that carry their
   headers (``ingest.tables.row_lines``); a "Table N" caption above stays with its table.
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
from dataclasses import dataclass, field

from ingest.tables import row_lines


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
    col: int = -1  # -1: across the page

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


# -- 3. tables ----------------------------------------------------------------------------
def _rows(found: list[Run]) -> list[list[Run]]:
    rows: list[list[Run]] = []
    for r in sorted(found, key=lambda r: (-r.y, r.x0)):
        if rows and abs(rows[-1][0].y - r.y) <= 0.3 * r.size:
            rows[-1].append(r)
        else:
            rows.append([r])
    return [sorted(row, key=lambda r: r.x0) for row in rows]


def _table_text(rows: list[list[Run]], head: list[Run] | None = None) -> list[str]:
    """Row lines; ``head`` is the header of the same table on the page before."""
    rows = [head, *rows] if head else rows
    starts = sorted(r.x0 for row in rows for r in row)
    anchors: list[float] = []
    for x in starts:
        if not anchors or x - anchors[-1] > 6:
            anchors.append(x)
    grid: list[list[str]] = []
    for row in rows:
        cells = [""] * len(anchors)
        for r in row:
            col = max(i for i, a in enumerate(anchors) if a <= r.x0 + 6)
            cells[col] = f"{cells[col]} {r.text}".strip()
        filled = [i for i, c in enumerate(cells) if c]
        if grid and len(filled) == 1 and filled[0] > 0:  # a cell's second line
            grid[-1][filled[0]] = f"{grid[-1][filled[0]]} {cells[filled[0]]}".strip()
        else:
            grid.append(cells)
    return row_lines(grid)[1:] if head else row_lines(grid)


def _cells(run: Run) -> list[Run]:
    """A run inside a ruled table split where its gap is wider than a word space."""
    parts: list[list[Char]] = [[]]
    for ch in run.chars:
        if parts[-1] and ch.x0 - parts[-1][-1].x1 > 0.5 * ch.size:
            parts.append([])
        parts[-1].append(ch)
    return [Run(p) for p in parts] if len(parts) > 1 else [run]


def _caption(page: Page, top: float, x0: float, x1: float, used: set[int]) -> list[Run]:
    """The "Table N" caption lines just above ``top`` (at most four lines)."""
    above = [r for r in page.runs if id(r) not in used and top < r.y < top + 60 and r.x0 >= x0 - 4]
    lines = _rows([r for r in above if r.x1 <= x1 + 4])
    lines.reverse()  # bottom up
    taken: list[Run] = []
    for line in lines[:4]:
        taken = line + taken
        if re.match(r"^(table|tab\.)\s*\w+", line[0].text, re.I):
            return taken
    return []


def find_tables(
    page: Page, carried: list[Run] | None = None, gaps: list | None = None
) -> tuple[list[Item], list[Run] | None]:
    """The page's tables as items, and the header of a grid table that runs off its foot."""
    items: list[Item] = []
    used: set[int] = set()
    rules = sorted(page.rules, key=lambda r: -r[2])
    groups: list[list[tuple[float, float, float]]] = []
    for rule in rules:
        g = next(
            (
                g
                for g in groups
                if abs(g[0][0] - rule[0]) < 8
                and abs(g[0][1] - rule[1]) < 8
                and g[-1][2] - rule[2] < 400
            ),
            None,
        )
        g.append(rule) if g else groups.append([rule])
    for g in (g for g in groups if len(g) >= 2):
        x0, x1, top, bottom = g[0][0], g[0][1], g[0][2], g[-1][2]
        inside = [r for r in page.runs if bottom < r.y < top and r.x0 >= x0 - 4 and r.x1 <= x1 + 4]
        rows = _rows([cell for r in inside for cell in _cells(r)])
        if sum(len(row) >= 2 for row in rows) < 2:
            continue
        caption = _caption(page, top, x0, x1, used)
        used.update(id(r) for r in inside + caption)
        lines = [" ".join(r.text for r in caption)] if caption else []
        items.append(
            Item(
                top + (20 if caption else 0),
                x0,
                x1,
                "\n".join(lines + _table_text(rows)),
                table=True,
            )
        )
    rest = [r for r in page.runs if id(r) not in used]
    # a grid lies inside one column or across the page: two columns of prose are no grid
    gaps = gutters(rest) if gaps is None else gaps
    edges = [-1e9] + [x for g in gaps for x in g] + [1e9]
    groups: dict[int, list[Run]] = {}
    for r in rest:
        inside = [
            k
            for k in range(len(gaps) + 1)
            if r.x0 >= edges[2 * k] - 3 and r.x1 <= edges[2 * k + 1] + 3
        ]
        groups.setdefault(inside[0] if inside else -1, []).append(r)
    out = None
    for group in groups.values():
        grid, found = _grid_tables(page, group, used, carried)
        items += grid
        out = out or found
    page.runs = [r for r in page.runs if id(r) not in used]
    return items, out


def _grid_tables(page: Page, candidates: list[Run], used: set[int], carried: list[Run] | None):
    """Rows of two or more runs whose starts align, three rows at least, not prose."""
    items, rows, out = [], _rows(candidates), None
    highest = max((r.y for r in candidates), default=0)
    lowest = min((r.y for r in candidates), default=0)
    i = 0
    while i < len(rows):
        j = i
        anchors = {round(r.x0) for r in rows[i]}
        while (
            j < len(rows)
            and len(rows[j]) >= 2
            and (
                j == i
                or (
                    rows[j - 1][0].y - rows[j][0].y < 2.6 * rows[j][0].size
                    and sum(any(abs(r.x0 - a) <= 4 for a in anchors) for r in rows[j]) >= 2
                )
            )
        ):
            j += 1
        block = rows[i:j]
        if len(block) >= 3 and not _prose(block):
            flat = [r for row in block for r in row]
            caption = _caption(
                page,
                block[0][0].y + block[0][0].size,
                min(r.x0 for r in flat),
                max(r.x1 for r in flat),
                used,
            )
            used.update(id(r) for r in flat + caption)
            lines = [" ".join(r.text for r in caption)] if caption else []
            head = (
                carried
                if (
                    carried
                    and block[0][0].y >= highest - 1
                    and len(block[0]) == len(carried)
                    and all(abs(a.x0 - b.x0) <= 6 for a, b in zip(block[0], carried, strict=True))
                    and [r.text for r in block[0]] != [r.text for r in carried]
                )
                else None
            )
            items.append(
                Item(
                    block[0][0].y + block[0][0].size,
                    min(r.x0 for r in flat),
                    max(r.x1 for r in flat),
                    "\n".join(lines + _table_text(block, head)),
                    table=True,
                )
            )
            out = (head or block[0]) if block[-1][0].y <= lowest + 1 else None
        i = max(j, i + 1)
    return items, out


def _prose(block: list[list[Run]]) -> bool:
    """Columns of prose side by side: runs of many words, or as wide as a column of three."""
    words = sorted(len(r.text.split()) for row in block for r in row)
    widths = sorted(r.x1 - r.x0 for row in block for r in row)
    span = max(r.x1 for row in block for r in row) - min(r.x0 for row in block for r in row)
    return words[len(words) // 2] >= 5 or widths[len(widths) // 2] >= 0.25 * span


# -- 4. columns and reading order ---------------------------------------------------------
def gutters(found: list[Run], known: list[tuple[float, float]] = ()) -> list[tuple[float, float]]:
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
    found, x, low = [], 0, max(2, sorted(cover)[3 * width // 4] // 3)
    while x < width:
        if cover[x] <= low:
            end = x
            while end < width and cover[end] <= low:
                end += 1
            a, b = left + x, left + end
            ends = [len(r.text.split()) for r in narrow if a - 40 <= r.x1 <= a + 1]
            starts = [len(r.text.split()) for r in narrow if b - 1 <= r.x0 <= b + 6]
            seen = any(a < kb and ka < b for ka, kb in known) and min(len(ends), len(starts)) >= 3
            prose = _prose_lines(ends) and _prose_lines(starts)
            if x > 0 and end < width and b - a >= 4 and (prose or seen):
                # short lines beside a gutter widen it: the narrowest one seen elsewhere holds
                overlaps = [(ka, kb) for ka, kb in known if a < kb and ka < b]
                ka, kb = min(overlaps, key=lambda g: g[1] - g[0], default=(a, b))
                found.append((max(a, ka), min(b, kb)))
            x = end
        x += 1
    return found


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
        key = key if key not in lines else (col, round(r.y * 100) + 10**7)
        lines[key] = Item(r.y + r.size, r.x0, r.x1, r.text, r.size, r.bold, col, rt)
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
