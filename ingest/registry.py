"""ClinicalTrials.gov records (API v2 JSON and the legacy XML) -> readable text and metadata.

Both formats are first read into the same ``Study`` shape, then written out once by
``render``: title and design, arms, eligibility, participant flow, each outcome measure with
its value, interval and number analysed per arm, statistical analyses, and adverse events by
group with affected / at-risk counts. Values are copied as the registry posts them; nothing is
computed here, so every figure in the text is a figure of the record.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from assistant.errors import IngestError


@dataclass
class Measurement:
    value: str = ""
    low: str = ""
    high: str = ""
    spread: str = ""


@dataclass
class Analysis:
    groups: list[str]
    param_type: str = ""
    value: str = ""
    ci_percent: str = ""
    low: str = ""
    high: str = ""
    p_value: str = ""
    method: str = ""


@dataclass
class Outcome:
    kind: str
    title: str
    description: str = ""
    time_frame: str = ""
    population: str = ""
    units: str = ""
    param: str = ""
    dispersion: str = ""
    groups: dict[str, str] = field(default_factory=dict)
    analysed: dict[str, str] = field(default_factory=dict)
    # (class title, category title, {group id: measurement})
    # (class title, category title, {group id: measurement}, {group id: analysed in class})
    rows: list[tuple[str, str, dict[str, Measurement], dict[str, str]]] = field(
        default_factory=list
    )
    analyses: list[Analysis] = field(default_factory=list)


@dataclass
class AdverseEvent:
    serious: bool
    term: str
    organ_system: str
    counts: dict[str, tuple[str, str]]  # group id -> (affected, at risk)


@dataclass
class Study:
    nct_id: str
    brief_title: str
    official_title: str = ""
    acronym: str = ""
    sponsor: str = ""
    status: str = ""
    phases: list[str] = field(default_factory=list)
    study_type: str = ""
    design: list[str] = field(default_factory=list)
    enrollment: str = ""
    conditions: list[str] = field(default_factory=list)
    interventions: list[str] = field(default_factory=list)
    summary: str = ""
    arms: list[tuple[str, str, str]] = field(default_factory=list)  # label, type, description
    eligibility: str = ""
    eligibility_facts: list[str] = field(default_factory=list)
    dates: list[tuple[str, str]] = field(default_factory=list)  # (what, ISO-ish date)
    planned_outcomes: list[tuple[str, str, str]] = field(default_factory=list)  # kind, title, frame
    outcomes: list[Outcome] = field(default_factory=list)
    flow: list[tuple[str, str, dict[str, str]]] = field(
        default_factory=list
    )  # period, step, counts
    flow_groups: dict[str, str] = field(default_factory=dict)
    ae_groups: dict[str, str] = field(default_factory=dict)
    ae_totals: list[tuple[str, dict[str, tuple[str, str]]]] = field(default_factory=list)
    ae_time_frame: str = ""
    events: list[AdverseEvent] = field(default_factory=list)
    posted: str = ""  # date the results (or the record) were last posted


def _words(value: Any) -> str:
    """Registry enum -> words: ``PLACEBO_COMPARATOR`` -> ``placebo comparator``."""
    value = _text(value)
    return value.replace("_", " ").lower() if value and value.isupper() else value


# A record of unexpected shape (a section missing, a list where an object belongs, an entry
# without its group id) is read as far as it goes: what cannot be placed is left out.
def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value) if isinstance(value, int | float) else ""


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _ds(value: Any, key: str | None = None) -> list[dict[str, Any]]:
    """The objects of a list (those carrying ``key``, when given)."""
    items = value if isinstance(value, list) else []
    return [x for x in items if isinstance(x, dict) and (key is None or _text(x.get(key)))]


def _strs(value: Any) -> list[str]:
    return [_text(x) for x in value if _text(x)] if isinstance(value, list) else []


def _groups(value: Any) -> dict[str, str]:
    return {_text(g["id"]): _text(g.get("title")) or _text(g["id"]) for g in _ds(value, "id")}


_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()<>#+\-.!|])")


def _plain(value: Any) -> str:
    """API v2 text fields are Markdown-escaped (``\\<0.1``, ``\\[ref\\]``); undo that."""
    return _MD_ESCAPE.sub(r"\1", value) if isinstance(value, str) else ""


def _iso(value: str) -> str:
    value = (value or "").strip()
    for fmt, out in (("%B %d, %Y", "%Y-%m-%d"), ("%B %Y", "%Y-%m")):
        try:
            return datetime.strptime(value, fmt).strftime(out)
        except ValueError:
            pass
    return value


def _num(value: Any) -> str:
    return "" if value is None else str(value).strip()


# -- API v2 JSON ----------------------------------------------------------------------------


def from_v2(record: dict[str, Any]) -> Study:
    p = _d(record.get("protocolSection"))
    r = _d(record.get("resultsSection"))
    ident = _d(p.get("identificationModule"))
    nct = ident.get("nctId")
    if not isinstance(nct, str) or not nct.strip():
        raise IngestError("the record has no identificationModule.nctId")
    status = _d(p.get("statusModule"))
    design = _d(p.get("designModule"))
    info = _d(design.get("designInfo"))
    arms_mod = _d(p.get("armsInterventionsModule"))
    elig = _d(p.get("eligibilityModule"))
    s = Study(
        nct_id=nct,
        brief_title=_plain(ident.get("briefTitle")) or nct,
        official_title=_plain(ident.get("officialTitle")),
        acronym=_text(ident.get("acronym")),
        sponsor=_text(_d(_d(p.get("sponsorCollaboratorsModule")).get("leadSponsor")).get("name")),
        status=_words(status.get("overallStatus") or ""),
        phases=[
            _words(x).replace("phase", "phase ").replace("  ", " ")
            for x in _strs(design.get("phases"))
            if x != "NA"
        ],
        study_type=_words(design.get("studyType") or ""),
        conditions=_strs(_d(p.get("conditionsModule")).get("conditions")),
        summary=_plain(_d(p.get("descriptionModule")).get("briefSummary")),
        eligibility=_plain(elig.get("eligibilityCriteria")),
    )
    masking = _d(info.get("maskingInfo")).get("masking")
    for label, value in (
        ("allocation", info.get("allocation")),
        ("model", info.get("interventionModel") or info.get("observationalModel")),
        ("primary purpose", info.get("primaryPurpose")),
        ("masking", masking),
        ("time perspective", info.get("timePerspective")),
    ):
        if value and value != "NA":
            s.design.append(f"{label}: {_words(value)}")
    enrol = _d(design.get("enrollmentInfo"))
    if enrol.get("count") is not None:
        kind = f" ({_words(enrol['type'])})" if enrol.get("type") else ""
        s.enrollment = f"{enrol['count']} participants{kind}"
    for iv in _ds(arms_mod.get("interventions")):
        s.interventions.append(
            f"{_words(_text(iv.get('type'))).capitalize()}: {_text(iv.get('name'))}"
        )
    for arm in _ds(arms_mod.get("armGroups")):
        s.arms.append(
            (
                _text(arm.get("label")),
                _words(_text(arm.get("type"))),
                _plain(arm.get("description")),
            )
        )
    for key, label in (
        ("sex", "Sex"),
        ("minimumAge", "Minimum age"),
        ("maximumAge", "Maximum age"),
    ):
        if elig.get(key):
            s.eligibility_facts.append(f"{label}: {_words(elig[key])}")
    if "healthyVolunteers" in elig:
        s.eligibility_facts.append(
            f"Healthy volunteers: {'yes' if elig['healthyVolunteers'] else 'no'}"
        )
    for key, label in (
        ("startDateStruct", "Start"),
        ("primaryCompletionDateStruct", "Primary completion"),
        ("completionDateStruct", "Completion"),
        ("resultsFirstPostDateStruct", "Results first posted"),
        ("lastUpdatePostDateStruct", "Last update posted"),
    ):
        if _d(status.get(key)).get("date"):
            s.dates.append((label, _text(status[key]["date"])))
    s.posted = dict(s.dates).get("Results first posted") or dict(s.dates).get(
        "Last update posted", ""
    )
    for kind, key in (("primary", "primaryOutcomes"), ("secondary", "secondaryOutcomes")):
        for o in _ds(_d(p.get("outcomesModule")).get(key)):
            s.planned_outcomes.append((kind, _text(o.get("measure")), _text(o.get("timeFrame"))))

    flow = _d(r.get("participantFlowModule"))
    s.flow_groups = _groups(flow.get("groups"))
    for period in _ds(flow.get("periods")):
        for ms in _ds(period.get("milestones")):
            counts = {
                a["groupId"]: _num(a.get("numSubjects"))
                for a in _ds(ms.get("achievements"), "groupId")
            }
            s.flow.append((_text(period.get("title")), _words(_text(ms.get("type"))), counts))

    for om in _ds(_d(r.get("outcomeMeasuresModule")).get("outcomeMeasures")):
        o = Outcome(
            kind=_words(_text(om.get("type"))),
            title=_plain(om.get("title")),
            description=_plain(om.get("description")),
            time_frame=_text(om.get("timeFrame")),
            population=_plain(om.get("populationDescription")),
            units=_text(om.get("unitOfMeasure")),
            param=_words(_text(om.get("paramType"))),
            dispersion=_words(_text(om.get("dispersionType"))),
            groups=_groups(om.get("groups")),
        )
        for denom in _ds(om.get("denoms"))[:1]:
            o.analysed = {
                c["groupId"]: _num(c.get("value")) for c in _ds(denom.get("counts"), "groupId")
            }
        for cls in _ds(om.get("classes")):
            for cat in _ds(cls.get("categories")):
                o.rows.append(
                    (
                        _text(cls.get("title")),
                        _text(cat.get("title")),
                        {
                            m["groupId"]: Measurement(
                                _num(m.get("value")),
                                _num(m.get("lowerLimit")),
                                _num(m.get("upperLimit")),
                                _num(m.get("spread")),
                            )
                            for m in _ds(cat.get("measurements"), "groupId")
                        },
                        {
                            c["groupId"]: _num(c.get("value"))
                            for d in _ds(cls.get("denoms"))[:1]
                            for c in _ds(d.get("counts"), "groupId")
                        },
                    )
                )
        for a in _ds(om.get("analyses")):
            o.analyses.append(
                Analysis(
                    groups=[o.groups.get(g, g) for g in _strs(a.get("groupIds"))],
                    param_type=_text(a.get("paramType")),
                    value=_num(a.get("paramValue")),
                    ci_percent=_num(a.get("ciPctValue")),
                    low=_num(a.get("ciLowerLimit")),
                    high=_num(a.get("ciUpperLimit")),
                    p_value=_num(a.get("pValue")),
                    method=_text(a.get("statisticalMethod")),
                )
            )
        s.outcomes.append(o)

    ae = _d(r.get("adverseEventsModule"))
    s.ae_time_frame = _text(ae.get("timeFrame"))
    groups = _ds(ae.get("eventGroups"))
    s.ae_groups = _groups(groups)
    for label, key in (
        ("Deaths", "deaths"),
        ("Serious adverse events", "serious"),
        ("Other (non-serious) adverse events", "other"),
    ):
        counts = {
            g["id"]: (_num(g.get(f"{key}NumAffected")), _num(g.get(f"{key}NumAtRisk")))
            for g in groups
            if g.get("id") and g.get(f"{key}NumAtRisk") is not None
        }
        if counts:
            s.ae_totals.append((label, counts))
    for serious, key in ((True, "seriousEvents"), (False, "otherEvents")):
        for ev in _ds(ae.get(key), "term"):
            s.events.append(
                AdverseEvent(
                    serious,
                    _text(ev.get("term")),
                    _text(ev.get("organSystem")),
                    {
                        st["groupId"]: (_num(st.get("numAffected")), _num(st.get("numAtRisk")))
                        for st in _ds(ev.get("stats"), "groupId")
                    },
                )
            )
    return s


# -- legacy XML -----------------------------------------------------------------------------


def _t(node: ET.Element | None, path: str) -> str:
    if node is None:
        return ""
    found = node.find(path)
    return " ".join((found.text or "").split()) if found is not None else ""


def _block(node: ET.Element | None, path: str) -> str:
    """A textblock keeps its line structure (eligibility lists), without the XML indentation."""
    found = node.find(path) if node is not None else None
    if found is None or not found.text:
        return ""
    return "\n".join(line.strip() for line in found.text.strip().split("\n"))


def from_xml(root: ET.Element) -> Study:
    if root.tag != "clinical_study":
        raise IngestError(
            f"the XML root is <{root.tag}>, not a ClinicalTrials.gov <clinical_study>"
        )
    nct = _t(root, "id_info/nct_id")
    if not nct:
        raise IngestError("the record has no id_info/nct_id")
    phase = _t(root, "phase")
    s = Study(
        nct_id=nct,
        brief_title=_t(root, "brief_title") or nct,
        official_title=_t(root, "official_title"),
        acronym=_t(root, "acronym"),
        sponsor=_t(root, "sponsors/lead_sponsor/agency"),
        status=_t(root, "overall_status").lower(),
        phases=[x.strip().lower() for x in phase.split("/")] if phase and phase != "N/A" else [],
        study_type=_t(root, "study_type").lower(),
        conditions=[" ".join((c.text or "").split()) for c in root.findall("condition")],
        summary=_block(root, "brief_summary/textblock"),
        eligibility=_block(root, "eligibility/criteria/textblock"),
    )
    design = root.find("study_design_info")
    if design is not None:
        for child in design:
            if child.text and child.text.strip():
                s.design.append(f"{child.tag.replace('_', ' ')}: {child.text.strip().lower()}")
    enrol = root.find("enrollment")
    if enrol is not None and enrol.text:
        kind = f" ({enrol.get('type').lower()})" if enrol.get("type") else ""
        s.enrollment = f"{enrol.text.strip()} participants{kind}"
    for iv in root.findall("intervention"):
        s.interventions.append(f"{_t(iv, 'intervention_type')}: {_t(iv, 'intervention_name')}")
    for arm in root.findall("arm_group"):
        s.arms.append(
            (_t(arm, "arm_group_label"), _t(arm, "arm_group_type").lower(), _t(arm, "description"))
        )
    for tag, label in (
        ("gender", "Sex"),
        ("minimum_age", "Minimum age"),
        ("maximum_age", "Maximum age"),
        ("healthy_volunteers", "Healthy volunteers"),
    ):
        if _t(root, f"eligibility/{tag}"):
            s.eligibility_facts.append(f"{label}: {_t(root, f'eligibility/{tag}')}")
    for tag, label in (
        ("start_date", "Start"),
        ("primary_completion_date", "Primary completion"),
        ("completion_date", "Completion"),
        ("results_first_posted", "Results first posted"),
        ("last_update_posted", "Last update posted"),
    ):
        if _t(root, tag):
            s.dates.append((label, _iso(_t(root, tag))))
    s.posted = dict(s.dates).get("Results first posted") or dict(s.dates).get(
        "Last update posted", ""
    )
    for kind in ("primary", "secondary"):
        for o in root.findall(f"{kind}_outcome"):
            s.planned_outcomes.append((kind, _t(o, "measure"), _t(o, "time_frame")))

    results = root.find("clinical_results")
    flow = results.find("participant_flow") if results is not None else None
    if flow is not None:
        s.flow_groups = {
            g.get("group_id"): _t(g, "title") or g.get("group_id")
            for g in flow.iterfind("group_list/group")
        }
        for period in flow.iterfind("period_list/period"):
            for ms in period.iterfind("milestone_list/milestone"):
                counts = {
                    x.get("group_id"): x.get("count", "")
                    for x in ms.iterfind("participants_list/participants")
                }
                s.flow.append((_t(period, "title"), _t(ms, "title").lower(), counts))

    for node in results.iterfind("outcome_list/outcome") if results is not None else ():
        m = node.find("measure")
        o = Outcome(
            kind=_t(node, "type").lower(),
            title=_t(node, "title"),
            description=_t(node, "description"),
            time_frame=_t(node, "time_frame"),
            population=_t(node, "population"),
            units=_t(m, "units"),
            param=_t(m, "param").lower(),
            dispersion=_t(m, "dispersion"),
            groups={
                g.get("group_id"): _t(g, "title") or g.get("group_id")
                for g in node.iterfind("group_list/group")
            },
        )
        if m is not None:
            analysed = m.find("analyzed_list/analyzed")
            if analysed is not None:
                o.analysed = {
                    c.get("group_id"): c.get("value", "")
                    for c in analysed.iterfind("count_list/count")
                }
            for cls in m.iterfind("class_list/class"):
                for cat in cls.iterfind("category_list/category"):
                    o.rows.append(
                        (
                            _t(cls, "title"),
                            _t(cat, "title"),
                            {
                                x.get("group_id"): Measurement(
                                    x.get("value", ""),
                                    x.get("lower_limit", ""),
                                    x.get("upper_limit", ""),
                                    x.get("spread", ""),
                                )
                                for x in cat.iterfind("measurement_list/measurement")
                            },
                            {
                                x.get("group_id"): x.get("value", "")
                                for x in cls.iterfind("analyzed_list/analyzed[1]/count_list/count")
                            },
                        )
                    )
        for a in node.iterfind("analysis_list/analysis"):
            o.analyses.append(
                Analysis(
                    groups=[
                        o.groups.get(g.text, g.text or "")
                        for g in a.iterfind("group_id_list/group_id")
                    ],
                    param_type=_t(a, "param_type"),
                    value=_t(a, "param_value"),
                    ci_percent=_t(a, "ci_percent"),
                    low=_t(a, "ci_lower_limit"),
                    high=_t(a, "ci_upper_limit"),
                    p_value=_t(a, "p_value"),
                    method=_t(a, "method"),
                )
            )
        s.outcomes.append(o)

    events = results.find("reported_events") if results is not None else None
    if events is not None:
        s.ae_time_frame = _t(events, "time_frame")
        s.ae_groups = {
            g.get("group_id"): _t(g, "title") or g.get("group_id")
            for g in events.iterfind("group_list/group")
        }
        for serious, tag in ((True, "serious_events"), (False, "other_events")):
            for cat in events.iterfind(f"{tag}/category_list/category"):
                organ = _t(cat, "title")
                for ev in cat.iterfind("event_list/event"):
                    counts = {
                        c.get("group_id"): (
                            c.get("subjects_affected", ""),
                            c.get("subjects_at_risk", ""),
                        )
                        for c in ev.iterfind("counts")
                    }
                    term = _t(ev, "sub_title")
                    if organ == "Total":
                        label = (
                            "Serious adverse events"
                            if serious
                            else "Other (non-serious) adverse events"
                        )
                        s.ae_totals.append((label, counts))
                    else:
                        s.events.append(AdverseEvent(serious, term, organ, counts))
    return s


# -- text -----------------------------------------------------------------------------------


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
        if analysed:
            text += f" ({analysed} participants analysed)"
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
    out: list[str] = [_heading(s.brief_title)]
    facts = [f"ClinicalTrials.gov record {s.nct_id}" + (f" ({s.acronym})" if s.acronym else "")]
    if s.official_title:
        facts.append(f"Official title: {s.official_title}")
    kind = " ".join(x for x in (" and ".join(s.phases), s.study_type, "study") if x)
    facts.append(f"{s.nct_id} is a {kind}" + (f" sponsored by {s.sponsor}" if s.sponsor else ""))
    if s.status:
        facts.append(f"Status: {s.status}")
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
    out.append("\n".join(_sentence(f) for f in facts))
    if s.summary:
        out += ["Brief summary", s.summary.strip()]
    if s.arms:
        out.append("Arms")
        out.append(
            "\n".join(
                _sentence(f"{label} ({kind}): {desc}" if kind else f"{label}: {desc}")
                for label, kind, desc in s.arms
            )
        )
    if s.eligibility or s.eligibility_facts:
        out.append("Eligibility")
        if s.eligibility:
            out.append(s.eligibility.strip())
        if s.eligibility_facts:
            out.append("\n".join(_sentence(f) for f in s.eligibility_facts))
    if s.planned_outcomes and not s.outcomes:
        out.append("Registered outcome measures")
        out.append(
            "\n".join(
                _sentence(
                    f"{kind.capitalize()} outcome: {title}"
                    + (f" (time frame: {frame})" if frame else "")
                )
                for kind, title, frame in s.planned_outcomes
            )
        )
    if s.flow:
        out.append("Participant flow")
        out.append(
            "\n".join(
                _sentence(
                    f"{period}, {step}: "
                    + "; ".join(f"{s.flow_groups.get(g, g)} {n}" for g, n in counts.items())
                )
                for period, step, counts in s.flow
            )
        )
    for i, o in enumerate(s.outcomes, start=1):
        out.append(_heading(_shorten(f"{o.kind.capitalize()} outcome {i}: {o.title}", 140)))
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
            line = (
                f"Statistical analysis ({' vs '.join(a.groups)}): {a.param_type} {a.value}".rstrip()
            )
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
            lines.append(_sentence(line))
        if lines:
            out.append("\n".join(lines))
    if s.ae_totals or s.events:
        out.append("Adverse events")
        head = [f"Adverse events were collected over: {s.ae_time_frame}"] if s.ae_time_frame else []
        head += [f"{label} — {_group_counts(s.ae_groups, c)}" for label, c in s.ae_totals]
        if head:
            out.append("\n".join(_sentence(h) for h in head))
        for serious in (True, False):
            rows = [e for e in s.events if e.serious is serious]
            if not rows:
                continue
            out.append(
                "Serious adverse events by term" if serious else "Other adverse events by term"
            )
            out.append(
                "\n".join(
                    _sentence(
                        f"{e.term} ({e.organ_system}), {'serious' if serious else 'non-serious'} — "
                        + _group_counts(s.ae_groups, e.counts)
                    )
                    for e in rows
                )
            )
    return "\n\n".join(out)


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


def load_json(data: str, name: str) -> tuple[str, str, dict[str, Any]]:
    try:
        record = json.loads(data)
    except json.JSONDecodeError as exc:
        raise IngestError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    except RecursionError as exc:
        raise IngestError(f"{name}: JSON nested too deeply to be a registry record") from exc
    if isinstance(record, dict) and isinstance(record.get("studies"), list):
        if len(record["studies"]) != 1:
            raise IngestError(f"{name}: holds {len(record['studies'])} studies; save one per file")
        record = record["studies"][0]
    if not isinstance(record, dict) or "protocolSection" not in record:
        raise IngestError(
            f"{name}: JSON that is not a ClinicalTrials.gov API v2 study (no protocolSection)"
        )
    try:
        study = from_v2(record)
    except IngestError as exc:
        raise IngestError(f"{name}: {exc}") from exc
    except (AttributeError, TypeError, KeyError, ValueError, IndexError) as exc:
        raise IngestError(
            f"{name}: a ClinicalTrials.gov record of unexpected shape "
            f"({exc.__class__.__name__}: {exc})"
        ) from exc
    return render(study), study.brief_title, metadata(study, "ctgov-api-v2-json")


_ENTITY = re.compile(r"<!ENTITY", re.I)


def load_xml(data: str, name: str) -> tuple[str, str, dict[str, Any]]:
    if _ENTITY.search(data):  # anywhere: comments may push a DOCTYPE past any fixed prefix
        raise IngestError(f"{name}: XML with entity declarations is refused")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise IngestError(f"{name}: not well-formed XML ({exc})") from exc
    except RecursionError as exc:
        raise IngestError(f"{name}: XML nested too deeply to be a registry record") from exc
    try:
        study = from_xml(root)
    except IngestError as exc:
        raise IngestError(f"{name}: {exc}") from exc
    except (AttributeError, TypeError, KeyError, ValueError, IndexError) as exc:
        raise IngestError(
            f"{name}: a ClinicalTrials.gov record of unexpected shape "
            f"({exc.__class__.__name__}: {exc})"
        ) from exc
    return render(study), study.brief_title, metadata(study, "ctgov-legacy-xml")
