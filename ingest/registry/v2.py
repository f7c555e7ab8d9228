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
        for planned in _ds(_d(p.get("outcomesModule")).get(key)):
            s.planned_outcomes.append(
                (kind, _text(planned.get("measure")), _text(planned.get("timeFrame")))
            )

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
        affected = {
            g["id"]: (_num(g.get(f"{key}NumAffected")), _num(g.get(f"{key}NumAtRisk")))
            for g in groups
            if g.get("id") and g.get(f"{key}NumAtRisk") is not None
        }
        if affected:
            s.ae_totals.append((label, affected))
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
