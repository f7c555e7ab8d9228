"""Tables on PDF pages: by their ruling lines, or by a grid of aligned cells.

Runs between horizontal rules of the same extent, or rows of two or more short runs whose
starts align row after row inside one column (or across the page), become row lines that carry
their headers (``ingest.tables.row_lines``); a "Table N" caption just above stays with its
table, and a grid that runs off the foot of a page lends its header to the next page's rows.
Two columns of prose are never a grid: they are split at the page's gutters first, and runs of
many words, or as wide as a column, are prose.
"""

from __future__ import annotations

import re

from ingest.pdf_layout import Char, Item, Page, Run, gutters
from ingest.tables import row_lines


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
    columns: dict[int, list[Run]] = {}
    for r in rest:
        placed = [
            k
            for k in range(len(gaps) + 1)
            if r.x0 >= edges[2 * k] - 3 and r.x1 <= edges[2 * k + 1] + 3
        ]
        columns.setdefault(placed[0] if placed else -1, []).append(r)
    out = None
    for group in columns.values():
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
