"""``Study`` -> the document's text and metadata."""

from __future__ import annotations

from typing import Any

from ingest.registry.study import (
    Analysis,
    Measurement,
    Outcome,
    Study,
)


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def _heading(text: str) -> str:
    """A line the chunker reads as a heading: no closing punctuation."""
    return " ".join(text.split()).rstrip(".:;,")


def _shorten(text: str, limit: int) -> str:
    """Headings longer than the chunker's limit end at a word boundary with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


_STATISTICS = frozenset({"median", "mean", "geometric mean", "least squares mean"})


def _measurement(m: Measurement, o: Outcome, analysed: str) -> str:
    units = o.units.strip()
    counting = o.param.startswith("count of") or units.lower() in ("participants", "participant")
    if counting and analysed:
        text = f"{m.value} of {analysed} participants"
    elif units.lower().startswith("percent"):
        text = f"{m.value}%" + (" of participants" if "participant" in units.lower() else "")
        if analysed:
            text += f" ({analysed} participants analysed)"
    else:
        text = f"{m.value} {units}".strip()
        # Which statistic the figure is ("median", "mean"): a question asking for a median
        # is not answered by a mean.
        said = [o.param] if o.param in _STATISTICS else []
        said += [f"{analysed} participants analysed"] if analysed else []
        if said:
            text += f" ({', '.join(said)})"
    if m.low or m.high:
        label = o.dispersion or "range"
        text += f", {label} {m.low} to {m.high}"
    elif m.spread:
        text += f", {o.dispersion or 'spread'} {m.spread}"
    return text


def _group_counts(groups: dict[str, str], counts: dict[str, tuple[str, str]]) -> str:
    return "; ".join(f"{groups.get(g, g)}: {a} of {n} participants" for g, (a, n) in counts.items())


def render(s: Study) -> str:
    """The record as readable text: short paragraphs under headings the chunker recognises."""
    out: list[str] = [_heading(s.brief_title), _facts(s)]
    if s.summary:
        out += ["Brief summary", s.summary.strip()]
    out += _arms(s)
    out += _eligibility(s)
    out += _planned_outcomes(s)
    out += _participant_flow(s)
    for i, o in enumerate(s.outcomes, start=1):
        out += _outcome(i, o)
    out += _adverse_events(s)
    return "\n\n".join(out)


def _facts(s: Study) -> str:
    """The opening paragraph: identification, type, status, design, dates, one fact a line."""
    facts = [f"ClinicalTrials.gov record {s.nct_id}" + (f" ({s.acronym})" if s.acronym else "")]
    if s.acronym:
        facts.append(f"Trial acronym: {s.acronym}")  # three words, as status below
    if s.official_title:
        facts.append(f"Official title: {s.official_title}")
    kind = " ".join(x for x in (" and ".join(s.phases), s.study_type, "study") if x)
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    facts.append(
        f"{s.nct_id} is {article} {kind}" + (f" sponsored by {s.sponsor}" if s.sponsor else "")
    )
    if s.status:
        facts.append(f"Overall status: {s.status}")  # three words: a statement, not a label
    if s.design:
        facts.append("Design: " + "; ".join(s.design))
    if s.enrollment:
        facts.append(f"Enrollment: {s.enrollment}")
    if s.conditions:
        facts.append("Conditions: " + "; ".join(s.conditions))
    if s.interventions:
        facts.append("Interventions: " + "; ".join(s.interventions))
    if s.dates:
        facts.append("Dates: " + "; ".join(f"{what} {when}" for what, when in s.dates))
    return "\n".join(_sentence(f) for f in facts)


def _arms(s: Study) -> list[str]:
    if not s.arms:
        return []
    return [
        "Arms",
        "\n".join(
            _sentence(f"{label} ({kind}): {desc}" if kind else f"{label}: {desc}")
            for label, kind, desc in s.arms
        ),
    ]


def _eligibility(s: Study) -> list[str]:
    if not (s.eligibility or s.eligibility_facts):
        return []
    out = ["Eligibility"]
    if s.eligibility:
        out.append(s.eligibility.strip())
    if s.eligibility_facts:
        out.append("\n".join(_sentence(f) for f in s.eligibility_facts))
    return out


def _planned_outcomes(s: Study) -> list[str]:
    """The registered outcome measures, written only when the record has no results."""
    if not (s.planned_outcomes and not s.outcomes):
        return []
    return [
        "Registered outcome measures",
        "\n".join(
            _sentence(
                f"{kind.capitalize()} outcome: {title}"
                + (f" (time frame: {frame})" if frame else "")
            )
            for kind, title, frame in s.planned_outcomes
        ),
    ]


def _participant_flow(s: Study) -> list[str]:
    """A line per period and milestone; the first period's start says it counts those
    assigned to each group (the record's count of participants randomised)."""
    if not s.flow:
        return []
    first = s.flow[0][0]
    return [
        "Participant flow",
        "\n".join(
            _sentence(
                f"{period}, {step}: "
                + "; ".join(f"{s.flow_groups.get(g, g)} {n}" for g, n in counts.items())
                + (
                    " (participants assigned to each group)"
                    if (period, step.lower()) == (first, "started")
                    else ""
                )
            )
            for period, step, counts in s.flow
        ),
    ]


def _outcome(i: int, o: Outcome) -> list[str]:
    """Outcome ``i``: its heading, what it is, then a line per group's value and per analysis."""
    out = [_heading(_shorten(f"{o.kind.capitalize()} outcome {i}: {o.title}", 140))]
    about = []
    if o.description:
        about.append(o.description)
    if o.time_frame:
        about.append(f"Time frame: {o.time_frame}")
    if o.population:
        about.append(f"Analysis population: {o.population}")
    if about:
        out.append("\n".join(_sentence(a) for a in about))
    lines = []
    for cls, cat, measurements, in_class in o.rows:
        label = ", ".join(x for x in (cls, cat) if x)
        for gid, m in measurements.items():
            if not m.value:
                continue
            group = o.groups.get(gid, gid)
            line = f"{o.title}" + (f", {label}" if label else "") + f" — {group}: "
            analysed = in_class.get(gid) or o.analysed.get(gid, "")
            lines.append(_sentence(line + _measurement(m, o, analysed)))
    for a in o.analyses:
        lines.append(_sentence(_analysis(a)))
    if lines:
        out.append("\n".join(lines))
    return out


def _analysis(a: Analysis) -> str:
    line = f"Statistical analysis ({' vs '.join(a.groups)}): {a.param_type} {a.value}".rstrip()
    if a.low or a.high:
        line += (
            f" ({a.ci_percent}% CI {a.low} to {a.high})"
            if a.ci_percent
            else f" ({a.low} to {a.high})"
        )
    if a.p_value:
        line += f"; p = {a.p_value}" if a.p_value[0].isdigit() else f"; p {a.p_value}"
    if a.method:
        line += f" ({a.method})"
    return line


def _adverse_events(s: Study) -> list[str]:
    """The time frame and totals per group, then the events by term, serious ones first."""
    if not (s.ae_totals or s.events):
        return []
    out = ["Adverse events"]
    head = [f"Adverse events were collected over: {s.ae_time_frame}"] if s.ae_time_frame else []
    head += [f"{label} — {_group_counts(s.ae_groups, c)}" for label, c in s.ae_totals]
    if head:
        out.append("\n".join(_sentence(h) for h in head))
    for serious in (True, False):
        rows = [e for e in s.events if e.serious is serious]
        if not rows:
            continue
        out.append("Serious adverse events by term" if serious else "Other adverse events by term")
        out.append(
            "\n".join(
                _sentence(
                    f"{e.term} ({e.organ_system}), {'serious' if serious else 'non-serious'} — "
                    + _group_counts(s.ae_groups, e.counts)
                )
                for e in rows
            )
        )
    return out


def metadata(s: Study, fmt: str) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "id": s.nct_id.lower(),
        "nct_id": s.nct_id,
        "trial": s.acronym or s.nct_id,
        "source_type": "registry",
        "registry_format": fmt,
        "phase": " / ".join(s.phases) or "not applicable",
        "status": s.status,
        "conditions": s.conditions,
        "interventions": s.interventions,
        "publisher": "ClinicalTrials.gov",
    }
    if s.posted:
        meta["date"] = s.posted
    return meta
