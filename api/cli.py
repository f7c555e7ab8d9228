"""The ``trialqa`` command: ingest files, ask and search, list documents, serve the API."""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import ExitStack
from pathlib import Path

from api import cli_calc, cli_check
from assistant.errors import TrialQAError
from eval import cli as eval_cli

EXAMPLES = """\
examples:
  trialqa ingest corpus/                         index every .txt/.md/.html/.pdf below corpus/
  trialqa ask "What was the overall response rate?"
  trialqa ask "How many patients had CRS?" --json --k 8
  trialqa ask "What was the ORR?" --doc linker-smm1-interview
  trialqa check draft.txt                       which claims of a text the sources support
  trialqa search "NCT05955508"
  trialqa documents
  trialqa serve --port 8000                     API, OpenAPI at /docs, page at /
  TRIALQA_STORE__KIND=http trialqa serve --workers 2   two processes over a Chroma server

settings come from TRIALQA_* environment variables or .env (see the README);
the store lives in .trialqa/ under the working directory unless --store says otherwise.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trialqa",
        description="Ask questions about clinical-trial reports; every answer quotes its sources.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--store", type=Path, help="store folder (default: .trialqa)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", help="add or update files and folders in the index")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="file or folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    for name, helptext in (("ask", "answer a question with numbered citations"),
                           ("search", "show the passages retrieved for a query")):  # fmt: skip
        p = sub.add_parser(name, help=helptext)
        p.add_argument("text", metavar="QUESTION" if name == "ask" else "QUERY")
        p.add_argument("--json", action="store_true", help="print JSON (the API's answer contract)")
        p.add_argument("--k", type=int, metavar="N", help="passages to retrieve (default 6)")
        p.add_argument(
            "--doc", action="append", metavar="DOC_ID", help="only this document (repeatable)"
        )
        p.add_argument("--trial", action="append", metavar="NAME", help="only this trial acronym")
        p.add_argument("--nct", action="append", metavar="NCT_ID", help="only this NCT id")
        p.add_argument(
            "--source-type", action="append", metavar="TYPE", help="only this source type"
        )

    p = sub.add_parser("documents", help="list what is indexed")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("serve", help="serve the HTTP API and the page")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="worker processes (default 1); N > 1 needs a Chroma server (TRIALQA_STORE__KIND=http)",
    )
    cli_calc.add_parser(sub)
    cli_check.add_parser(sub)
    eval_cli.add_parser(sub)
    return parser


def _settings(args):
    from assistant.settings import Settings

    settings = Settings()
    if args.store:
        settings.store.path = args.store
    return settings


def _filters(args):
    from assistant.models import Filters

    return Filters(doc_id=args.doc, trial=args.trial, nct_id=args.nct, source_type=args.source_type)


def _print_answer(answer) -> None:
    print(answer.answer)
    if answer.table is not None:  # a comparison across named trials: its evidence table
        from assistant.answering import table_markdown

        print(f"\n{table_markdown(answer.table)}")
    for c in answer.citations:
        print(f"\n[{c.n}] {c.title} ({c.doc_id}, {c.source}, chars {c.start}-{c.end})")
        print(f"    “{c.quote}”")


def cmd_ingest(args) -> int:
    from assistant.factory import build, make_ingest_embedder
    from assistant.store import holding
    from ingest.pipeline import Ingestor

    settings = _settings(args)
    with ExitStack() as held:
        if settings.store.kind == "embedded":  # a server on this folder would miss the writes
            held.enter_context(holding(settings.store.path, "ingest", exclusive=True))
        embedder = make_ingest_embedder(settings)
        if embedder is not None:
            held.enter_context(embedder)
        services = build(settings, embedder=embedder)
        report = Ingestor(services.store, services.embedder, services.settings).ingest(
            args.paths, progress=not args.quiet and sys.stderr.isatty()
        )
    for result in report.failed:
        print(f"failed: {result.error}", file=sys.stderr)
    print(report.summary())
    return 1 if report.failed else 0


def _check_models(settings) -> None:
    """Load the trained files the settings use: a missing or unreadable one stops here, in one
    line naming it, before anything is served or asked."""
    from assistant.answering import load_trained

    load_trained(settings.answer)


def cmd_ask(args) -> int:
    from assistant.factory import build

    settings = _settings(args)
    _check_models(settings)
    services = build(settings)
    answer = services.engine.answer(args.text, k=args.k, filters=_filters(args))
    if args.json:
        print(answer.model_dump_json(indent=2))
    else:
        _print_answer(answer)
        for warning in answer.warnings:  # e.g. the language model failed: extractive fallback
            print(f"warning: {warning}", file=sys.stderr)
    return 0


def cmd_search(args) -> int:
    from assistant.factory import build

    services = build(_settings(args))
    passages = services.retriever.search(args.text, args.k, _filters(args))
    if args.json:
        print(json.dumps([p.model_dump() for p in passages], indent=2))
        return 0
    if not passages:
        print("No passages found.")
    for rank, p in enumerate(passages, start=1):
        print(
            f"{rank}. {p.chunk.chunk_id}  chars {p.chunk.start}-{p.chunk.end}  score {p.score:.4f}"
        )
        print(f"   {p.chunk.text[:300].replace(chr(10), ' ')}")
    return 0


def cmd_documents(args) -> int:
    from assistant.factory import make_store

    docs = make_store(_settings(args)).list_documents()
    if args.json:
        print(json.dumps([d.model_dump() for d in docs], indent=2))
        return 0
    if not docs:
        print("No documents indexed. Add some with: trialqa ingest PATH")
    for d in docs:
        print(f"{d.doc_id}\t{d.chunks} chunks\t{d.chars} chars\t{d.title}\t{d.source}")
    return 0


def _check_free(host: str, port: int) -> None:
    """Refuse early, in one line, when the address cannot be served."""
    import socket

    from assistant.errors import ConfigError

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def cmd_serve(args) -> int:
    import uvicorn

    from api.main import create_app
    from api.security import check_listen
    from assistant.store import holding

    settings = _settings(args)
    host = args.host or settings.api.host
    port = args.port or settings.api.port
    check_listen(settings, host)
    if settings.store.kind == "embedded":  # refuse here, in one line, if an ingest holds it
        with holding(settings.store.path, "serve", exclusive=False):
            pass
    _check_free(host, port)
    _check_models(settings)
    workers = _workers(settings, args.workers)
    print(f"TrialQA on http://{host}:{port} (API docs at /docs); Ctrl-C stops it.", flush=True)
    if workers > 1:  # each worker process builds its own app from the environment
        uvicorn.run("api.main:app_from_env", factory=True, workers=workers, host=host, port=port,
                    log_level="warning")  # fmt: skip
    else:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
    return 0


def _workers(settings, workers: int) -> int:
    """How many processes may serve ``settings``; the workers read it from the environment."""
    from assistant.errors import ConfigError

    if workers < 1:
        raise ConfigError(f"--workers must be 1 or more, not {workers}")
    if workers > 1 and settings.store.kind != "http":
        raise ConfigError(
            f"--workers {workers} needs a Chroma server: processes sharing an embedded store "
            "folder miss each other's writes and can lose vectors; run `chroma run --path "
            "FOLDER --port 8001` and set TRIALQA_STORE__KIND=http (README: Scaling out)"
        )
    if workers > 1:  # the one command-line setting the environment does not already carry
        os.environ["TRIALQA_STORE__PATH"] = str(settings.store.path)
    return workers


COMMANDS = {
    "ingest": cmd_ingest,
    "ask": cmd_ask,
    "search": cmd_search,
    "documents": cmd_documents,
    "serve": cmd_serve,
    "calc": cli_calc.run,
    "check": cli_check.run,
    **eval_cli.COMMANDS,
}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except TrialQAError as exc:
        print(f"trialqa: error: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (| head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # settings validation and the like: one line, not a traceback
        from pydantic import ValidationError

        if isinstance(exc, ValidationError):
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
            )
            print(f"trialqa: error: invalid setting: {problems}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
