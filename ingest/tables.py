"""Tables -> self-describing lines, so a row's numbers never lose their column headers.

A chunk is a span of the document text, so a table split between chunks would leave the rows
of the second chunk without the header that says which arm a count belongs to. Instead every
format's loader rewrites a table as one line per row that carries its headers:

    Columns: Response | Drug A (n=19) | Placebo (n=20)
    ORR — Drug A (n=19): 19 (100%); Placebo (n=20): 5 (25%).

Each row line is a sentence on its own, so it is also what an answer quotes.
"""

from __future__ import annotations

import re

Rows = list[list[str]]


def _clean(cell: str) -> str:
    return " ".join(cell.split()).strip()


def row_lines(rows: Rows) -> list[str]:
    """Header row first; each later row becomes ``label — header: value; header: value.``"""
    rows = [[_clean(c) for c in row] for row in rows if any(_clean(c) for c in row)]
    if len(rows) < 2:
        return [" | ".join(c for c in row if c) for row in rows]
    header, body = rows[0], rows[1:]
    width = max(len(r) for r in rows)
    header = header + [""] * (width - len(header))
    lines = ["Columns: " + " | ".join(h for h in header if h)]
    for row in body:
        row = row + [""] * (width - len(row))
        label, cells = row[0], []
        for head, value in zip(header[1:], row[1:], strict=True):
            if value:
                cells.append(f"{head}: {value}" if head else value)
        if not cells:
            lines.append(label)
            continue
        line = "; ".join(cells)
        line = f"{label} — {line}" if label else line
        lines.append(line if line.endswith((".", "!", "?")) else line + ".")
    return lines


# -- Markdown pipe tables -------------------------------------------------------------------

_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _pipe_cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def markdown_tables(text: str) -> str:
    """Replace every ``| a | b |`` table (header, rule, rows) with row lines."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if i + 1 < len(lines) and _PIPE_ROW.match(lines[i]) and _PIPE_RULE.match(lines[i + 1]):
            rows = [_pipe_cells(lines[i])]
            i += 2
            while i < len(lines) and _PIPE_ROW.match(lines[i]):
                rows.append(_pipe_cells(lines[i]))
                i += 1
            out.extend(row_lines(rows))
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


# -- PDF text extracted in layout mode ------------------------------------------------------

_GAP = re.compile(r"\S+(?: \S+)*")  # runs of words separated by single spaces


def _cells(line: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group(0)) for m in _GAP.finditer(line)]


def _aligned(header: list[tuple[int, str]], cells: list[tuple[int, str]]) -> bool:
    starts = [s for s, _ in header]
    return all(any(abs(s - h) <= 3 for h in starts) for s, _ in cells)


def _place(header: list[tuple[int, str]], cells: list[tuple[int, str]]) -> list[str]:
    row = [""] * len(header)
    for start, value in cells:
        col = min(range(len(header)), key=lambda j: abs(header[j][0] - start))
        row[col] = f"{row[col]} {value}".strip()
    return row


def layout_tables(text: str, carried: list[tuple[int, str]] | None = None) -> str:
    """Find column-aligned blocks in layout-mode PDF text and rewrite them as row lines.

    A table is a header line of two or more cells (separated by runs of 2+ spaces) followed by
    at least one line whose cells start under the header's columns. Prose lines have single
    spaces between words and are left alone. ``carried`` is the header of a table that ran off
    the previous page: a table opening this page in the same columns continues it.
    """
    return _layout(text, carried)[0]


def layout_pages(pages: list[str]) -> list[str]:
    """``layout_tables`` over a document's pages, carrying a table's header across page breaks."""
    out, carried = [], None
    for page in pages:
        text, carried = _layout(page, carried)
        out.append(text)
    return out


def _layout(text: str, carried: list[tuple[int, str]] | None):
    lines = text.split("\n")
    out: list[str] = []
    last_header = None
    i = 0
    while i < len(lines):
        header = _cells(lines[i])
        continues = (
            carried is not None
            and sum(1 for x in out if x.strip()) <= 2  # only a running head above it
            and len(header) == len(carried)
            and _aligned(carried, header)
            and [v for _, v in header] != [v for _, v in carried]
        )
        top = carried if continues and carried is not None else header
        j = i if continues else i + 1
        if len(top) >= 2:
            while j < len(lines):
                cells = _cells(lines[j])
                if len(cells) < 2 or not _aligned(top, cells):
                    break
                j += 1
        if continues and j > i:
            rows = [[v for _, v in top]] + [_place(top, _cells(x)) for x in lines[i:j]]
            out += ["", *row_lines(rows)[1:], ""]
        elif j - i >= 2:
            rows = [[v for _, v in top]] + [_place(top, _cells(x)) for x in lines[i + 1 : j]]
            out += ["", *row_lines(rows), ""]
        else:
            out.append(lines[i])
            i += 1
            continue
        carried = None
        # A table that runs to the foot of the page (a page number at most below it) may go on.
        last_header = top if sum(1 for x in lines[j:] if x.strip()) <= 1 else None
        i = j
    return "\n".join(out), last_header
