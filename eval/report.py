"""Write a run to a folder: ``summary.json``, ``cases.jsonl``, ``report.md`` and PNG plots.

Plots use matplotlib's Agg backend (no display); matplotlib is imported only here, only when
a report is written.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.runner import HEADLINE, CaseResult

TAG_COLUMNS = (
    ("cases", "cases"),
    ("accuracy", "accuracy"),
    ("answer_correctness", "correctness"),
    ("numeric_recall", "numbers"),
    ("citation_support", "support"),
    ("quote_exactness", "quotes exact"),
    ("recall@5", "recall@5"),
    ("mrr", "MRR"),
    ("coverage", "answered"),
    ("latency_ms_p50", "p50 ms"),
)


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.1f}" if value > 1.5 else f"{value:.3f}"
    return str(value)


def _fmt_ms(value: Any) -> str:
    return "–" if value is None else f"{value:.1f}"


def _worst_row(r: CaseResult) -> str:
    answer = (r.answer.answer if r.answer else "") or ""
    answer = answer.replace("|", "\\|").replace("\n", " ")
    short = answer[:140] + ("…" if len(answer) > 140 else "")
    return (
        f"| `{r.case.id}` | {', '.join(r.case.tags)} | {r.scores['case_score']:.2f} | "
        f"{why(r)} | {short} |"
    )


def worst(results: Sequence[CaseResult], n: int = 10) -> list[CaseResult]:
    return sorted(results, key=lambda r: (r.scores["case_score"], r.case.id))[:n]


def why(result: CaseResult) -> str:
    """A one-line reason a case scored low, from its metrics alone."""
    s, case = result.scores, result.case
    if result.error:
        return f"error: {result.error}"
    if case.must_abstain:
        return "answered a question the corpus cannot answer" if not s["correct"] else "ok"
    reasons = []
    if result.abstained:
        reasons.append("abstained")
    if s["answer_correctness"] is not None and s["answer_correctness"] < 1:
        reasons.append(f"facts {s['answer_correctness']:.2f}")
    if s["numeric_recall"] is not None and s["numeric_recall"] < 1:
        reasons.append(f"numbers {s['numeric_recall']:.2f}")
    if s["mrr"] is not None and s["mrr"] < 1:
        reasons.append(f"MRR {s['mrr']:.2f}")
    if s["untraceable_numbers"]:
        reasons.append("untraced " + ", ".join(s["untraceable_numbers"]))
    return "; ".join(reasons) or "ok"


def _plots(summary: dict[str, Any], results: Sequence[CaseResult], folder: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = []
    tags = summary["by_tag"]
    if tags:
        labels = list(tags)
        fig, ax = plt.subplots(figsize=(max(6, 0.8 * len(labels)), 4.5))
        width = 0.4
        xs = range(len(labels))
        acc = [tags[t]["accuracy"] or 0 for t in labels]
        cor = [tags[t]["answer_correctness"] or 0 for t in labels]
        ax.bar([x - width / 2 for x in xs], acc, width, label="accuracy (incl. abstentions)")
        ax.bar([x + width / 2 for x in xs], cor, width, label="fact correctness (answerable)")
        ticks = [f"{t} (n={tags[t]['cases']})" for t in labels]
        ax.set_xticks(list(xs), ticks, fontsize=8, rotation=35, ha="right")
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("share")
        ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.02), ncols=2, frameon=False)
        fig.tight_layout()
        fig.savefig(folder / "by_tag.png", dpi=100)
        plt.close(fig)
        names.append("by_tag.png")
    latencies = [r.latency_ms for r in results if r.answer is not None]
    if latencies:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.hist(latencies, bins=min(30, max(5, len(latencies) // 4)), color="#4477aa")
        o = summary["overall"]
        for q, style in (("latency_ms_p50", "--"), ("latency_ms_p95", ":")):
            if o.get(q) is not None:
                ax.axvline(o[q], color="black", linestyle=style, label=f"{q[-3:]} {o[q]:.0f} ms")
        ax.set_xlabel("answer latency (ms)")
        ax.set_ylabel("questions")
        ax.set_title("Latency per question")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(folder / "latency.png", dpi=100)
        plt.close(fig)
        names.append("latency.png")
    return names


def _markdown(
    summary: dict[str, Any],
    results: Sequence[CaseResult],
    baseline: dict[str, Any] | None,
    problems: list[str] | None,
    plots: list[str],
) -> str:
    o = summary["overall"]
    about = summary.get("about", {})
    lines = ["# TrialQA evaluation", ""]
    lines.append(
        f"{o['cases']} cases from `{about.get('cases_file', '?')}` against "
        f"{about.get('target', '?')} ({about.get('documents', '?')} documents, "
        f"{about.get('chunks', '?')} chunks), {summary['created']}; {o['errors']} errors."
    )
    lines += ["", "## Headline metrics", "", "| metric | value | baseline | delta |",
              "| --- | ---: | ---: | ---: |"]  # fmt: skip
    base = (baseline or {}).get("metrics", {})
    for key in HEADLINE:
        now, then = o.get(key), base.get(key)
        delta = "–" if now is None or then is None else f"{now - then:+.3f}"
        lines.append(f"| {key} | {_fmt(now)} | {_fmt(then)} | {delta} |")
    lines.append(f"| latency p50 / p95 (ms) | {_fmt_ms(o['latency_ms_p50'])} / "
                 f"{_fmt_ms(o['latency_ms_p95'])} | | |")  # fmt: skip
    lines.append("")
    if problems is None:
        lines.append("Not compared with a baseline.")
    elif problems:
        lines.append("**Regressions:** " + "; ".join(problems))
    else:
        lines.append("No headline metric fell below the baseline minus the threshold.")
    lines += ["", "## By tag", "", "| tag | " + " | ".join(h for _, h in TAG_COLUMNS) + " |",
              "| --- |" + " ---: |" * len(TAG_COLUMNS)]  # fmt: skip
    for tag, row in summary["by_tag"].items():
        cells = [_fmt_ms(row.get(k)) if k.startswith("latency") else _fmt(row.get(k))
                 for k, _ in TAG_COLUMNS]  # fmt: skip
        lines.append(f"| {tag} | " + " | ".join(cells) + " |")
    lines += ["", *[f"![{p}]({p})" for p in plots], ""]
    answerable = [r for r in results if not r.case.must_abstain]
    for title, chosen in (("Ten worst cases", worst(results)),
                          ("Ten worst answerable cases", worst(answerable))):  # fmt: skip
        lines += [f"## {title}", "", "| case | tags | score | why | answer |",
                  "| --- | --- | ---: | --- | --- |"]  # fmt: skip
        lines += [_worst_row(r) for r in chosen]
        lines.append("")
    lines += [
        "## How to read this",
        "",
        "- **accuracy**: right answers (every expected fact and number present) plus right "
        "abstentions, over all cases. **precision** (LitQA2): right answers over answers "
        "given. **abstention precision/recall**: abstentions on must-abstain cases over all "
        "abstentions / over all must-abstain cases.",
        "- **answer_correctness**: share of expected facts in the answer text; "
        "**numeric_recall**: share of expected numbers stated (rounding-aware, 74% = 0.74); "
        "**numbers_traced**: share of answers whose every number appears in a citation quote "
        "or calculation; **citation_support**: share of expected facts and numbers some cited "
        "quote holds; **quote_exactness**: share of quotes equal to their document span.",
        "- **recall@k / mrr**: the expected documents among the ranked passages of a search "
        "for the question.",
        "- Per-case rows, with answers and citations, are in `cases.jsonl`.",
    ]
    return "\n".join(lines) + "\n"


def write_report(
    folder: Path,
    summary: dict[str, Any],
    results: Sequence[CaseResult],
    baseline: dict[str, Any] | None = None,
    problems: list[str] | None = None,
    plots: bool = True,
) -> Path:
    """Write the run to ``folder`` (created); return the path of ``report.md``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    with (folder / "cases.jsonl").open("w") as out:
        for r in results:
            out.write(json.dumps(r.row(), ensure_ascii=False) + "\n")
    names = _plots(summary, results, folder) if plots else []
    report = folder / "report.md"
    report.write_text(_markdown(summary, results, baseline, problems, names))
    return report
