"""Suggested questions from documents' metadata and text (no model, no store)."""

from __future__ import annotations

from assistant.conversation.suggestions import document_facts, kinds_stated, plan
from assistant.models import DocumentInfo, Filters


def facts(doc_id: str, text: str, **metadata):
    info = DocumentInfo(
        doc_id=doc_id, title=doc_id, source=f"{doc_id}.txt", sha256=doc_id, chunks=1,
        chars=len(text), metadata=metadata,
    )  # fmt: skip
    return document_facts(info, text)


FULL = (
    "The primary endpoint was progression-free survival.\n\n"
    "In total 120 patients were enrolled. The overall response rate was 61%. "
    "Median progression-free survival was 14.2 months. Grade 3 or higher adverse events "
    "occurred in 18 patients."
)


def test_a_kind_is_stated_by_its_cue_and_a_figure_other_than_the_cue():
    assert kinds_stated(FULL) == {
        "primary_endpoint", "enrollment", "response", "progression", "safety",
    }  # fmt: skip
    assert kinds_stated("Patients were enrolled at ten sites.") == set()  # no figure
    assert kinds_stated("Grade 3 events were recorded.") == set()  # the 3 of "grade 3" is the cue
    assert kinds_stated("Grade 3 events occurred in 4 patients.") == {"safety"}
    assert kinds_stated("The ORR was not reported.\n\n2019 abstract.") == set()  # other paragraph


def test_questions_name_the_trials_of_the_metadata_one_per_trial_in_turn():
    docs = [
        facts("zen-a", FULL, trial="ZEN-7"),
        facts("zen-b", "Median PFS was 30 months.", trial="ZEN-7"),
        facts(
            "orb", "Of 40 participants randomised, 12 responded. The ORR was 30%.", trial="Orb 2"
        ),
        facts("quiet", "Nothing here states a result.", trial="Quiet-1"),
        facts("untitled", FULL),  # no trial: never suggested unless it is the only document
    ]
    got = plan(docs, limit=20)
    assert [s.question for s in got[:2]] == [
        "What was the primary endpoint of ZEN-7?",  # two documents: first
        "How many patients were enrolled in Orb 2?",  # each trial starts at the next kind
    ]
    assert {s.trial for s in got} == {"ZEN-7", "Orb 2"}  # Quiet-1 states nothing
    assert len(got) == 5 + 2 and len({s.question for s in got}) == len(got)
    assert [s.trial for s in got[:4]] == ["ZEN-7", "Orb 2", "ZEN-7", "Orb 2"]
    progression = next(s for s in got if s.kind == "progression")
    assert progression.doc_ids == ("zen-a", "zen-b")
    assert plan(docs, limit=3) == got[:3]
    assert plan(list(reversed(docs)), limit=20) == got  # the order of the store does not matter


def test_one_document_without_a_trial_is_asked_about_as_this_study():
    got = plan([facts("upload", FULL)], limit=2)
    assert [s.question for s in got] == [
        "What was the primary endpoint of this study?",
        "How many patients were enrolled in this study?",
    ]
    assert all(s.trial is None and s.doc_ids == ("upload",) for s in got)


def test_a_document_naming_several_trials_credits_each_with_its_own_paragraphs():
    text = (
        "Alpha-1 enrolled 200 patients.\n\n"
        "In Beta-2 the overall response rate was 45%.\n\n"
        "The primary endpoint was overall survival."  # names neither: credits neither
    )
    doc = facts("review", text, trial=["Alpha-1", "Beta-2"])
    assert doc.stated["Alpha-1"] == {"enrollment"} and doc.stated["Beta-2"] == {"response"}
    only_beta = plan([doc], limit=10, filters=Filters(trial=["beta 2"]))
    assert [s.question for s in only_beta] == ["What was the overall response rate in Beta-2?"]
