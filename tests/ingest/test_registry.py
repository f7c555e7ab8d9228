"""ClinicalTrials.gov records, API v2 JSON and legacy XML, read from the real shared files."""

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from assistant.errors import IngestError
from ingest.loaders import document_from_bytes, load_file
from tests.conftest import CORPUS, SHARED

CTGOV = SHARED / "data" / "ctgov"
V2 = sorted((CTGOV / "aact_api_v2").glob("*.json"))
XML = sorted((CTGOV / "aact_legacy_xml").glob("*.xml"))
SHIPPED = sorted((CORPUS / "registry").glob("*"))

needs_shared = pytest.mark.skipif(not V2 or not XML, reason="../shared/data/ctgov is absent")

# The rows of a legacy record's serious_events "Total" category -> the label each is read under.
TOTAL_LINES = {
    "Total, all-cause mortality": "Deaths (all-cause mortality) —",
    "Total, serious adverse events": "Serious adverse events —",
}


def lines_of(text: str) -> list[str]:
    return text.split("\n")


@needs_shared
@pytest.mark.parametrize("path", V2 + XML, ids=lambda p: p.name)
def test_every_shared_record_loads_with_its_identity(path):
    doc = load_file(path)
    nct = path.stem
    assert doc.doc_id == nct.lower()
    assert doc.metadata["nct_id"] == nct and doc.metadata["source_type"] == "registry"
    assert {"phase", "conditions", "interventions"} <= set(doc.metadata)
    assert doc.text.startswith(doc.title.rstrip(".:;,"))


@needs_shared
@pytest.mark.parametrize("path", V2, ids=lambda p: p.name)
def test_v2_outcome_values_sit_on_one_line_with_arm_and_denominator(path):
    """Every posted measurement: its arm, value and number analysed share one line."""
    record = json.loads(path.read_text())
    text_lines = lines_of(load_file(path).text)
    measures = (record.get("resultsSection") or {}).get("outcomeMeasuresModule") or {}
    for om in measures.get("outcomeMeasures") or []:
        groups = {g["id"]: g["title"] for g in om.get("groups", [])}
        denoms = {c["groupId"]: c["value"] for c in (om.get("denoms") or [{}])[0].get("counts", [])}
        for cls in om.get("classes") or []:
            in_class = (cls.get("denoms") or [{}])[0].get("counts", [])
            denoms_here = {**denoms, **{c["groupId"]: c["value"] for c in in_class}}
            for cat in cls.get("categories") or []:
                for m in cat.get("measurements") or []:
                    if not m.get("value"):
                        continue
                    want = [f"— {groups[m['groupId']]}: {m['value']}"]
                    if m["groupId"] in denoms_here:
                        want.append(f"{denoms_here[m['groupId']]} participants")
                    assert any(all(w in line for w in want) for line in text_lines), (
                        om["title"],
                        want,
                    )


@needs_shared
@pytest.mark.parametrize("path", XML, ids=lambda p: p.name)
def test_xml_adverse_event_counts_keep_group_and_denominator(path):
    root = ET.parse(path).getroot()
    text = load_file(path).text
    groups = {
        g.get("group_id"): " ".join((g.findtext("title") or "").split()) or g.get("group_id")
        for g in root.iterfind("clinical_results/reported_events/group_list/group")
    }
    categories = root.iterfind("clinical_results/reported_events/serious_events//category")
    for cat in categories:
        for ev in cat.iterfind("event_list/event"):
            term = " ".join((ev.findtext("sub_title") or "").split())
            if cat.findtext("title") == "Total":  # the totals lines of the adverse-event section
                term = TOTAL_LINES[term]
            for c in ev.iterfind("counts"):
                if c.get("subjects_affected") is None:
                    continue
                piece = (
                    f"{groups[c.get('group_id')]}: {c.get('subjects_affected')} of "
                    f"{c.get('subjects_at_risk')} participants"
                )
                assert any(term in line and piece in line for line in lines_of(text)), (term, piece)


@needs_shared
def test_known_figures_read_exactly():
    checkmate = load_file(CTGOV / "aact_legacy_xml" / "NCT01642004.xml").text
    assert (
        "— Nivolumab: 20.0% of participants (135 participants analysed), "
        "95% Confidence Interval 13.6 to 27.7." in checkmate
    )
    assert "Hazard Ratio (HR) 0.62 (95% CI 0.47 to 0.81); p = 0.0004 (Log Rank)." in checkmate
    assert (
        "Serious adverse events — NIVOLUMAB: 61 of 131 participants; DOCETAXEL: 70 of 129"
        in checkmate
    )
    dupi = load_file(CTGOV / "aact_api_v2" / "NCT02210780.json")
    assert (
        "Serious adverse events — Placebo qw: 0 of 97 participants; Dupilumab 300 mg qw: 3 of 97 participants."
        in dupi.text
    )
    # The first period's start counts those assigned to each group, and says so.
    assert (
        "Overall Study, started: Placebo qw 97; Dupilumab 300 mg qw 97 (participants assigned "
        "to each group)." in dupi.text
    )
    assert "Overall Study, completed: Placebo qw" in dupi.text
    assert "[Eichenfeld 2004]" in dupi.text  # the API's Markdown escapes are undone
    assert dupi.metadata["phase"] == "phase 2"
    assert dupi.metadata["conditions"] == ["Atopic Dermatitis"]
    assert dupi.metadata["interventions"] == ["Drug: Dupilumab", "Drug: Placebo"]


def _total_lines(text: str, label: str) -> list[str]:
    return [line for line in lines_of(text) if line.startswith(f"{label} — ")]


@needs_shared
@pytest.mark.parametrize(
    ("nct", "deaths", "serious"),
    [
        (
            "NCT02438137",
            "Dimethyl Fumarate (Tecfidera®) Capsules: 0 of 44 participants; Placebo: 0 of 21",
            "Dimethyl Fumarate (Tecfidera®) Capsules: 1 of 44 participants; Placebo: 1 of 21",
        ),
        ("NCT01298141", "Replagal (Agalsidase Alfa): 6 of 167", "Replagal (Agalsidase Alfa): 74 of 167"),
        ("NCT01357915", "GSK149203A S- Group: 0 of 30", "GSK149203A S- Group: 0 of 30"),
        ("NCT03191552", "Control (Conventional Exercises): 0 of 8", "SPIO 2 Hours: 0 of 8"),
    ],
    ids=["NCT02438137", "NCT01298141", "NCT01357915", "NCT03191552"],
)  # fmt: skip
def test_xml_all_cause_mortality_is_not_read_as_serious_adverse_events(nct, deaths, serious):
    """The "Total, all-cause mortality" row of <serious_events> is the deaths line, labelled
    as the API v2 reader labels deaths; it is not a second serious-adverse-event total."""
    path = CTGOV / "aact_legacy_xml" / f"{nct}.xml"
    text = load_file(path).text
    (death_line,) = _total_lines(text, "Deaths (all-cause mortality)")
    (serious_line,) = _total_lines(text, "Serious adverse events")
    assert deaths in death_line
    assert serious in serious_line
    if nct == "NCT02438137":  # the reported case: 0 deaths, 1 serious adverse event of 44
        assert "0 of 44" not in serious_line and "1 of 44" not in death_line
    assert text.index(death_line) < text.index(serious_line)  # the order v2 records read in


@needs_shared
@pytest.mark.parametrize("path", XML, ids=lambda p: p.name)
def test_xml_records_have_at_most_one_line_per_total(path):
    text = load_file(path).text
    for label in (
        "Deaths (all-cause mortality)",
        "Serious adverse events",
        "Other (non-serious) adverse events",
    ):
        assert len(_total_lines(text, label)) <= 1, label


def _xml_record(totals: str) -> bytes:
    return f"""<clinical_study>
  <id_info><nct_id>NCT00000009</nct_id></id_info>
  <brief_title>Snippet</brief_title>
  <clinical_results>
    <reported_events>
      <group_list>
        <group group_id="E1"><title>Drug</title></group>
        <group group_id="E2"><title>Placebo</title></group>
      </group_list>
      <serious_events>
        <category_list>
          <category>
            <title>Total</title>
            <event_list>{totals}</event_list>
          </category>
          <category>
            <title>Cardiac disorders</title>
            <event_list>
              <event>
                <sub_title>Myocardial Infarction</sub_title>
                <counts group_id="E1" subjects_affected="0" subjects_at_risk="44"/>
                <counts group_id="E2" subjects_affected="1" subjects_at_risk="21"/>
              </event>
            </event_list>
          </category>
        </category_list>
      </serious_events>
      <other_events>
        <category_list>
          <category>
            <title>Total</title>
            <event_list>
              <event>
                <sub_title>Total, other adverse events</sub_title>
                <counts group_id="E1" subjects_affected="27" subjects_at_risk="44"/>
                <counts group_id="E2" subjects_affected="7" subjects_at_risk="21"/>
              </event>
            </event_list>
          </category>
        </category_list>
      </other_events>
    </reported_events>
  </clinical_results>
</clinical_study>""".encode()


_MORTALITY = """
              <event>
                <sub_title>Total, all-cause mortality</sub_title>
                <counts group_id="E1" subjects_affected="2" subjects_at_risk="44"/>
                <counts group_id="E2" subjects_affected="0" subjects_at_risk="21"/>
              </event>"""
_SERIOUS = """
              <event>
                <sub_title>Total, serious adverse events</sub_title>
                <counts group_id="E1" subjects_affected="5" subjects_at_risk="44"/>
                <counts group_id="E2" subjects_affected="1" subjects_at_risk="21"/>
              </event>"""


def test_xml_snippet_mortality_total_has_its_own_label():
    doc = document_from_bytes(_xml_record(_MORTALITY + _SERIOUS), name="s.xml", source="s.xml")
    totals = doc.text.split("\n\nAdverse events\n\n")[1].split("\n\n")[0]  # the totals paragraph
    assert lines_of(totals) == [
        "Deaths (all-cause mortality) — Drug: 2 of 44 participants; Placebo: 0 of 21 participants.",
        "Serious adverse events — Drug: 5 of 44 participants; Placebo: 1 of 21 participants.",
        "Other (non-serious) adverse events — Drug: 27 of 44 participants; "
        "Placebo: 7 of 21 participants.",
    ]
    # the per-term rows are untouched
    assert (
        "Myocardial Infarction (Cardiac disorders), serious — Drug: 0 of 44 participants; "
        "Placebo: 1 of 21 participants." in doc.text
    )


def test_xml_snippet_without_mortality_row_reads_as_before():
    doc = document_from_bytes(_xml_record(_SERIOUS), name="s.xml", source="s.xml")
    assert "Deaths" not in doc.text and "mortality" not in doc.text
    assert (
        "Serious adverse events — Drug: 5 of 44 participants; Placebo: 1 of 21 participants."
        in lines_of(doc.text)
    )


def test_shipped_registry_records_ingest():
    assert len(SHIPPED) >= 2
    for path in SHIPPED:
        doc = load_file(path)
        assert re.fullmatch(r"NCT\d{8}", doc.metadata["nct_id"])
        assert "Adverse events" in doc.text


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("a.json", b'{"name": "not a study"}', "not a ClinicalTrials.gov API v2 study"),
        ("a.json", b"{not json", "not valid JSON"),
        ("a.json", b'{"protocolSection": {"identificationModule": {}}}', "no identificationModule.nctId"),
        ("a.json", b'{"protocolSection": {"identificationModule": {"nctId": 7}}}', "no identificationModule.nctId"),
        ("a.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        ("a.json", b'{"studies": [{}, {}]}', "holds 2 studies"),
        ("a.xml", b"<html><body/></html>", "not a ClinicalTrials.gov <clinical_study>"),
        ("a.xml", b"<clinical_study><brief_title>x</brief_title></clinical_study>", "no id_info/nct_id"),
        ("a.xml", b"<clinical_study><id_info>", "not well-formed XML"),
        ("a.xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><clinical_study/>', "entity declarations"),
    ],
)  # fmt: skip
def test_malformed_records_are_refused_with_the_reason(name, data, says):
    with pytest.raises(IngestError, match=re.escape(says)):
        document_from_bytes(data, name=name, source=name)


def test_a_record_with_only_an_id_still_reads():
    data = b'{"protocolSection": {"identificationModule": {"nctId": "NCT00000001", "briefTitle": "T"}}}'
    doc = document_from_bytes(data, name="x.json", source="x.json")
    assert doc.doc_id == "nct00000001" and doc.title == "T"
    assert "ClinicalTrials.gov record NCT00000001." in doc.text


def test_a_record_of_unexpected_shape_reads_as_far_as_it_goes():
    """Missing sections, a number where an object belongs, entries without their group id:
    what can be placed is read, the rest left out; never a KeyError or TypeError."""
    record = {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT00000003", "briefTitle": "Broken record"},
            "designModule": 7,
            "armsInterventionsModule": {"interventions": ["x", {"type": 5, "name": "Drug A"}]},
            "conditionsModule": {"conditions": "not a list"},
        },
        "resultsSection": {
            "participantFlowModule": {"groups": [{"title": "no id"}, {"id": "FG0"}]},
            "outcomeMeasuresModule": {
                "outcomeMeasures": [
                    {
                        "type": "PRIMARY",
                        "title": "Response",
                        "unitOfMeasure": 3,
                        "groups": [{"id": "OG0", "title": "Drug A"}, {"title": "lost"}],
                        "classes": [
                            {"categories": [{"measurements": [{"value": "12"}]}]},
                            {"categories": [{"measurements": [{"groupId": "OG0", "value": "9"}]}]},
                        ],
                    },
                    "junk",
                ]
            },
            "adverseEventsModule": {"eventGroups": [{"seriousNumAtRisk": 10}], "seriousEvents": 1},
        },
    }
    doc = document_from_bytes(json.dumps(record).encode(), name="b.json", source="b.json")
    assert doc.doc_id == "nct00000003" and doc.title == "Broken record"
    assert "Response — Drug A: 9 3." in doc.text and ": Drug A" in doc.text
    assert "12" not in doc.text.split("Primary outcome 1")[1]


def test_record_is_not_read_as_front_matter(tmp_path: Path):
    path = tmp_path / "r.xml"
    path.write_text(
        "<clinical_study><id_info><nct_id>NCT00000002</nct_id></id_info>"
        "<brief_title>---</brief_title></clinical_study>"
    )
    assert load_file(path).metadata["nct_id"] == "NCT00000002"
