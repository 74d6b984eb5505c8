# juece — make run: set up, embedded database with demo data (dated relative to today), start the workbench
#         with the deadline worker beside it (`juece ui --worker`: the worker is its child and stops with it).
#         make test: the whole suite.
# Both first check the operating-system packages (deploy/system-packages.sh: installs them with apt-get as
# root, else names them and the command; JUECE_SKIP_SYSTEM_PACKAGES=1 skips the check).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
export JUECE_DATA_DIR ?= $(CURDIR)/var

.PHONY: run run-pg stop-pg test test-sqlite test-pg setup lint demo clean bench screenshots system-packages system-packages-pg system-packages-test

setup: $(VENV)/.installed

system-packages:
	PYTHON=$(PYTHON) deploy/system-packages.sh

system-packages-pg:
	PYTHON=$(PYTHON) deploy/system-packages.sh --pg

system-packages-test:
	PYTHON=$(PYTHON) deploy/system-packages.sh --test

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

run: system-packages setup
	$(BIN)/juece init
	$(BIN)/juece demo
	$(BIN)/juece ui --worker --port $${PORT:-8501}

# the same on a local PostgreSQL cluster (decisions/storage/pgcluster.py: initdb/pg_ctl from /usr/lib/postgresql/*/bin,
# unix socket in var/pg/sock, no TCP, no root needed); its own evidence store in var/pg-store.
# `make stop-pg` stops the cluster (the data stays in var/pg).
PG_DIR       ?= $(CURDIR)/var/pg
PG_DATA_DIR  ?= $(CURDIR)/var/pg-store
run-pg: system-packages-pg setup
	$(BIN)/python -m decisions.storage.pgcluster start --dir $(PG_DIR)
	export JUECE_DATABASE_URL="$$($(BIN)/python -m decisions.storage.pgcluster url --dir $(PG_DIR))" \
	       JUECE_DATA_DIR=$(PG_DATA_DIR) && \
	$(BIN)/juece init && $(BIN)/juece demo && exec $(BIN)/juece ui --worker --port $${PORT:-8501}

stop-pg:
	$(BIN)/python -m decisions.storage.pgcluster stop --dir $(PG_DIR)

# every page as each role, in Chinese and English, as PNGs in var/screenshots/ (tests/screenshots.py: a throw-away
# demo deployment served on a free localhost port, headless Chromium)
screenshots: system-packages-test setup
	$(BIN)/python -m tests.screenshots --out $(CURDIR)/var/screenshots

demo: setup
	$(BIN)/juece init
	$(BIN)/juece demo

# the whole suite twice: on the embedded SQLite, then on a throw-away PostgreSQL cluster the tests
# start themselves (tests/pg.py: initdb/pg_ctl from /usr/lib/postgresql/*/bin, unix socket only)
test: system-packages-test setup
	$(BIN)/ruff check .
	JUECE_TEST_DB=sqlite $(BIN)/python -m pytest $(PYTEST_ARGS)
	JUECE_TEST_DB=postgresql $(BIN)/python -m pytest $(PYTEST_ARGS)

test-sqlite: system-packages-test setup
	JUECE_TEST_DB=sqlite $(BIN)/python -m pytest $(PYTEST_ARGS)

test-pg: system-packages-test setup
	JUECE_TEST_DB=postgresql $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python bench/engine.py

clean:
	rm -rf var build *.egg-info .pytest_cache
