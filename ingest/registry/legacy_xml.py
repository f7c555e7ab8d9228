"""The legacy ClinicalTrials.gov XML -> ``Study``."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from assistant.errors import IngestError
from ingest.registry.study import (
    AdverseEvent,
    Analysis,
    Measurement,
    Outcome,
    Study,
    _iso,
)


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


# The "Total" category of <serious_events> can hold more than the serious-event total: some
# records put their all-cause mortality row there too ("Total, all-cause mortality"), so
# each total is named by its sub_title, not by the section it sits in. The deaths row is
# labelled as the API v2 reader labels deaths (``v2.py``), with the record's own term kept.
_TOTALS = {
    "total, all-cause mortality": "Deaths (all-cause mortality)",
    "total, serious adverse events": "Serious adverse events",
    "total, other adverse events": "Other (non-serious) adverse events",
}


def _total_label(sub_title: str, serious: bool) -> str:
    """The label of a row of a "Total" category: by its sub_title, else by its section."""
    known = _TOTALS.get(sub_title.lower())
    if known:
        return known
    if sub_title and sub_title.lower() != "total":
        return sub_title  # an unforeseen total reads as the record names it, not as another
    return "Serious adverse events" if serious else "Other (non-serious) adverse events"


def from_xml(root: ET.Element) -> Study:
    if root.tag != "clinical_study":
        raise IngestError(
            f"the XML root is <{root.tag}>, not a ClinicalTrials.gov <clinical_study>"
        )
    s = _identification(root)
    _design(root, s)
    _arms_and_interventions(root, s)
    _eligibility_facts(root, s)
    _dates(root, s)
    _planned_outcomes(root, s)
    results = root.find("clinical_results")
    flow = results.find("participant_flow") if results is not None else None
    if flow is not None:
        _participant_flow(flow, s)
    for node in results.iterfind("outcome_list/outcome") if results is not None else ():
        s.outcomes.append(_outcome(node))
    events = results.find("reported_events") if results is not None else None
    if events is not None:
        _adverse_events(events, s)
    return s


def _identification(root: ET.Element) -> Study:
    """The ``Study`` itself: identification, sponsor, status, phases, type, conditions, summary
    and eligibility criteria."""
    nct = _t(root, "id_info/nct_id")
    if not nct:
        raise IngestError("the record has no id_info/nct_id")
    phase = _t(root, "phase")
    return Study(
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


def _design(root: ET.Element, s: Study) -> None:
    """The design facts (every child of <study_design_info>), enrollment."""
    design = root.find("study_design_info")
    if design is not None:
        for child in design:
            if child.text and child.text.strip():
                s.design.append(f"{child.tag.replace('_', ' ')}: {child.text.strip().lower()}")
    enrol = root.find("enrollment")
    if enrol is not None and enrol.text:
        counted = enrol.get("type")
        kind = f" ({counted.lower()})" if counted else ""
        s.enrollment = f"{enrol.text.strip()} participants{kind}"


def _arms_and_interventions(root: ET.Element, s: Study) -> None:
    for iv in root.findall("intervention"):
        s.interventions.append(f"{_t(iv, 'intervention_type')}: {_t(iv, 'intervention_name')}")
    for arm in root.findall("arm_group"):
        s.arms.append(
            (_t(arm, "arm_group_label"), _t(arm, "arm_group_type").lower(), _t(arm, "description"))
        )


def _eligibility_facts(root: ET.Element, s: Study) -> None:
    """Sex, ages and healthy volunteers (the criteria text is read with the identification)."""
    for tag, label in (
        ("gender", "Sex"),
        ("minimum_age", "Minimum age"),
        ("maximum_age", "Maximum age"),
        ("healthy_volunteers", "Healthy volunteers"),
    ):
        if _t(root, f"eligibility/{tag}"):
            s.eligibility_facts.append(f"{label}: {_t(root, f'eligibility/{tag}')}")


def _dates(root: ET.Element, s: Study) -> None:
    """The record's dates (ISO-ish), and the one it was last posted on."""
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


def _planned_outcomes(root: ET.Element, s: Study) -> None:
    for kind in ("primary", "secondary"):
        for planned in root.findall(f"{kind}_outcome"):
            s.planned_outcomes.append((kind, _t(planned, "measure"), _t(planned, "time_frame")))


def _groups(node: ET.Element) -> dict[str, str]:
    """A <group_list>'s groups: id -> title (the id when untitled)."""
    return {
        g.get("group_id", ""): _t(g, "title") or g.get("group_id", "")
        for g in node.iterfind("group_list/group")
    }


def _participant_flow(flow: ET.Element, s: Study) -> None:
    s.flow_groups = _groups(flow)
    for period in flow.iterfind("period_list/period"):
        for ms in period.iterfind("milestone_list/milestone"):
            counts = {
                x.get("group_id", ""): x.get("count", "")
                for x in ms.iterfind("participants_list/participants")
            }
            s.flow.append((_t(period, "title"), _t(ms, "title").lower(), counts))


def _outcome(node: ET.Element) -> Outcome:
    """One outcome with its results: number analysed, rows, statistical analyses."""
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
        groups=_groups(node),
    )
    if m is not None:
        analysed = m.find("analyzed_list/analyzed")
        if analysed is not None:
            o.analysed = {
                c.get("group_id", ""): c.get("value", "")
                for c in analysed.iterfind("count_list/count")
            }
        for cls in m.iterfind("class_list/class"):
            for cat in cls.iterfind("category_list/category"):
                o.rows.append(_outcome_row(cls, cat))
    for a in node.iterfind("analysis_list/analysis"):
        o.analyses.append(_analysis(a, o.groups))
    return o


def _outcome_row(
    cls: ET.Element, cat: ET.Element
) -> tuple[str, str, dict[str, Measurement], dict[str, str]]:
    """A category of a class: its measurement per group, and the number analysed in the class."""
    return (
        _t(cls, "title"),
        _t(cat, "title"),
        {
            x.get("group_id", ""): Measurement(
                x.get("value", ""),
                x.get("lower_limit", ""),
                x.get("upper_limit", ""),
                x.get("spread", ""),
            )
            for x in cat.iterfind("measurement_list/measurement")
        },
        {
            x.get("group_id", ""): x.get("value", "")
            for x in cls.iterfind("analyzed_list/analyzed[1]/count_list/count")
        },
    )


def _analysis(a: ET.Element, groups: dict[str, str]) -> Analysis:
    return Analysis(
        groups=[
            groups.get(g.text or "", g.text or "") for g in a.iterfind("group_id_list/group_id")
        ],
        param_type=_t(a, "param_type"),
        value=_t(a, "param_value"),
        ci_percent=_t(a, "ci_percent"),
        low=_t(a, "ci_lower_limit"),
        high=_t(a, "ci_upper_limit"),
        p_value=_t(a, "p_value"),
        method=_t(a, "method"),
    )


def _adverse_events(events: ET.Element, s: Study) -> None:
    """The time frame and groups, then each event: a "Total" category's rows are totals."""
    s.ae_time_frame = _t(events, "time_frame")
    s.ae_groups = _groups(events)
    for serious, tag in ((True, "serious_events"), (False, "other_events")):
        for cat in events.iterfind(f"{tag}/category_list/category"):
            organ = _t(cat, "title")
            for ev in cat.iterfind("event_list/event"):
                affected = {
                    c.get("group_id", ""): (
                        c.get("subjects_affected", ""),
                        c.get("subjects_at_risk", ""),
                    )
                    for c in ev.iterfind("counts")
                }
                term = _t(ev, "sub_title")
                if organ == "Total":
                    s.ae_totals.append((_total_label(term, serious), affected))
                else:
                    s.events.append(AdverseEvent(serious, term, organ, affected))
