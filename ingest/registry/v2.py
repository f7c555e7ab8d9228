"""ClinicalTrials.gov API v2 JSON -> ``Study``."""

from __future__ import annotations

from typing import Any

from assistant.errors import IngestError
from ingest.registry.study import (
    AdverseEvent,
    Analysis,
    Measurement,
    Outcome,
    Study,
    _d,
    _ds,
    _groups,
    _num,
    _plain,
    _strs,
    _text,
    _words,
)


def from_v2(record: dict[str, Any]) -> Study:
    p = _d(record.get("protocolSection"))
    r = _d(record.get("resultsSection"))
    s = _identification(p)
    _design(_d(p.get("designModule")), s)
    _arms_and_interventions(_d(p.get("armsInterventionsModule")), s)
    _eligibility_facts(_d(p.get("eligibilityModule")), s)
    _dates(_d(p.get("statusModule")), s)
    _planned_outcomes(_d(p.get("outcomesModule")), s)
    _participant_flow(_d(r.get("participantFlowModule")), s)
    for om in _ds(_d(r.get("outcomeMeasuresModule")).get("outcomeMeasures")):
        s.outcomes.append(_outcome(om))
    _adverse_events(_d(r.get("adverseEventsModule")), s)
    return s


def _identification(p: dict[str, Any]) -> Study:
    """The ``Study`` itself: identification, sponsor, status, phases, type, conditions, summary
    and eligibility criteria."""
    ident = _d(p.get("identificationModule"))
    nct = ident.get("nctId")
    if not isinstance(nct, str) or not nct.strip():
        raise IngestError("the record has no identificationModule.nctId")
    status = _d(p.get("statusModule"))
    design = _d(p.get("designModule"))
    elig = _d(p.get("eligibilityModule"))
    return Study(
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


def _design(design: dict[str, Any], s: Study) -> None:
    """The design facts (allocation, model, purpose, masking, time perspective), enrollment."""
    info = _d(design.get("designInfo"))
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


def _arms_and_interventions(arms_mod: dict[str, Any], s: Study) -> None:
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


def _eligibility_facts(elig: dict[str, Any], s: Study) -> None:
    """Sex, ages and healthy volunteers (the criteria text is read with the identification)."""
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


def _dates(status: dict[str, Any], s: Study) -> None:
    """The record's dates, and the one it was last posted on."""
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


def _planned_outcomes(outcomes_mod: dict[str, Any], s: Study) -> None:
    for kind, key in (("primary", "primaryOutcomes"), ("secondary", "secondaryOutcomes")):
        for planned in _ds(outcomes_mod.get(key)):
            s.planned_outcomes.append(
                (kind, _text(planned.get("measure")), _text(planned.get("timeFrame")))
            )


def _participant_flow(flow: dict[str, Any], s: Study) -> None:
    s.flow_groups = _groups(flow.get("groups"))
    for period in _ds(flow.get("periods")):
        for ms in _ds(period.get("milestones")):
            counts = {
                a["groupId"]: _num(a.get("numSubjects"))
                for a in _ds(ms.get("achievements"), "groupId")
            }
            s.flow.append((_text(period.get("title")), _words(_text(ms.get("type"))), counts))


def _outcome(om: dict[str, Any]) -> Outcome:
    """One outcome measure with its results: number analysed, rows, statistical analyses."""
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
            o.rows.append(_outcome_row(cls, cat))
    for a in _ds(om.get("analyses")):
        o.analyses.append(_analysis(a, o.groups))
    return o


def _outcome_row(
    cls: dict[str, Any], cat: dict[str, Any]
) -> tuple[str, str, dict[str, Measurement], dict[str, str]]:
    """A category of a class: its measurement per group, and the number analysed in the class."""
    return (
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


def _analysis(a: dict[str, Any], groups: dict[str, str]) -> Analysis:
    return Analysis(
        groups=[groups.get(g, g) for g in _strs(a.get("groupIds"))],
        param_type=_text(a.get("paramType")),
        value=_num(a.get("paramValue")),
        ci_percent=_num(a.get("ciPctValue")),
        low=_num(a.get("ciLowerLimit")),
        high=_num(a.get("ciUpperLimit")),
        p_value=_num(a.get("pValue")),
        method=_text(a.get("statisticalMethod")),
    )


def _adverse_events(ae: dict[str, Any], s: Study) -> None:
    """The time frame, the totals per group (deaths, serious, other), then each event."""
    s.ae_time_frame = _text(ae.get("timeFrame"))
    groups = _ds(ae.get("eventGroups"))
    s.ae_groups = _groups(groups)
    for label, key in (
        ("Deaths", "deaths"),
        ("Serious adverse events", "serious"),
        ("Other (non-serious) adverse events", "other"),
    ):
        affected = {
            g["id"]: (_num(g.get(f"{key}NumAffected")), _num(g.get(f"{key}NumAtRisk")))
            for g in groups
            if g.get("id") and g.get(f"{key}NumAtRisk") is not None
        }
        if affected:
            s.ae_totals.append((label, affected))
    for serious, key in ((True, "seriousEvents"), (False, "otherEvents")):
        for ev in _ds(ae.get(key), "term"):
            s.events.append(_adverse_event(serious, ev))


def _adverse_event(serious: bool, ev: dict[str, Any]) -> AdverseEvent:
    return AdverseEvent(
        serious,
        _text(ev.get("term")),
        _text(ev.get("organSystem")),
        {
            st["groupId"]: (_num(st.get("numAffected")), _num(st.get("numAtRisk")))
            for st in _ds(ev.get("stats"), "groupId")
        },
    )
