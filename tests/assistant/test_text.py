from assistant.language.text import fold, sentence_spans, tokenize


def test_tokenize_keeps_ids_numbers_and_compounds():
    tokens = tokenize("LINKER-SMM1 (NCT05955508): 42% had CRS; 82.4 vs 1,000 infections")
    for expected in ("linker-smm1", "linker", "smm1", "nct05955508", "nct", "05955508", "infect"):
        assert expected in tokens
    assert {"42", "82.4", "1,000", "crs"} <= set(tokens)


def test_fold_joins_word_forms_and_keeps_identifiers():
    assert fold("infections") == fold("infection")
    assert fold("comparing") == fold("compare") == fold("compared")
    assert fold("crs") == "crs"
    assert fold("05955508") == "05955508"
    assert tokenize("Progression-free")[0] == "progress-free"


def test_sentence_spans_are_exact_and_stay_in_paragraphs():
    text = "Heading here?\n\nFirst sentence is here. Second one, 42% of 19.\nStill para.\n\nLast."
    spans = sentence_spans(text)
    pieces = [text[s.start : s.end] for s in spans]
    assert pieces[0] == "Heading here?"
    assert "First sentence is here." in pieces
    assert pieces[-1] == "Last."
    for s in spans:
        assert "\n\n" not in text[s.start : s.end]
        assert text[s.start : s.end] == text[s.start : s.end].strip()


def test_a_hard_wrapped_paragraph_is_read_as_its_sentences():
    """Uploaded text often comes wrapped at a fixed width; a sentence runs across the breaks."""
    text = (
        "The total nasal symptom score fell by 3.1 points with spray M and by 1.2 points with\n"
        "saline (difference -1.9, 95% CI -2.6 to\n"
        "-1.2; P < 0.001). Rescue antihistamine use did not differ significantly between the\n"
        "groups.\n"
    )
    pieces = [text[s.start : s.end] for s in sentence_spans(text)]
    assert len(pieces) == 2
    assert pieces[0].startswith("The total") and pieces[0].endswith("P < 0.001).")
    assert pieces[1].startswith("Rescue") and pieces[1].endswith("groups.")


def test_lines_that_stand_alone_stay_apart():
    """List items, table cells, a record's fields and a heading over its text are not wraps."""
    text = (
        "Adverse events reported in the treatment group\n"
        "- headache in 4 patients\n"
        "- epistaxis in 2 patients\n"
        "Delivery rate per started cycle in percent (table 2)\n"
        "aCarbetocin: n = 279; oxytocin: n = 652\n"
        "11.5\n"
        "Condition: Seasonal allergic rhinitis of adults\n"
        "Intervention: Nasal spray M"
    )
    pieces = [text[s.start : s.end] for s in sentence_spans(text)]
    assert pieces == text.split("\n")


def test_an_abbreviating_full_stop_ends_no_sentence():
    """A genus or "spp." before a lowercase word is not a sentence's end; a line break is kept."""
    text = (
        "CHIKV is spread by Ae. aegypti and Ae. albopictus mosquitoes. Candida spp. were "
        "isolated in 4 patients. It rose by 5 vs. 3 cases.\nWe used Ae.\naegypti strains."
    )
    pieces = [text[s.start : s.end] for s in sentence_spans(text)]
    assert pieces == [
        "CHIKV is spread by Ae. aegypti and Ae. albopictus mosquitoes.",
        "Candida spp. were isolated in 4 patients.",
        "It rose by 5 vs. 3 cases.",
        "We used Ae.",
        "aegypti strains.",
    ]


def test_a_reference_mark_after_a_full_stop_closes_that_sentence():
    """Papers' text layers glue a reference list to the full stop it follows: "[1114]"
    belongs to the sentence it cites for, and the quote of the next one starts with a word."""
    text = (
        "Nausea was more frequent with buprenorphine in other studies.[1114] Two patients "
        "developed transient hypotension. It was treated [3]. Rates were low.[12, 14]"
    )
    pieces = [text[s.start : s.end] for s in sentence_spans(text)]
    assert pieces == [
        "Nausea was more frequent with buprenorphine in other studies.[1114]",
        "Two patients developed transient hypotension.",
        "It was treated [3].",
        "Rates were low.[12, 14]",
    ]


def test_an_author_cited_by_number_does_not_end_the_sentence():
    """A sentence citing "Chambers et al. [10] then ..." stays whole: the mark after "al." ends
    nothing, so the finding keeps the names that make it another study's."""
    text = (
        "Chambers et al. [10] then Bellamy et al. [24] demonstrated impaired dilation after "
        "methionine. Ten men were studied. It was shown by Smith et al. Then it rained."
    )
    pieces = [text[s.start : s.end] for s in sentence_spans(text)]
    assert pieces == [
        "Chambers et al. [10] then Bellamy et al. [24] demonstrated impaired dilation after "
        "methionine.",
        "Ten men were studied.",
        "It was shown by Smith et al.",
        "Then it rained.",
    ]


def test_sentence_spans_of_a_slice_index_the_whole_text():
    text = "Intro. " + "Alpha beta. Gamma delta."
    spans = sentence_spans(text, 7)
    assert [text[s.start : s.end] for s in spans] == ["Alpha beta.", "Gamma delta."]


def test_sentence_spans_are_the_same_from_many_threads():
    """The API segments from worker threads; one shared pysbd segmenter mixed their texts."""
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    texts = [p.read_text() for p in sorted((Path(__file__).parents[2] / "corpus").rglob("*.md"))]
    expected = [sentence_spans(t) for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda i: sentence_spans(texts[i % len(texts)]), range(200)))
    assert all(g == expected[i % len(texts)] for i, g in enumerate(got))


def test_a_stopword_is_no_term_however_it_folds():
    """ "does" folds to "doe" and "only" to "onli": no question needs a sentence to say them.
    A word placing a figure or a time stays a term ("above 12", "before surgery")."""
    from assistant.language.query import analyse

    terms = [g.term for g in analyse("How much does it cost only once, above 12 mg?").groups]
    assert terms == ["cost", "abov", "12", "mg"]
