# juece — make run: set up, embedded database with demo data, start the workbench.
#         make test: the whole suite.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
export JUECE_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test setup lint demo clean bench

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

run: setup
	$(BIN)/juece init
	$(BIN)/juece demo
	$(BIN)/juece ui --port $${PORT:-8501}

demo: setup
	$(BIN)/juece init
	$(BIN)/juece demo

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python bench/engine.py

clean:
	rm -rf var build *.egg-info .pytest_cache
