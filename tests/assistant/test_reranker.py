"""The answer reranker: its shipped files, its refusals, and its figure on validation data."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from assistant.errors import ConfigError
from assistant.scoring.reranker import Reranker, default_folder, load_reranker, pair_text
from tests.conftest import SHARED, run_cli

REPORT = default_folder() / "report.json"


def test_the_shipped_reranker_loads_within_the_size_limit():
    reranker = load_reranker()
    assert 0.0 < reranker.threshold < 1.0 and reranker.top >= 3
    size = sum(f.stat().st_size for f in default_folder().iterdir())
    assert size < 50 * 1024 * 1024


def test_it_reads_the_answer_above_sentences_that_only_share_words():
    reranker = load_reranker()
    question = "How many patients were randomised?"
    texts = [
        "A total of 212 patients were randomly assigned to aspirin or placebo.",
        "Randomisation was done by a computer-generated list held by the pharmacy.",
        "Patients with a history of bleeding were excluded.",
    ]
    logits = reranker.logits(question, texts)
    assert logits.shape == (3,) and np.all(np.isfinite(logits))
    assert int(np.argmax(logits)) == 0


def test_a_pair_reads_its_heading_first():
    assert pair_text("The rate fell.", "ABSTRACT.RESULTS:") == "ABSTRACT.RESULTS: The rate fell."
    assert pair_text("The rate fell.") == "The rate fell."


@pytest.mark.parametrize("gone", ["model.onnx", "tokenizer.json", "reranker.json"])
def test_a_missing_file_is_one_line_naming_it_and_make_train_reranker(tmp_path, gone):
    folder = tmp_path / "reranker"
    shutil.copytree(default_folder(), folder)
    (folder / gone).unlink()
    with pytest.raises(ConfigError) as err:
        Reranker(folder)
    message = err.value.message
    assert gone in message and "make train-reranker" in message and "\n" not in message


def test_an_unreadable_model_is_refused_the_same_way(tmp_path):
    folder = tmp_path / "reranker"
    shutil.copytree(default_folder(), folder)
    (folder / "model.onnx").write_bytes(b"not a model")
    with pytest.raises(ConfigError, match="cannot be read.*make train-reranker"):
        Reranker(folder)


def test_trialqa_stops_with_one_line_when_the_cascade_has_no_reranker(tmp_path):
    env = {
        "TRIALQA_ANSWER__RANK_BY": "cascade",
        "TRIALQA_ANSWER__RERANKER_PATH": str(tmp_path / "gone"),
        "HF_HUB_OFFLINE": "1",
    }
    done = run_cli("ask", "What was the ORR?", store=tmp_path / "store", env=env)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "gone" in lines[0] and "make train-reranker" in lines[0]
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_the_shipped_cascade_scores_its_report_figure_on_a_fixed_sample(embedder):
    """The first EI2 validation prompts, pools built and embedded by the product's code, the
    scorer's shortlist reread by the shipped reranker: the recall the training run recorded
    with this int8 file, within the noise of bfloat16 sentence vectors."""
    if not (SHARED / "data" / "evidence_inference").is_dir():
        pytest.skip("../shared/data is not beside the repository")
    from assistant.language.query import analyse
    from assistant.scoring.scorer import load_scorer
    from tests.assistant.ei2_sample import sample

    recorded = json.loads(REPORT.read_text())["sample"]
    scorer, reranker = load_scorer(), load_reranker()
    a, b, c = reranker.weights
    hits1, hits3, wanted = [], [], recorded["ei2_validation_first"]
    for q, doc, labels, rows in sample(embedder, scorer, wanted):
        z = scorer.logits(rows)
        top = np.argsort(-z, kind="stable")[: reranker.top]
        texts = [pair_text(doc.pool[i].text, doc.pool[i].heading) for i in top]
        asked = analyse(q.text).dense_text  # as the engine asks: abbreviations expanded
        order = top[np.argsort(-(a * z[top] + b * reranker.logits(asked, texts) + c))]
        hits1.append(labels[order[0]] == 1)
        hits3.append(labels[order[:3]].any())
    assert len(hits1) == wanted
    assert abs(np.mean(hits1) - recorded["recall@1"]) <= 0.06
    assert abs(np.mean(hits3) - recorded["recall@3"]) <= 0.06


def test_warm_up_loads_what_the_first_questions_would(tmp_path):
    """``trialqa serve`` warms up before it reports ready: the reranker is loaded and the
    statistics libraries the calculators import (a second's stall otherwise) are in, in a
    fresh process where nothing had imported them."""
    code = (
        "import sys\n"
        "from assistant.factory import build, warm_up\n"
        "services = build()\n"
        "assert 'scipy.stats' not in sys.modules and services.engine._reranker is None\n"
        "warm_up(services)\n"
        "assert services.engine._reranker is not None\n"
        "assert {'scipy.stats', 'statsmodels.stats.proportion'} <= set(sys.modules)\n"
        "print('warm')\n"
    )
    env = {**os.environ, "TRIALQA_STORE__PATH": str(tmp_path / "store"), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "warm", done.stderr[-2000:]
