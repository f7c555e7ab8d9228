"""HTML -> text: the parser behind the ``.html`` loader (``ingest.loaders``), keeping blocks
as paragraphs and tables as rows, with the page's title and ``<meta>`` metadata."""

from __future__ import annotations

from html.parser import HTMLParser

from ingest.tables import row_lines

# <meta name="..."> tags read as document metadata (name -> metadata key).
HTML_META = {
    "trial": "trial",
    "nct_id": "nct_id",
    "source_type": "source_type",
    "date": "date",
    "data_cutoff": "data_cutoff",
    "publisher": "publisher",
    "source_page": "source_pages",
    "source_pages": "source_pages",
    "id": "id",
    "date_precision": "date_precision",
}


class HTMLText(HTMLParser):
    """An HTML page's text: blocks as paragraphs, tables as rows (``ingest.tables``), script,
    style and the like skipped; its ``<title>``, first ``<h1>`` and ``<meta>`` values kept."""

    BLOCKS = {
        "p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "ul", "ol",
        "li", "table", "thead", "tbody", "tr", "blockquote", "pre", "dl", "dt", "dd", "figure",
        "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "br", "hr", "caption", "form",
    }  # fmt: skip
    SKIP = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: str | None = None
        self._skip = 0
        self._tables = 0  # depth of <table> nesting; rows are kept for the outermost
        self._rows: list[list[str]] = []
        self._caption: list[str] = []
        self.meta: dict[str, list[str]] = {}
        self._in_title = False
        self._h1: list[str] | None = None
        self.first_h1: str | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "meta":
            found = dict(attrs)
            key = (found.get("name") or "").strip().lower().replace("-", "_")
            if key in HTML_META and found.get("content"):
                self.meta.setdefault(HTML_META[key], []).append(found["content"].strip())
        if tag == "title":
            self._in_title = True
        elif tag in self.SKIP:
            self._skip += 1
        elif tag == "table":
            self._tables += 1
            if self._tables == 1:
                self._rows, self._caption = [], []
        elif self._tables == 1 and tag == "tr":
            self._rows.append([])
        elif self._tables == 1 and tag in ("td", "th"):
            if not self._rows:
                self._rows.append([])
            self._rows[-1].append("")
        elif self._tables:
            pass
        elif tag in self.BLOCKS:
            self.parts.append("\n\n" if tag not in ("br", "tr", "li") else "\n")
        if tag == "h1" and self.first_h1 is None:
            self._h1 = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "table" and self._tables:
            self._tables -= 1
            if not self._tables:
                caption = " ".join("".join(self._caption).split())
                lines = ([caption] if caption else []) + row_lines(self._rows)
                self.parts.append("\n\n" + "\n".join(lines) + "\n\n")
        elif self._tables:
            pass
        elif tag in self.BLOCKS:
            self.parts.append("\n\n" if tag not in ("tr", "li") else "\n")
        if tag == "h1" and self._h1 is not None:
            self.first_h1 = " ".join("".join(self._h1).split()) or None
            self._h1 = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = ((self.title or "") + data).strip()
        elif self._skip:
            return
        elif self._tables:
            if self._rows and self._rows[-1]:
                self._rows[-1][-1] += data.replace("\n", " ")
            elif data.strip():  # a caption, or text outside any cell
                self._caption.append(data.replace("\n", " "))
        else:
            self.parts.append(data.replace("\n", " "))
            if self._h1 is not None:
                self._h1.append(data)
