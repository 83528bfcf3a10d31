# The two commands a newcomer needs: `make run` and `make test`.
# `make test-fast` is the quick check while working: the unit tests and the store's tests on SQLite.
# Both create the virtual environment on first use from this project's own files.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# DfE's CIN census validator, in an environment of its own (reports/cin_validation.py).
CIN_VENV := .venv-cin
CIN_STAMP := $(CIN_VENV)/.installed
# The browser tests (tests/browser) drive Debian's Chromium, not a Playwright download.
CHROMIUM := /usr/bin/chromium
# The deploy tests (tests/deploy) parse deploy/compose.yaml with Debian's docker-compose (1.29),
# which reads and validates a compose file with no Docker engine (installed without the engine
# package it recommends: none is needed).
DOCKER_COMPOSE := /usr/bin/docker-compose
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-fast clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# It pins pandas 1.5 (with numpy<2), which the service's own environment must not be held to;
# made afresh whenever its pinned list changes.
$(CIN_STAMP): tools/cin-validator.txt
	rm -rf $(CIN_VENV)
	$(PYTHON) -m venv $(CIN_VENV)
	$(CIN_VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/cin-validator.txt
	touch $(CIN_STAMP)

run: $(STAMP) $(CIN_STAMP)
	$(BIN)/pathways up $(ARGS)

test: $(STAMP) $(CIN_STAMP) $(CHROMIUM) $(DOCKER_COMPOSE)
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

# Not a substitute for `make test`: no PostgreSQL, no Temporal, no HTTP, no browser (tests/conftest.py).
# Two pytest processes side by side, one per core, each printing its output when it ends; the
# store's two slowest files go with the unit tests so that the halves take about as long.
# PYTEST_ARGS (options such as -k or -x) goes to both; a half that it leaves with no test to run
# (pytest's exit status 5) is not a failure.
FAST_SLOW_STORE := tests/store/test_store_rebuild.py tests/store/test_store_verify.py
test-fast: $(STAMP)
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-fast-1 test-fast-2

.PHONY: test-fast-1 test-fast-2
test-fast-1: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider --sqlite-only -q tests/unit $(FAST_SLOW_STORE) $(PYTEST_ARGS) || [ $$? -eq 5 ]
test-fast-2: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider --sqlite-only -q tests/store $(FAST_SLOW_STORE:%=--ignore=%) $(PYTEST_ARGS) || [ $$? -eq 5 ]

clean:
	rm -rf $(VENV) $(CIN_VENV) var

# Installed only where it is missing; stops with the reason if it cannot be.
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "make: $(CHROMIUM) is missing and there is no apt-get here: install Chromium by hand" >&2; exit 1; }
	$(SUDO) apt-get update && $(SUDO) apt-get install -y chromium || { echo "make: could not install Chromium with apt-get (it needs root or sudo)" >&2; exit 1; }
	@test -x $(CHROMIUM) || { echo "make: apt-get ran but $(CHROMIUM) is still missing" >&2; exit 1; }

$(DOCKER_COMPOSE):
	@command -v apt-get >/dev/null || { echo "make: $(DOCKER_COMPOSE) is missing and there is no apt-get here: install docker-compose (1.29) by hand" >&2; exit 1; }
	$(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends docker-compose || { echo "make: could not install docker-compose with apt-get (it needs root or sudo)" >&2; exit 1; }
	@test -x $(DOCKER_COMPOSE) || { echo "make: apt-get ran but $(DOCKER_COMPOSE) is still missing" >&2; exit 1; }

# Benchmarks: `python -m bench` runs each one in bench/ (bench/__main__.py lists them); results go to bench/results/.
.PHONY: bench bench-scale
bench: $(STAMP)
	$(BIN)/python -m bench

# Not part of `make bench`: 50,000 open journeys take the best part of an hour on a small machine.
# ARGS="--journeys 5000" for a smaller run, ARGS="--sweep" for the operator knobs (python -m bench.scale --help).
bench-scale: $(STAMP)
	$(BIN)/python -m bench.scale $(ARGS)
