"""``trialqa eval`` (the gold set) and ``trialqa bench-eval`` (public benchmarks).

``api/cli.py`` registers both through ``add_parser(sub)`` and ``COMMANDS``; everything heavy is
imported inside ``run`` so ``trialqa --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_BASELINE = HERE / "baseline.json"
DEFAULT_THRESHOLD = 0.02

EVAL_EPILOG = """\
examples:
  trialqa eval                                   gold set over a fresh store of corpus/
  trialqa eval --report eval/report              ... and write report.md, plots, cases.jsonl
  trialqa eval --tag calculator --tag follow-up  only cases with these tags (no baseline gate)
  trialqa eval --url http://127.0.0.1:8000       against a running `trialqa serve`
  trialqa --store .trialqa eval                  against an existing store, nothing ingested
  trialqa eval --update-baseline                 accept this run as the new eval/baseline.json
  trialqa eval --cases eval/gold/real.jsonl      real papers and records from ../shared/data,
                                                 each question asked within its own document
                                                 (baseline: eval/baseline-real.json)
  trialqa eval --threshold 0.05                  tolerate drops of up to 0.05 absolute
  trialqa eval --composer llm --limit 20         answers a language model writes (gated)

how it scores (deterministic, no language model judges anything):
  a case is right when the answer holds every expected fact (case, spaces and dash style
  ignored) and every expected number (rounding-aware: 74% matches 73.7% and 0.74), or when a
  must-abstain case abstains. Also measured: numbers the answer states that no quote or
  calculation states, quotes that differ from their document span, expected facts the cited
  quotes hold, and recall@k / MRR of the expected documents in a search for the question.

exit status: 0 when no headline metric fell more than --threshold below the baseline,
1 when one did, 2 when the cases or the corpus cannot be read.
"""

BENCH_EPILOG = """\
examples:
  trialqa bench-eval pubmedqa --limit 200        yes/no/maybe decisions on 200 test items
  trialqa bench-eval evidence-inference --limit 40 --report eval/bench
  trialqa bench-eval covidqa --limit 100         expert questions in held-out articles
  trialqa bench-eval pubmedqa --data ~/data/pqal_labeled.json
  trialqa bench-eval nli4ct                      the claim checker on NLI4CT dev (200 statements)

pubmedqa: the split-test items only; every abstract (its contexts, never the long answer) is
ingested into a temporary store; recall@1/5 and MRR of finding the question's own abstract.
Each question is then asked within its own abstract: yes/no/maybe decision accuracy and
macro-F1 on the quotes the answer cites, how often a decision is given (and right then), the
same layer on all of the abstract's contexts (an upper bound), and the majority class.
evidence-inference: each prompt is asked within its own article as an effect question; how
often a cited sentence overlaps an annotated evidence span (recall@1/3), and the verdict's
macro-F1 end to end and on the annotated evidence (a withheld verdict counts as wrong).
covidqa: each question of the held-out articles (never trained on) is asked within its own
article; how often the first cited quote, or one of the first three, holds the answer span.
nli4ct: each statement is checked (trialqa check) against its trial record section(s);
supported -> Entailment, contradicted -> Contradiction, not_found -> wrong (also reported
forced to Contradiction); label accuracy, macro-F1 and evidence-line F1, with the CPU model.
Without the data files the command says so and exits 0.
"""


def add_parser(sub) -> None:
    """Register ``eval`` and ``bench-eval`` on ``sub`` (argparse subparsers)."""
    _add_eval(sub)
    _add_bench(sub)


def _add_eval(sub) -> None:
    """``trialqa eval``: the cases and what to answer them from, then its other options."""
    p = sub.add_parser(
        "eval",
        help="score answers on the gold set (correctness, numbers, citations, abstention)",
        description="Run the gold cases against TrialQA and compare with the baseline.",
        epilog=EVAL_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--cases",
        type=Path,
        metavar="FILE",
        help="gold cases, JSONL (default: eval/gold/trialqa.jsonl)",
    )
    p.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="write summary.json, cases.jsonl, report.md and plots here",
    )
    p.add_argument("--url", metavar="URL", help="ask a running server instead of in-process")
    p.add_argument(
        "--corpus",
        type=Path,
        action="append",
        metavar="PATH",
        help="ingest into a temporary store first (default: corpus/; repeatable)",
    )
    p.add_argument(
        "--use-store",
        action="store_true",
        help="answer from the configured store as it is (TRIALQA_STORE__PATH; "
        "implied by trialqa --store PATH); ingest nothing",
    )
    _add_eval_options(p)


def _add_eval_options(p) -> None:
    """``trialqa eval``'s other options: the baseline and the drop it tolerates, which cases
    run, who answers."""
    p.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="baseline metrics (default: eval/baseline.json; eval/baseline-NAME.json for "
        "gold/NAME.jsonl)",
    )
    p.add_argument(
        "--update-baseline",
        action="store_true",
        help="write this run's headline metrics to the baseline file",
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        metavar="X",
        help=f"largest tolerated drop, absolute (default {DEFAULT_THRESHOLD})",
    )
    p.add_argument("--tag", action="append", metavar="TAG", help="only cases with this tag")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N cases")
    p.add_argument(
        "--tolerance",
        type=float,
        default=0.0,
        metavar="X",
        help="extra slack for expected numbers, in their own units (default 0: rounding only)",
    )
    p.add_argument(
        "--composer",
        choices=["extractive", "llm", "openai", "llamacpp"],
        help="who writes the answers, in-process: extractive, or llm = the model that "
        "TRIALQA_COMPOSER__* configures (llamacpp, the packaged SmolLM2, when none is); "
        "default: as configured",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_bench(sub) -> None:
    """``trialqa bench-eval``: a public benchmark in a temporary store."""
    p = sub.add_parser(
        "bench-eval",
        help="public benchmarks (PubMedQA, Evidence Inference, COVID-QA, NLI4CT)",
        description="Score TrialQA on a public benchmark in a temporary store.",
        epilog=BENCH_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("benchmark", choices=["pubmedqa", "evidence-inference", "covidqa", "nli4ct"])
    p.add_argument("--data", type=Path, metavar="PATH", help="the benchmark's JSON file")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N questions/prompts")
    p.add_argument("--report", type=Path, metavar="DIR", help="write <benchmark>.json here")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _print_summary(summary: dict) -> None:
    o = summary["overall"]
    keys = ("accuracy", "precision", "answer_correctness", "numeric_recall", "numbers_traced",
            "citation_support", "quote_exactness", "recall@1", "recall@5", "mrr",
            "abstention_precision", "abstention_recall", "standalone_match")  # fmt: skip
    shown = "  ".join(f"{k}={o[k]:.3f}" for k in keys if o.get(k) is not None)
    print(f"{o['cases']} cases, {o['errors']} errors: {shown}")
    if o.get("latency_ms_p50") is not None:
        print(f"latency p50 {o['latency_ms_p50']:.1f} ms, p95 {o['latency_ms_p95']:.1f} ms")


def run_eval(args) -> int:
    from eval import runner
    from eval.cases import GOLD, load_cases

    cases_file = args.cases or GOLD
    try:
        cases = load_cases(cases_file)
    except (OSError, ValueError) as exc:
        print(f"trialqa eval: cannot read cases: {exc}", file=sys.stderr)
        return 2
    subset = bool(args.tag or args.limit)
    if args.tag:
        cases = [c for c in cases if set(args.tag) & set(c.tags)]
    if args.limit:
        cases = cases[: args.limit]
    if not cases:
        print("trialqa eval: no case matches --tag/--limit", file=sys.stderr)
        return 2

    target = _target(args, cases)
    if target is None:
        return 2
    progress = not args.quiet and sys.stderr.isatty()
    try:
        target.warm_up()
        about = {**target.describe(), "cases_file": _shown(cases_file)}
        results = runner.run_cases(target, cases, progress=progress, tolerance=args.tolerance)
    finally:
        target.close()
    summary = runner.summarise(results, about)

    baseline_file = args.baseline or baseline_for(cases_file)
    baseline, problems = None, None
    if baseline_file.exists() and not subset:
        baseline = json.loads(baseline_file.read_text())
        problems = runner.regressions(summary, baseline, args.threshold)
    if args.report:
        from eval.report import write_report

        report = write_report(args.report, summary, results, baseline, problems)
        print(f"report: {report}")
    _print_summary(summary)
    if args.update_baseline:
        if subset:
            print("trialqa eval: --update-baseline needs the full case set", file=sys.stderr)
            return 2
        record = runner.baseline_record(summary, _shown(cases_file))
        baseline_file.write_text(json.dumps(record, indent=2) + "\n")
        print(f"baseline written: {baseline_file}")
        return 0
    if subset:
        print("(a subset of the cases: not compared with the baseline)")
    elif problems is None:
        print(f"no baseline at {baseline_file}; create one with --update-baseline")
    elif problems:
        print("REGRESSION (threshold {}):\n  {}".format(args.threshold, "\n  ".join(problems)))
        return 1
    else:
        print(f"no headline metric below baseline - {args.threshold}")
    return 0


def _shown(path: Path) -> str:
    """A path as shown in reports: relative to the working directory when inside it."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def baseline_for(cases_file: Path) -> Path:
    """The baseline of a case file: eval/baseline.json for the shipped gold set, else
    eval/baseline-<name>.json (eval/baseline-real.json for gold/real.jsonl)."""
    stem = Path(cases_file).stem
    return DEFAULT_BASELINE if stem == "trialqa" else HERE / f"baseline-{stem}.json"


def _target(args, cases=()):
    from eval import runner

    if args.url and args.composer:
        print(
            "trialqa eval: --composer is for in-process runs; the server at --url answers "
            "with its own TRIALQA_COMPOSER__KIND",
            file=sys.stderr,
        )
        return None
    if args.url:
        return runner.HttpTarget(args.url)
    from assistant.settings import Settings

    settings = Settings()
    if args.composer == "llm":  # the configured model, else the packaged one
        if settings.composer.kind == "extractive":
            settings.composer.kind = "llamacpp"
    elif args.composer:
        settings.composer.kind = args.composer
    if getattr(args, "store", None):
        settings.store.path = args.store
    if args.use_store or getattr(args, "store", None):  # --store names the store to use
        return runner.InProcessTarget.from_store(settings)
    if not args.corpus and any(c.documents for c in cases):
        from eval.splits import DATA

        if not DATA.is_dir():
            print(f"trialqa eval: these cases read their documents from {DATA}, which is "
                  "missing", file=sys.stderr)  # fmt: skip
            return None
        return runner.InProcessTarget.from_real_documents(cases, settings)
    corpus = args.corpus or [Path("corpus")]
    missing = [str(p) for p in corpus if not p.exists()]
    if missing:
        print(f"trialqa eval: no such corpus: {', '.join(missing)}", file=sys.stderr)
        return None
    return runner.InProcessTarget.from_corpus(corpus, settings)


def run_bench(args) -> int:
    from eval import public

    if args.benchmark == "nli4ct":
        from eval import nli4ct

        data = args.data or public.DATA / "nli4ct" / "dev.json"
        return nli4ct.main(data, args.limit, args.report, not args.quiet)
    return public.main(args.benchmark, args.data, args.limit, args.report, not args.quiet)


def run(args) -> int:
    return run_bench(args) if args.command == "bench-eval" else run_eval(args)


COMMANDS = {"eval": run, "bench-eval": run}
