"""``trialqa check FILE|-``: the claims of a text, checked against the indexed sources."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXAMPLES = """\
examples:
  trialqa check draft.txt                      every claim of the file, with its verdict
  echo "In LINKER-SMM1, CRS occurred in 55% of patients." | trialqa check -
  trialqa check slide.md --trial AQUILA        only passages of AQUILA's documents
  trialqa check answer.txt --json              the JSON of POST /v1/check

each sentence that makes a claim is looked up like a question and cited verbatim:
  supported     a quote covers it and each of its figures matches or is derived
  contradicted  a quote covering it states another value, or the opposite significance
  not_found     neither (the citations shown are then only the closest sentences)
each figure: matches, derived (a calculation from cited figures), differs (what the source
says instead), not_found. At most 20,000 characters; exit 1 on an empty or missing text.
"""

MARK = {"supported": "SUPPORTED", "contradicted": "CONTRADICTED", "not_found": "NOT FOUND"}


def add_parser(sub) -> None:
    p = sub.add_parser(
        "check",
        help="check the claims and numbers of a text against the indexed sources",
        description="Check each claim of a text (a file, or stdin with -) against the index.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE", help="a text file, or - to read standard input")
    p.add_argument("--json", action="store_true", help="print the JSON of POST /v1/check")
    p.add_argument("--doc", action="append", metavar="DOC_ID", help="only this document")
    p.add_argument("--trial", action="append", metavar="NAME", help="only this trial acronym")
    p.add_argument("--nct", action="append", metavar="NCT_ID", help="only this NCT id")
    p.add_argument("--source-type", action="append", metavar="TYPE", help="only this source type")


def _read(name: str) -> str:
    from assistant.errors import InputError

    if name == "-":
        return sys.stdin.read()
    path = Path(name)
    if not path.is_file():
        raise InputError(f"no such file: {name}")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {name}: {exc}") from exc


def print_result(result) -> None:
    if not result.claims:
        print(result.message)
        return
    for i, claim in enumerate(result.claims, start=1):
        print(f"{i}. {MARK[claim.verdict]}: {claim.text} (chars {claim.start}-{claim.end})")
        for number in claim.numbers:
            cited = "".join(f"[{n}]" for n in number.cited)
            says = f": {number.source_says}" if number.source_says else ""
            print(f"   {number.text} {number.status.replace('_', ' ')}{says} {cited}".rstrip())
        for c in claim.citations:
            print(f"   [{c.n}] {c.title} ({c.doc_id}, chars {c.start}-{c.end})")
            print(f"       “{c.quote}”")
    if result.message:
        print(result.message)


def run(args) -> int:
    from api.cli import _filters, _settings
    from assistant.checking import check_text, checker_for
    from assistant.factory import build

    text = check_text(_read(args.file))  # refused before the model loads
    services = build(_settings(args))
    result = checker_for(services.engine).check(text, _filters(args))
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        print_result(result)
    return 0
