"""Journal-shaped PDFs for the layout tests: a small typesetter over reportlab's canvas.

An article (title, authors, journal line, abstract, sections of paragraphs, tables, figure
captions, references) is set the way journals print it: a full-width title block and abstract,
then one, two or three columns per page (each page may differ), wide tables and figures across
the page, running heads, page numbers, optionally line numbers and a watermark line, and words
hyphenated at line ends. ``render`` returns the PDF bytes and the text a reader should get back
(what was set, in reading order, without the page furniture).
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ingest.tables import row_lines

EI2 = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "evidence_inference"
PAGE_W, PAGE_H, MARGIN, GUTTER = 612.0, 792.0, 54.0, 18.0
TOP, BOTTOM = PAGE_H - 72.0, 60.0
_FONTS: dict[str, object] = {}


def _font(bold: bool = False) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = "VeraBd" if bold else "Vera"
    if name not in _FONTS:
        _FONTS[name] = TTFont(name, f"{name}.ttf")
        pdfmetrics.registerFont(_FONTS[name])
    return name


def drawable(text: str) -> str:
    """The text with every character the bundled font cannot draw spelt in ASCII."""
    face = _FONTS.get(_font()).face  # type: ignore[union-attr]
    out = []
    for ch in text:
        if ch in "\u2009\u2003\u200a\u2005\u2001\u2002\u2028\u00a0":
            out.append(" ")
        elif ord(ch) in face.charToGlyph or ch.isspace():
            out.append(ch)
        else:
            alt = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append(alt or {"−": "-", "≥": ">=", "≤": "<=", "‐": "-"}.get(ch, "?"))
    return "".join(out)


@dataclass
class Article:
    title: str
    authors: str
    journal: str
    abstract: list[str]
    sections: list[tuple[str, list[str]]]
    references: list[str] = field(default_factory=list)
    table: list[list[str]] | None = None
    table_caption: str = ""
    figure_caption: str = ""


def ei2_article(pmcid: str | None = None, index: int = 0, max_chars: int = 60_000) -> Article:
    """A real EI2 article split into title, abstract and sections (None if data is absent)."""
    articles = json.loads((EI2 / "ei2_validation.json").read_text())["articles"]
    pmcid = pmcid or sorted(articles)[index]
    text = articles[pmcid]
    parts = re.split(r"^([A-Z][^\n]*?):[ \t]*$", text, flags=re.M)
    title, abstract, sections = "", [], []
    for head, body in zip(parts[1::2], parts[2::2], strict=True):
        paras = [drawable(" ".join(p.split())) for p in body.split("\n") if p.strip()]
        if head == "TITLE":  # a few EI2 titles run on into their abstract
            title, abstract = paras[0], abstract + paras[1:]
        elif head.startswith("ABSTRACT"):
            label = head.split(".")[-1].capitalize()
            abstract += [f"{label}: {p}" for p in paras]
        else:
            name = head.split(".")[-1].capitalize()
            if sum(len(p) for _, ps in sections for p in ps) < max_chars:
                sections.append((name, paras))
    return Article(
        title=title,
        authors="Maria Rossi, John A. Smith, Li Wei and Ana Costa",
        journal="Journal of Clinical Trial Reports 2019; 7: 112-124. doi:10.1234/jctr.2019.0042",
        abstract=abstract,
        sections=[(h, ps) for h, ps in sections if ps],
    )


@dataclass
class Style:
    columns: list[int]  # per page; the last repeats
    running_heads: bool = True
    page_numbers: bool = True
    line_numbers: bool = False
    watermark: bool = False
    hyphenate: bool = True
    metadata_title: bool = False
    size: float = 9.0
    rows_first: bool = False  # draw across the columns line by line (content order != reading)


class _Setter:
    def __init__(self, style: Style, article: Article) -> None:
        from reportlab.pdfgen import canvas

        self.style, self.article = style, article
        self.buf = io.BytesIO()
        self.c = canvas.Canvas(self.buf, pagesize=(PAGE_W, PAGE_H))
        if style.metadata_title:
            self.c.setTitle(article.title)
        self.page, self.y, self.expected = 0, TOP, []
        self.pending: list[tuple[list[str], bool, float]] = []  # tokens, bold, indent
        self._start_page()

    # -- pages --------------------------------------------------------------------------
    def cols(self) -> int:
        cols = self.style.columns
        return cols[min(self.page, len(cols) - 1)]

    def col_width(self) -> float:
        n = self.cols()
        return (PAGE_W - 2 * MARGIN - (n - 1) * GUTTER) / n

    def _start_page(self) -> None:
        c, s, a = self.c, self.style, self.article
        if s.running_heads and self.page > 0:
            c.setFont(_font(), 7.5)
            left = "Rossi et al." if self.page % 2 else "J Clin Trial Rep 2019;7:112-124"
            c.drawString(MARGIN, PAGE_H - 40, left)
            c.drawRightString(PAGE_W - MARGIN, PAGE_H - 40, a.title[:60] + " ...")
            c.setLineWidth(0.4)
            c.line(MARGIN, PAGE_H - 45, PAGE_W - MARGIN, PAGE_H - 45)
        if s.page_numbers:
            c.setFont(_font(), 8)
            c.drawCentredString(PAGE_W / 2, 32, f"Page {self.page + 1}")
        if s.watermark:
            c.setFont(_font(), 6.5)
            c.drawString(
                MARGIN, 18, "Downloaded from jctr.example.org on 2 May 2024. For personal use only."
            )
        self.y = TOP

    def new_page(self) -> None:
        self.c.showPage()
        self.page += 1
        self._start_page()

    # -- text ---------------------------------------------------------------------------
    def wrap(
        self, tokens: list[str], width: float, size: float, bold: bool, indent: float = 0.0
    ) -> list[list[str]]:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        font, lines, line = _font(bold), [], []
        tokens, full = list(tokens), width
        while tokens:
            width = full - (indent if not lines else 0.0)  # a paragraph's first line is indented
            word = tokens.pop(0)
            trial = _clean(" ".join([*line, word]))
            if stringWidth(trial, font, size) <= width or not line:
                line.append(word)
                continue
            room = width - stringWidth(_clean(" ".join(line)) + " ", font, size)
            cut = self._hyphen(word, room, font, size) if self.style.hyphenate else None
            if cut:  # \x01: a hyphen added, \x02: the word's own; \x00: the rest of the word
                line.append(word[:cut] + ("\x02" if word[cut - 1] == "-" else "\x01"))
                tokens.insert(0, "\x00" + word[cut:])
            else:
                tokens.insert(0, word)
            lines.append(line)
            line = []
        if line:
            lines.append(line)
        return lines

    @staticmethod
    def _hyphen(word: str, room: float, font: str, size: float) -> int | None:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        if "-" in word[2:-2]:  # a compound breaks after its own hyphen
            cut = word.index("-", 2) + 1
            return cut if stringWidth(word[:cut], font, size) <= room else None
        core = word.rstrip(".,;:)")
        if len(core) < 8 or not core.isalpha() or not core.islower():
            return None
        for cut in range(len(core) - 3, 3, -1):
            if stringWidth(word[:cut] + "-", font, size) <= room:
                return cut
        return None

    def draw_line(
        self,
        tokens: list[str],
        x: float,
        y: float,
        width: float,
        size: float,
        bold: bool,
        justify: bool,
    ) -> None:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        font = _font(bold)
        self.c.setFont(font, size)
        tokens = [_clean(t) for t in tokens]
        if not justify or len(tokens) < 2:
            self.c.drawString(x, y, " ".join(tokens))
            return
        words = sum(stringWidth(t, font, size) for t in tokens)
        gap = (width - words) / (len(tokens) - 1)
        if gap > 3 * stringWidth(" ", font, size):  # a loose line is set ragged, as journals do
            gap = stringWidth(" ", font, size)
        for t in tokens:
            self.c.drawString(x, y, t)
            x += stringWidth(t, font, size) + gap

    def para(self, text: str, bold: bool = False) -> None:
        self.pending.append((text.split(), bold, 0.0 if bold else self.style.size))
        self.expected.append(text)

    def flush(self, final: bool = False) -> None:
        """Set the pending paragraphs in columns, balanced when they end on this page."""
        size = self.style.size
        lh = size * 1.25
        while self.pending:
            width, n = self.col_width(), self.cols()
            lines: list[tuple[list[str], bool, bool, int, float]] = []  # .., last, para, indent
            for i, (tokens, bold, indent) in enumerate(self.pending):
                wrapped = self.wrap(tokens, width, size, bold, indent)
                lines += [
                    (ln, bold, j == len(wrapped) - 1, i, indent if j == 0 else 0.0)
                    for j, ln in enumerate(wrapped)
                ]
            per_col = int((self.y - BOTTOM) // lh)
            if per_col < 2:
                self.new_page()
                continue
            if len(lines) <= n * per_col:
                take, rest = -(-len(lines) // n), []
                height = take * lh
            else:
                take, rest = per_col, lines[n * per_col :]
                height = per_col * lh
            cells = [(k, j) for k in range(n) for j in range(take)]
            if self.style.rows_first:
                cells.sort(key=lambda kj: (kj[1], kj[0]))
            for k, j in cells:
                if k * take + j >= min(len(lines), (k + 1) * take):
                    continue
                ln, bold, last, _, indent = lines[k * take + j]
                x, y = MARGIN + k * (width + GUTTER), self.y - size - j * lh
                self.draw_line(
                    ln, x + indent, y, width - indent, size, bold, justify=not last and not bold
                )
                if self.style.line_numbers and k == 0:
                    self.c.setFont(_font(), 6)
                    self.c.drawRightString(MARGIN - 8, y, str(self.page * 100 + j + 1))
            self.y -= height + lh
            if not rest:
                self.pending = []
                break
            # the rest: the split paragraph's remaining tokens, then the later paragraphs
            first = rest[0][3]
            tail: list[str] = []
            for t in (t for ln, _, _, p, _ in rest if p == first for t in ln):
                if tail and tail[-1].endswith(("\x01", "\x02")) and t.startswith("\x00"):
                    t = tail.pop()[:-1] + t[1:]  # set on one line now: one word again
                tail.append(t)
            self.pending = [(tail, self.pending[first][1], 0.0), *self.pending[first + 1 :]]
            self.new_page()
        if final:
            self.c.showPage()

    def wide(self, lines: list[str], size: float, bold: bool = False) -> None:
        """A full-width block where it falls (after the columns above it are balanced)."""
        self.flush()
        width, lh = PAGE_W - 2 * MARGIN, size * 1.25
        wrapped = [w for ln in lines for w in self.wrap(ln.split(), width, size, bold)]
        if self.y - len(wrapped) * lh < BOTTOM:
            self.new_page()
        for ln in wrapped:
            self.draw_line(ln, MARGIN, self.y - size, width, size, bold, justify=False)
            self.y -= lh
        self.y -= lh / 2
        self.expected.append("\n".join(lines))

    def table(self, rows: list[list[str]], caption: str) -> None:
        self.flush()
        size, lh = 8.0, 12.0
        height = (len(rows) + 2) * lh + 20
        if self.y - height < BOTTOM:
            self.new_page()
        self.wide([caption], 8.5, bold=True)
        widths = [200.0] + [(PAGE_W - 2 * MARGIN - 200) / (len(rows[0]) - 1)] * (len(rows[0]) - 1)
        c = self.c
        c.setLineWidth(0.6)
        c.line(MARGIN, self.y, PAGE_W - MARGIN, self.y)
        for r, row in enumerate(rows):
            x = MARGIN
            for cell, w in zip(row, widths, strict=True):
                c.setFont(_font(r == 0), size)
                c.drawString(x + 2, self.y - size - 2, cell)
                x += w
            self.y -= lh
            if r == 0:
                c.line(MARGIN, self.y - 1, PAGE_W - MARGIN, self.y - 1)
        c.line(MARGIN, self.y - 3, PAGE_W - MARGIN, self.y - 3)
        self.y -= lh
        self.expected[-1] = "\n".join([caption, *row_lines(rows)])

    def figure(self, caption: str) -> None:
        self.flush()
        if self.y - 150 < BOTTOM:
            self.new_page()
        self.c.setFillGray(0.85)
        self.c.rect(MARGIN + 60, self.y - 110, PAGE_W - 2 * MARGIN - 120, 100, fill=1, stroke=0)
        self.c.setFillGray(0)
        self.y -= 120
        self.wide([caption], 8.0)


def _clean(token: str) -> str:
    return token.replace("\x00", "").replace("\x01", "-").replace("\x02", "")


def render(article: Article, style: Style) -> tuple[bytes, str]:
    """The PDF of ``article`` in ``style`` and the text a reader should get back from it."""
    s = _Setter(style, article)
    s.wide([article.title], 16, bold=True)
    s.wide([article.authors], 10)
    s.wide([article.journal], 8)
    s.wide(["Abstract"], 10, bold=True)
    for p in article.abstract:
        s.wide([p], 9)
    half = max(1, len(article.sections) // 2)
    for i, (heading, paras) in enumerate(article.sections):
        s.para(heading, bold=True)
        for p in paras:
            s.para(p)
        if i == half and article.table:
            s.table(article.table, article.table_caption)
        if i == half + 1 and article.figure_caption:
            s.figure(article.figure_caption)
    if article.references:
        s.para("References", bold=True)
        for r in article.references:
            s.para(r)
    s.flush(final=True)
    s.c.save()
    return s.buf.getvalue(), "\n\n".join(s.expected)


def char_f1(extracted: str, source: str) -> float:
    """Character-level F1 of ``extracted`` against ``source``, whitespace ignored: the
    characters of the words the two share in order (difflib's matching blocks over words),
    over all non-space characters of each. A word off by one character counts as missed."""
    from difflib import SequenceMatcher

    a, b = extracted.split(), source.split()
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    same = sum(len("".join(a[m.a : m.a + m.size])) for m in matcher.get_matching_blocks())
    got, want = sum(map(len, a)), sum(map(len, b))
    if not same:
        return 0.0
    p, r = same / got, same / want
    return 2 * p * r / (p + r)


# The journal shapes measured: columns per page (the last repeats) and the page furniture.
LAYOUTS = {
    "two-column": Style(columns=[2]),
    "two-column, drawn across": Style(columns=[2], rows_first=True),
    "three-column": Style(columns=[3]),
    "one-column, line numbers": Style(columns=[1], line_numbers=True, watermark=True),
    "changing (2, 3, 1, 2)": Style(columns=[2, 3, 1, 2], watermark=True),
}


def journal_article(index: int = 0, max_chars: int = 60_000) -> Article:
    """A real EI2 article with a ruled table, a figure and references added (the EI2 texts
    carry neither), its table built from the article's own first prompt."""
    article = ei2_article(index=index, max_chars=max_chars)
    article.table = [
        ["Outcome", "Intervention (n=120)", "Control (n=118)", "P value"],
        ["Primary outcome at 12 weeks", "42 (35.0%)", "27 (22.9%)", "0.04"],
        ["Serious adverse events", "6 (5.0%)", "5 (4.2%)", "0.77"],
        ["Withdrawals", "11", "9", "0.68"],
    ]
    article.table_caption = "Table 1. Outcomes by randomised arm"
    article.figure_caption = (
        "Figure 1. Flow of participants through the trial, from screening and randomisation "
        "to the analysis of the primary outcome in each arm."
    )
    article.references = [
        "1. Smith J, Rossi M. Ovulation induction with gonadotrophins: a randomised comparison. "
        "Hum Reprod 2001; 16: 1-10.",
        "2. Wei L, Costa A. Cost analysis of treatments in a multicentre trial of BCMA-targeted "
        "and anti-CD38 therapy. Lancet Oncol 2003; 80: 22-29.",
        "3. Brown K. Reporting randomised trials. BMJ 2010; 340: c332.",
    ]
    return article
