"""The learned answer scorer: its shipped file, its pools, and its figure on validation data."""

import json

import numpy as np
import pytest

from assistant.errors import ConfigError
from assistant.language.query import analyse
from assistant.scoring.cues import headings_in, section_flags
from assistant.scoring.scorer import (
    SCALAR_FEATURES,
    AnswerScorer,
    Candidate,
    PoolChunk,
    build_pool,
    load_scorer,
    sentence_features,
)
from tests.conftest import ROOT, SHARED, run_cli

REPORT = ROOT / "assistant" / "data" / "answer_scorer_report.json"


def test_the_shipped_file_loads_with_a_bar_in_range():
    scorer = load_scorer()
    assert 0.0 < scorer.threshold < 1.0
    assert scorer.layers and scorer.layers[-1][0].shape[1] == 1
    assert scorer.path.stat().st_size < 50 * 1024 * 1024


def test_a_missing_file_is_one_line_naming_it_and_make_train(tmp_path):
    missing = tmp_path / "none.npz"
    with pytest.raises(ConfigError) as err:
        AnswerScorer(missing)
    message = err.value.message
    assert str(missing) in message and "make train" in message and "\n" not in message


def test_an_unreadable_file_is_refused_the_same_way(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    with pytest.raises(ConfigError, match="cannot be read.*make train"):
        AnswerScorer(bad)


def test_a_file_of_other_features_is_refused(tmp_path):
    with np.load(load_scorer().path, allow_pickle=False) as z:
        arrays = dict(z)
    arrays["feature_names"] = np.array(["cosine", "something_else"])
    other = tmp_path / "other.npz"
    np.savez(other, **arrays)
    with pytest.raises(ConfigError, match="other features"):
        AnswerScorer(other)


def test_trialqa_stops_with_one_line_when_the_file_is_missing(tmp_path):
    env = {"TRIALQA_ANSWER__SCORER_PATH": str(tmp_path / "gone.npz"), "HF_HUB_OFFLINE": "1"}
    done = run_cli("ask", "What was the ORR?", store=tmp_path / "store", env=env)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "gone.npz" in lines[0] and "make train" in lines[0]
    assert "Traceback" not in done.stderr


def test_headings_and_section_kinds():
    text = "ABSTRACT.RESULTS:\nThe rate fell (p = 0.01).\nBODY.METHODS:\nWe randomised 40."
    assert [h for _, h in headings_in(text)] == ["ABSTRACT.RESULTS", "BODY.METHODS"]
    kinds = section_flags("ABSTRACT.RESULTS")
    assert kinds[3] == 1.0 and kinds[-1] == 1.0  # results, in the abstract
    assert sum(section_flags("Discussion")[:-1]) == 1.0
    assert sum(section_flags("Unrelated words")) == 0.0


def test_a_pool_reads_each_sentence_once_under_its_heading_with_its_neighbours():
    text = "Results\nFirst finding here. Second finding here.\n\nMore text follows."
    spans = ((8, 27), (28, 48), (50, 68))
    first = PoolChunk("d", 0, text, "", "T", spans, 100)
    overlap = PoolChunk("d", 0, text, "", "T", spans[2:], 100)  # the same sentence again
    pool, where = build_pool([first, overlap])
    assert [c.text for c in pool] == ["First finding here.", "Second finding here.",
                                      "More text follows."]  # fmt: skip
    assert [c.heading for c in pool] == ["Results"] * 3
    assert (pool[0].previous, pool[0].following, pool[1].previous) == (None, 1, 0)
    assert where == [(0, 0), (0, 1), (0, 2)]


def test_chunks_apart_are_not_neighbours():
    a = PoolChunk("d", 0, "One sentence here.", "", "", ((0, 18),), 1000)
    b = PoolChunk("d", 500, "Another sentence.", "", "", ((0, 17),), 1000)
    pool, _ = build_pool([a, b])
    assert pool[1].previous is None and pool[0].following is None


def test_features_see_british_and_american_spelling_alike():
    query = analyse("How many patients were randomised?")
    pool = [Candidate("In all, 120 patients were randomized."), Candidate("Tea was served.")]
    vectors = np.eye(2, 384, dtype=np.float32)
    rows = sentence_features(
        query, np.eye(1, 384, dtype=np.float32)[0], pool, vectors, lambda t: 1.0
    )
    coverage = SCALAR_FEATURES.index("coverage")
    assert rows.shape[1] >= len(SCALAR_FEATURES)
    assert rows[0, coverage] == 1.0 and rows[1, coverage] == 0.0


@pytest.mark.slow
def test_the_shipped_file_scores_its_model_card_figure_on_a_fixed_sample(embedder):
    """The first EI2 validation prompts, pools built and embedded by the product's code, ranked
    by the shipped file: the recall the training run recorded, within bfloat16's noise."""
    if not (SHARED / "data" / "evidence_inference").is_dir():
        pytest.skip("../shared/data is not beside the repository")
    from tests.assistant.ei2_sample import sample

    recorded = json.loads(REPORT.read_text())["sample"]
    scorer = load_scorer()
    hits1, hits3, wanted = [], [], recorded["ei2_validation_first"]
    for _, _, labels, rows in sample(embedder, scorer, wanted):
        order = np.argsort(-scorer.logits(rows))
        hits1.append(labels[order[0]] == 1)
        hits3.append(labels[order[:3]].any())
    assert len(hits1) == wanted
    assert abs(np.mean(hits1) - recorded["recall@1"]) <= 0.06
    assert abs(np.mean(hits3) - recorded["recall@3"]) <= 0.06
