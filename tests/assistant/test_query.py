import pytest

from assistant.language.query import analyse, is_name
from assistant.language.text import tokenize


def terms(question):
    return [g.term for g in analyse(question).groups]


def test_scaffolding_is_not_a_term():
    assert terms("What was the number of patients?") == ["patient"]
    assert terms("How long is treatment with linvoseltamab?") == ["treatment", "linvoseltamab"]


def test_abbreviation_expands_to_its_words():
    q = analyse("What was the CRS rate?")
    crs = q.groups[0]
    assert crs.term == "crs"
    assert crs.satisfied_by({"cytokin", "releas", "syndrom"})
    assert crs.satisfied_by({"crs"})
    assert not crs.satisfied_by({"cytokin", "storm"})
    assert "cytokine release syndrome" in q.dense_text
    assert "cytokin" in q.lexical_tokens


def test_lowercase_abbreviation_of_three_letters_expands():
    assert analyse("what was the orr").groups[0].alternatives


def test_compound_term_is_not_satisfied_by_its_parts():
    pfs = analyse("progression-free survival?").groups[0]
    assert pfs.term == "progress-free"
    assert not pfs.satisfied_by({"progress", "free"})
    assert pfs.satisfied_by(set(tokenize("Progression-free survival was 80%")))


def test_a_lay_question_meets_the_paper_words():
    assert terms("Did anyone get a rash?") == ["rash"]
    assert terms("Where is the trial being done?") == ["trial"]
    babies, problems = analyse("Were there problems in the babies?").groups[::-1]
    assert babies.satisfied_by(set(tokenize("in the neonates of either group")))
    assert problems.satisfied_by(set(tokenize("No complications were seen")))
    assert not babies.satisfied_by(set(tokenize("in the mothers")))


def test_a_name_in_brackets_meets_the_words_before_it_and_they_meet_it():
    """ "the soy-based drink (Vitasoy)": a paper saying "Vitasoy" is about the soy-based drink,
    and one saying "soy-based drink" about Vitasoy; other words are not met by either."""
    groups = {
        g.term: g
        for g in analyse("How much of the soy-based drink (Vitasoy) did children get?").groups
    }
    said = set(tokenize("Children drank 200 mL of Vitasoy daily."))
    assert groups[tokenize("soy-based")[0]].satisfied_by(said)
    assert groups[tokenize("drink")[0]].satisfied_by(said)
    assert groups[tokenize("vitasoy")[0]].satisfied_by(set(tokenize("a soy-based drink")))
    assert not groups[tokenize("children")[0]].satisfied_by(set(tokenize("Vitasoy")))
    # at most two words before the brackets; no figure or statistic is a name
    far = {
        g.term: g for g in analyse("Was nausea worse with the oral iron tablet (Ferrox)?").groups
    }
    assert not far[tokenize("oral")[0]].satisfied_by(set(tokenize("Ferrox")))
    stated = analyse("How many were randomised (n = 54)?").groups
    assert stated[:-1] == analyse("How many were randomised?").groups  # and "54"


def test_a_unit_abbreviated_after_a_number_meets_its_word():
    hours = analyse("How many were pain free at 2 hours?").groups[-1]
    assert hours.term == "hour"
    assert hours.satisfied_by(set(tokenize("pain-free episodes at 2 h")))
    assert hours.satisfied_by(set(tokenize("within 48h of intake")))
    assert "week" in tokenize("after 12 wk") and "year" in tokenize("aged 3 yrs")
    assert "hour" not in tokenize("H. pylori was eradicated") + tokenize("vitamin d and h")


def test_a_hyphenated_word_meets_its_words_and_its_closed_form():
    """Papers write "B cells" and "coinfection" where a question writes "B-cell" and
    "co-infection", and the other way round; a compound is still not met by its words apart."""
    b_cell, co_infection = analyse("B-cell co-infection?").groups
    assert b_cell.satisfied_by(set(tokenize("memory B cells were sorted")))
    assert co_infection.satisfied_by(set(tokenize("bacterial coinfection was common")))
    coinfection = analyse("coinfection?").groups[0]
    assert coinfection.satisfied_by(set(tokenize("viral co-infection was rare")))
    assert not b_cell.satisfied_by(set(tokenize("T cells were sorted")))
    assert not b_cell.satisfied_by(set(tokenize("cells of group B")))


def test_a_percentage_is_met_by_a_figure_in_percent():
    share = analyse("What percentage of patients?").groups[0]
    assert share.satisfied_by(set(tokenize("35% of patients")))
    assert not share.satisfied_by(set(tokenize("35 of 100 patients")))


@pytest.mark.parametrize(
    ("word", "name"),
    [("MajesTEC-1", True), ("EASI-90", True), ("AZD3199", True), ("eGFR", True),
     ("CheckMate", True), ("COVID", False), ("60-month", False), ("B-cell", False),
     ("Hi", False), ("over-70s", False), ("day-28", False), ("h1n1", True), ("IL-6", True)],
)  # fmt: skip
def test_a_name_is_a_word_joined_to_a_figure_or_with_a_capital_inside(word, name):
    assert is_name(word) is name


def test_trial_and_study_beside_a_named_trial_are_met_by_any_sentence():
    from assistant.answering.candidates import naming_met

    trial, drug = naming_met(analyse("Which study, teclistamab?")).groups
    assert trial.satisfied_by(set()) and not drug.satisfied_by(set())
