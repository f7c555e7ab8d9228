"""The answer gate: what it reads of a ranking, its shipped file, and its refusals."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

from assistant.errors import ConfigError
from assistant.language.query import analyse
from assistant.scoring.answerable import NAMES, AnswerGate, default_path, gate_features
from tests.conftest import assert_answer_contract, run_cli


def candidate(score, similarity=0.5, coverage=0.5, context_coverage=0.5, context=()):
    return SimpleNamespace(
        score=score,
        similarity=similarity,
        coverage=coverage,
        context_coverage=context_coverage,
        context=set(context),
    )


def test_features_read_the_whole_ranking():
    query = analyse("How many patients relapsed on olanzapine maintenance?")
    ranked = [
        candidate(0.6, 0.7, 0.4, 0.5, {"patient", "olanzapin"}),
        candidate(0.2, 0.8, 0.1, 0.9, {"patient"}),
        candidate(0.1, 0.3, 0.0, 0.2, {"relaps"}),
    ]
    x = dict(zip(NAMES, gate_features(query, ranked, lambda term: 1.0), strict=True))
    assert x["best_logit"] == pytest.approx(np.log(0.6 / 0.4), abs=1e-5)
    assert x["lead_over_second"] == pytest.approx(np.log(0.6 / 0.4) - np.log(0.2 / 0.8), abs=1e-5)
    assert x["top3_context_coverage"] == pytest.approx(0.9)
    assert x["top5_similarity"] == pytest.approx(0.8)
    # "maintenance" is in no passage: three of the four terms are somewhere in scope.
    assert x["terms_in_no_passage"] == 1
    assert x["pool_coverage"] == pytest.approx(3 / 4)


def test_no_candidates_read_as_zeros():
    assert not gate_features(analyse("What was the ORR?"), [], lambda term: 1.0).any()


def test_the_shipped_gate_rescores_its_held_apart_sample():
    """The committed file gives the probabilities its training run wrote for held-apart rows,
    and at its bar those rows are told apart about as well as its card says."""
    shipped = json.loads(default_path().read_text())
    gate = AnswerGate()
    sample = shipped["sample"]
    p = np.array([gate.probability(np.array(x)) for x in sample["x"]])
    assert p == pytest.approx(np.array(sample["probability"]), abs=1e-3)
    y = np.array(sample["y"])
    assert 0 < y.sum() < len(y)
    sample_auc = (p[y == 1][:, None] > p[y == 0][None, :]).mean()
    assert sample_auc >= shipped["held_apart"]["auc"] - 0.1
    assert 0 < gate.bar <= gate.answers_at <= 1


def test_a_missing_gate_is_one_line_naming_it(tmp_path):
    with pytest.raises(ConfigError, match="make train-gate") as raised:
        AnswerGate(tmp_path / "gone.json")
    assert "gone.json" in str(raised.value) and "\n" not in str(raised.value)


@pytest.mark.parametrize(
    "content",
    ["{not json", json.dumps({"features": ["other"], "mean": [0], "scale": [1]})],
)
def test_an_unreadable_gate_is_refused_the_same_way(tmp_path, content):
    path = tmp_path / "gate.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match="cannot be read"):
        AnswerGate(path)


def test_trialqa_stops_with_one_line_when_the_gate_is_missing(tmp_path):
    env = {
        "TRIALQA_ANSWER__DECLINE_BY": "gate",
        "TRIALQA_ANSWER__GATE_PATH": str(tmp_path / "gone.json"),
    }
    done = run_cli("ask", "What was the ORR?", store=tmp_path / "store", env=env)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "gone.json" in lines[0] and "make train-gate" in lines[0]
    assert "Traceback" not in done.stderr


PAPER = """# ALDER-3: cream V for chronic hand eczema

## Methods
Adults with chronic hand eczema were allocated at random to cream V or a vehicle cream,
applied twice daily for 8 weeks.

## Results
Of the 164 adults enrolled, 82 received cream V and 82 the vehicle cream. Itch intensity on a
10-point scale dropped by 4.1 points with cream V and by 1.9 points with the vehicle
(p < 0.001). Skin burning at the application site affected 6 adults given cream V and 2 given
the vehicle.
"""


@pytest.fixture(scope="module")
def gated(tmp_path_factory, embedder):
    from assistant.factory import build
    from ingest.pipeline import Ingestor
    from tests.conftest import make_settings

    folder = tmp_path_factory.mktemp("gate")
    (folder / "alder.md").write_text(PAPER)
    settings = make_settings(folder / "store")
    settings.answer.decline_by = "gate"
    services = build(settings, embedder=embedder)
    Ingestor(services.store, services.embedder, services.settings).ingest([folder])
    return services


@pytest.mark.slow
@pytest.mark.parametrize(
    "question, quoted",
    [
        ("How many patients were randomised to each cream?", "82 received cream V"),
        ("How much did the itching improve with cream V?", "dropped by 4.1 points"),
    ],
)
def test_the_gate_lets_a_plainly_worded_question_be_answered(gated, question, quoted):
    answer = gated.engine.answer(question)
    assert not answer.abstained, answer.answer
    assert quoted in answer.citations[0].quote, answer.answer
    assert_answer_contract(gated.store, answer)


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        "What was the rate of hospital admission with cream V?",
        "How did cream V change blood pressure compared with the vehicle?",
    ],
)
def test_the_gate_declines_what_the_paper_never_measured(gated, question):
    answer = gated.engine.answer(question)
    assert answer.abstained, answer.answer
