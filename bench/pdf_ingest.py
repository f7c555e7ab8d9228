"""PDF ingest against the same article as text: what reading PDFs (issue 19) costs.

A real Evidence Inference article (EI2 validation article 30, the one ``docs/pdf-layout.md``
measured) is set by the test typesetter (``tests/ingest/journal_pdf.py``) as a two-column
journal PDF of ``--pages`` pages (12 by default: running heads, page numbers, a title block, a
ruled table, a figure, references; body paragraphs dropped from the end until it fits), and
the text that typesetter set is written as a ``.txt``: the same words, so the two ingests
differ only in how the file is read. Each is ingested into a fresh temporary store by
TrialQA's own path (``assistant.factory.build`` and ``ingest.pipeline.Ingestor``: load,
normalise, chunk, embed, write) with the first ``--backends`` embedder, loaded and warmed once;
runs are interleaved, the order rotating every repeat, and the median of the repeats is
reported with the ratio PDF / text (the issue's target: at most 1.5x).

Then the PDF read alone (``document_from_bytes``: bytes to ``Document``, no chunking or
embedding), interleaved the same way: the loader now (pypdf's safety checks, PDFium's
characters, ``ingest.pdf_layout``) against the loader before it (commit dd06c10^: the same
checks, pypdf's ``extract_text(extraction_mode="layout")`` per page, ``ingest.tables.
layout_pages``), the latter only while it can still run; with the character F1 of each
against the text that was set.

Without ``../shared/data/evidence_inference`` (or reportlab) it prints one line and exits 0.

    python -m bench.pdf_ingest [--repeats 3] [--pages 12] [--backends torch]
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import common

ARTICLE = 30  # the EI2 validation article (in PMCID order) docs/pdf-layout.md measured
TARGET = 1.5  # PDF ingest at most this many times the text's (issue 19)

Loader = Callable[[bytes, str], tuple]


def unavailable() -> str | None:
    """Why the benchmark cannot run here, or None."""
    try:
        import reportlab  # noqa: F401

        from tests.ingest.journal_pdf import EI2
    except ImportError as exc:
        return f"the test typesetter cannot run ({exc})"
    if not (EI2 / "ei2_validation.json").is_file():
        return f"{EI2} is absent"
    return None


def paper(pages: int) -> tuple[bytes, str, int, str]:
    """(PDF bytes, the text set in it, its pages, PMCID): article ``ARTICLE`` set in two
    columns on at most ``pages`` pages (all of it when it is shorter)."""
    import pypdfium2 as pdfium

    from tests.ingest.journal_pdf import EI2, LAYOUTS, journal_article, render

    pmcid = sorted(json.loads((EI2 / "ei2_validation.json").read_text())["articles"])[ARTICLE]
    article = journal_article(ARTICLE, max_chars=60_000)
    sections = article.sections

    def build(keep: int) -> tuple[bytes, str, int]:
        """The PDF of the article with its first ``keep`` body paragraphs."""
        cut, left = [], keep
        for heading, paras in sections:
            if left <= 0:
                break
            cut.append((heading, paras[:left]))
            left -= len(paras)
        article.sections = cut
        pdf, text = render(article, LAYOUTS["two-column"])
        doc = pdfium.PdfDocument(pdf)
        try:
            return pdf, text, len(doc)
        finally:
            doc.close()

    lo, hi = 1, sum(len(paras) for _, paras in sections)
    best = build(hi)
    if best[2] > pages:  # the most paragraphs that still fit
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if build(mid)[2] <= pages else (lo, mid - 1)
        best = build(lo)
    return *best, pmcid


def old_loader() -> Loader | None:
    """The PDF loader before issue 19 (commit dd06c10^), or None when its parts are gone."""
    try:
        from pypdf import PdfReader, apply_configuration

        from ingest.pdf_limits import (
            MAX_PDF_CONTENT_BYTES,
            MAX_PDF_PAGES,
            PDF_BOMB_FLOOR,
            PDF_BOMB_RATIO,
            PDF_LIMITS,
            pdf_content_bytes,
        )
        from ingest.tables import layout_pages
    except ImportError:
        return None

    def read(data: bytes, name: str) -> tuple[str, str | None]:
        with apply_configuration(**PDF_LIMITS):
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise ValueError(f"{name}: encrypted")
            if len(reader.pages) > MAX_PDF_PAGES:
                raise ValueError(f"{name}: too many pages")
            limit = min(MAX_PDF_CONTENT_BYTES, max(PDF_BOMB_FLOOR, PDF_BOMB_RATIO * len(data)))
            if pdf_content_bytes(reader, limit) > limit:
                raise ValueError(f"{name}: a decompression bomb")
            pages = [p.extract_text(extraction_mode="layout") or "" for p in reader.pages]
            title = (reader.metadata.title if reader.metadata else None) or None
        return "\n\n".join(layout_pages(pages)), str(title) if title else None

    return read


def cpu_line(c: dict[str, Any]) -> str:
    """The CPU (model, the flags that decide the embedding precision) and the load now."""
    flags = ", ".join(c["flags"]) or "none of note"
    return f"CPU: {c['model']} (flags: {flags}); {common.load()}"


def run(args: argparse.Namespace) -> dict[str, Any]:
    if reason := unavailable():
        print(f"pdf_ingest: skipped, {reason}")
        return {"skipped": reason, "results": []}
    from assistant.factory import build
    from bench.answer_latency import cpu
    from ingest.loaders import LOADERS, document_from_bytes
    from ingest.pipeline import Ingestor
    from tests.ingest.journal_pdf import char_f1

    backend = common.backends(args)[0]
    repeats = args.pdf_repeats
    with common.scratch("pdf") as work:
        pdf, text, pages, pmcid = paper(args.pdf_pages)
        files = {"text (.txt)": work / "txt" / "paper.txt", "PDF": work / "pdf" / "paper.pdf"}
        for path, data in zip(files.values(), (text.encode(), pdf), strict=True):
            path.parent.mkdir()
            path.write_bytes(data)
        print(
            f"pdf_ingest: EI2 article {pmcid}, {pages} pages, {len(text):,} characters; "
            f"warming the {backend} embedder...",
            file=sys.stderr,
        )
        embedder = common.trialqa_embedder(backend)

        # -- the PDF read alone ------------------------------------------------------------
        loaders: dict[str, Loader | None] = {
            "loader now: pypdf checks, PDFium, layout": LOADERS[".pdf"],
            "loader before: pypdf checks, pypdf layout mode": old_loader(),
        }
        read_runs: dict[str, Callable[[bool], tuple[float, str]]] = {}
        for label, loader in loaders.items():
            if loader is None:
                print(f"pdf_ingest: {label} left out (its parts are gone)")
                continue
            try:  # untimed: imports, and whether the loader still runs
                document_from_bytes(pdf, name="paper.pdf", source="paper.pdf", loader=loader)
            except Exception as exc:
                print(f"pdf_ingest: {label} left out ({exc.__class__.__name__}: {exc})")
                continue

            def read(first: bool, loader=loader) -> tuple[float, str]:
                with common.timer() as t:
                    doc = document_from_bytes(
                        pdf, name="paper.pdf", source="paper.pdf", loader=loader
                    )
                return t[0], doc.text

            read_runs[label] = read
        done = common.interleave(read_runs, repeats)
        reads = []
        for label, samples in done.items():
            seconds = [s for s, _ in samples]
            reads.append(
                {
                    "name": label,
                    "median_seconds": statistics.median(seconds),
                    "all_seconds": seconds,
                    "chars": len(samples[0][1]),
                    "char_f1": char_f1(samples[0][1], text),
                }
            )
        for r in reads:
            r["vs_first"] = r["median_seconds"] / reads[0]["median_seconds"]

        # -- whole ingest, fresh store each time ------------------------------------------
        def ingest(path: Path) -> Callable[[bool], tuple[float, float, int]]:
            def go(first: bool) -> tuple[float, float, int]:
                folder = Path(tempfile.mkdtemp(dir=work))
                services = build(common.trialqa_settings(folder, backend), embedder=embedder)
                ingestor = Ingestor(services.store, embedder, services.settings)
                with common.timer() as t:
                    report = ingestor.ingest([path])
                assert not report.failed, report.failed
                chunks = report.chunks_written
                del services, ingestor
                shutil.rmtree(folder, ignore_errors=True)
                return t[0], t[1], chunks

            return go

        warm = work / "warm" / "warm.txt"  # the chunker, sentence splitter and Chroma, untimed
        warm.parent.mkdir()
        warm.write_text(text[:3000])
        ingest(warm)(True)
        done_ingest = common.interleave({k: ingest(p) for k, p in files.items()}, repeats)
        rows = []
        for label, samples in done_ingest.items():
            seconds = [s for s, _, _ in samples]
            rows.append(
                {
                    "name": label,
                    "file_bytes": files[label].stat().st_size,
                    "median_seconds": statistics.median(seconds),
                    "all_seconds": seconds,
                    "median_cpu_seconds": statistics.median([c for _, c, _ in samples]),
                    "chunks": samples[0][2],
                }
            )
        ratio = rows[1]["median_seconds"] / rows[0]["median_seconds"]
        rows[0]["vs_text"], rows[1]["vs_text"] = 1.0, ratio

    result = {
        "article": pmcid,
        "pages": pages,
        "chars": len(text),
        "backend": backend,
        "repeats": repeats,
        "cpu": cpu(),
        "results": rows,
        "pdf_vs_text": ratio,
        "target": TARGET,
        "met": ratio <= TARGET,
        "read": reads,
    }
    show(result)
    return result


def show(result: dict[str, Any]) -> None:
    def runs(r: dict[str, Any], digits: int = 2) -> str:
        return " ".join(f"{s:.{digits}f}" for s in r["all_seconds"])

    print(
        f"PDF ingest: EI2 article {result['article']} ({result['chars']:,} characters) as a "
        f"{result['pages']}-page two-column PDF and as .txt, each into a fresh store "
        f"({result['backend']} embedder); median of {result['repeats']} interleaved run(s)"
    )
    print(cpu_line(result["cpu"]))
    print(
        common.table(
            ["file", "bytes", "chunks", "median s", "runs s", "cpu s", "vs text"],
            [[r["name"], r["file_bytes"], r["chunks"], f"{r['median_seconds']:.2f}", runs(r),
              f"{r['median_cpu_seconds']:.2f}", f"{r['vs_text']:.2f}x"]
             for r in result["results"]],
        )
    )  # fmt: skip
    verdict = "met" if result["met"] else "NOT met"
    print(f"PDF / text: {result['pdf_vs_text']:.2f}x (target <= {result['target']}x: {verdict})")
    if result["read"]:
        print(f"\nPDF read alone (bytes to Document), median of {result['repeats']} run(s)")
        print(cpu_line(result["cpu"]))
        print(
            common.table(
                ["loader", "median s", "runs s", "chars", "F1 vs set text", "vs now"],
                [[r["name"], f"{r['median_seconds']:.3f}", runs(r, 3), r["chars"],
                  f"{r['char_f1']:.3f}", f"{r['vs_first']:.2f}x"] for r in result["read"]],
            )
        )  # fmt: skip


def add_arguments(p: argparse.ArgumentParser, standalone: bool = False) -> None:
    """``--pdf-repeats`` and ``--pdf-pages`` (beside the other benchmarks' options in
    ``python -m bench``); run alone, also ``--repeats`` and ``--pages``."""

    names = common.option_names("pdf", standalone)

    p.add_argument(
        *names("repeats"), dest="pdf_repeats", type=int, default=3,
        help="interleaved runs of each (default 3)",
    )  # fmt: skip
    p.add_argument(
        *names("pages"), dest="pdf_pages", type=int, default=12,
        help="pages of the two-column PDF (default 12)",
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.pdf_ingest", description=__doc__.split("\n")[0]
    )
    add_arguments(p, standalone=True)
    common.add_shared_arguments(p)
    args = p.parse_args(argv)
    result = run(args)
    if not result.get("skipped"):
        print(f"wrote {common.write_result('pdf_ingest', result, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
