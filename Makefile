# Two commands do all the set-up on a fresh machine:
#   make demo   install everything, migrate the sample legacy databases into the embedded
#               PostgreSQL (or your server, see .env.example), validate, build Data Docs
#   make test   install everything, run the test suite
# Everything installed comes from pinned files in this repository.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
MELTANO := $(BIN)/meltano
CUTOVER := $(BIN)/cutover
# uv installs (the project's and, through Meltano's uv backend, every plugin's) compile
# bytecode: each `meltano run` starts Meltano, the tap and the loader, and without .pyc
# files (PYTHONDONTWRITEBYTECODE, read-only trees) each start recompiles its imports,
# ~1.5 s of Meltano's 2.3 s start here (docs/benchmarks/throughput.md).
export UV_COMPILE_BYTECODE := 1
STAMPS := .meltano/.stamps
ROWS ?=

PLUGIN_FILES := meltano.yml $(wildcard */*.meltano.yml) $(wildcard plugins/*/*.lock) \
	$(wildcard plugins/constraints/*.txt) $(wildcard extract/*/pyproject.toml) pyproject.toml

.PHONY: help demo test install pg-start pg-stop pg-reset sample migrate validate docs lint bench \
	preflight dry-run gate switch rollback status \
	lock browser mdbtools clean

help:
	@echo "make demo      install, then migrate Cold Chain, SPC, LawFirm, Routing ML and EcoAnP end to end (embedded PostgreSQL)"
	@echo "make test      install, then run the tests"
	@echo "make pg-start | pg-stop | pg-reset   the embedded PostgreSQL"
	@echo "make sample [SYSTEM=coldchain] [ROWS=n]   regenerate a sample (coldchain | spc | lawfirm | routing | ecoanp)"
	@echo "make migrate [SYSTEM=coldchain]   run migrate-<system> (EL, dbt build, capture, gate, Data Docs)"
	@echo "make preflight | dry-run | gate | switch | rollback | status [SYSTEM=coldchain]   the runbook"
	@echo "make lint      ruff + sqlfluff"
	@echo "make lock      re-resolve the pinned dependency files"

# --- installation ---------------------------------------------------------------------
$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) (3.11+) is required"; exit 1; }
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "error: Python 3.11+ is required ($(PYTHON) is $$($(PYTHON) -V))"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml extract/tap-msaccess/pyproject.toml \
		extract/tap-mssql/pyproject.toml
	@echo "==> installing the project's Python tools into $(VENV) (pinned: requirements.lock)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(UV) pip install --quiet --python $(BIN)/python -r requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e . -e extract/tap-msaccess \
		-e extract/tap-mssql
	@touch $@

$(STAMPS)/plugins: $(VENV)/.installed $(PLUGIN_FILES)
	@echo "==> meltano install (plugins pinned in plugins/constraints/)"
	$(MELTANO) install
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/docs-assets: $(VENV)/.installed expectations/docs_assets/package-lock.json
	@echo "==> Data Docs assets from npm (expectations/docs_assets/package-lock.json)"
	$(BIN)/python -m cutover.docs_offline --install-only
	@mkdir -p $(STAMPS) && touch $@

# tap-msaccess reads values with mdb-reader (npm ci of its lock file, Node from PyPI) and
# keys with Debian's mdbtools.
$(STAMPS)/access-js: $(VENV)/.installed extract/tap-msaccess/js/package-lock.json
	@echo "==> tap-msaccess's Node packages (extract/tap-msaccess/js/package-lock.json)"
	$(BIN)/tap-msaccess-install-js
	@mkdir -p $(STAMPS) && touch $@

mdbtools:
	@if ! command -v mdb-schema >/dev/null; then \
		echo "==> installing Debian's mdbtools (primary keys and indexes of Access files)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq mdbtools >/dev/null; \
	fi

install: $(STAMPS)/plugins $(STAMPS)/docs-assets $(STAMPS)/access-js mdbtools

# Headless Chromium, for the test that proves Data Docs render offline.
browser:
	@if ! command -v chromium >/dev/null; then \
		echo "==> installing Debian's chromium (for the offline Data Docs test)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

# --- the main job ----------------------------------------------------------------------
pg-start: $(VENV)/.installed
	$(CUTOVER) pg start

pg-stop: $(VENV)/.installed
	$(CUTOVER) pg stop

pg-reset: $(VENV)/.installed
	$(CUTOVER) pg reset

# The reference systems `make demo` migrates: Cold Chain (seed 004, hand-written models),
# SPC (seed 001), LawFirm AI (seed 003), Routing ML (seed 000, an Access 97 snapshot) and
# EcoAnP (seed 002, a PostgreSQL database), scaffolded then refined by hand. EcoAnP's sample
# is a database on the target's server, not a file: it is regenerated on every demo
# (deterministic, a few seconds).
SYSTEMS := coldchain spc lawfirm routing ecoanp
SYSTEM ?= coldchain

sample: $(VENV)/.installed
	$(CUTOVER) sample $(SYSTEM) $(if $(ROWS),--rows $(ROWS))

migrate: install
	$(MELTANO) run migrate-$(SYSTEM)

# Every system runs even when one fails; the exit status says whether all gates passed.
demo: install pg-start
	@failed=""; for system in $(SYSTEMS); do \
		[ -f .data/samples/$$system.manifest.json ] && [ $$system != ecoanp ] || $(CUTOVER) sample $$system; \
		echo "==> meltano run migrate-$$system (EL, dbt build, capture, gate, Data Docs)"; \
		rm -f expectations/gx/uncommitted/summary/$$system.txt; \
		$(MELTANO) run migrate-$$system || failed="$$failed $$system"; \
		echo; cat expectations/gx/uncommitted/summary/$$system.txt 2>/dev/null || true; echo; \
	done; \
	if [ -n "$$failed" ]; then echo "GATE FAILED:$$failed"; exit 1; fi; \
	echo "All gates passed: $(SYSTEMS). Data Docs: expectations/gx/uncommitted/data_docs/local_site/index.html"

# Throughput against pgloader and COPY (not part of the tests): make bench [ROWS=1000000]
bench: install pg-start
	$(CUTOVER) bench $(if $(ROWS),--rows $(ROWS))

validate: install
	$(BIN)/cutover-gx validate $(SYSTEM)

# The cutover runbook (README): each is `cutover <step> $(SYSTEM)`.
preflight dry-run gate switch rollback status: install
	$(CUTOVER) $@ $(SYSTEM)

docs: install
	$(MELTANO) invoke gx:docs

# --- tests and checks -------------------------------------------------------------------
test: install browser
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check orchestrate extract tests
	$(BIN)/ruff format --check orchestrate extract tests
	$(MELTANO) invoke sqlfluff:lint

# Re-resolve every pinned dependency file (needs the package index).
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet uv==0.13.8
	$(UV) pip compile --quiet --python-version 3.11 pyproject.toml extract/tap-msaccess/pyproject.toml \
		extract/tap-mssql/pyproject.toml --extra tools --extra embedded --extra gx --extra dev \
		-o requirements.lock
	$(UV) pip compile --quiet --python-version 3.11 extract/tap-sqlite/pyproject.toml \
		-o plugins/constraints/tap-sqlite.txt
	$(UV) pip compile --quiet --python-version 3.11 pyproject.toml extract/tap-msaccess/pyproject.toml \
		extract/tap-mssql/pyproject.toml --extra gx -o plugins/constraints/gx.txt
	$(UV) pip compile --quiet --python-version 3.11 extract/tap-msaccess/pyproject.toml \
		-o plugins/constraints/tap-msaccess.txt
	$(UV) pip compile --quiet --python-version 3.11 extract/tap-mssql/pyproject.toml \
		-o plugins/constraints/tap-mssql.txt
	$(UV) pip compile --quiet --python-version 3.11 extract/tap-postgres/pyproject.toml \
		-o plugins/constraints/tap-postgres.txt
	$(UV) pip compile --quiet --python-version 3.11 extract/target-postgres/pyproject.toml \
		-o plugins/constraints/target-postgres.txt
	printf 'dbt-core==1.11.16\ndbt-postgres==1.11.0\n' | $(UV) pip compile --quiet \
		--python-version 3.11 - -o plugins/constraints/dbt-postgres.txt
	printf 'sqlfluff==4.4.0\nsqlfluff-templater-dbt==4.4.0\ndbt-core==1.11.16\ndbt-postgres==1.11.0\n' \
		| $(UV) pip compile --quiet --python-version 3.11 - -o plugins/constraints/sqlfluff.txt

clean:
	rm -rf transform/target transform/logs expectations/gx/uncommitted/validations \
		expectations/gx/uncommitted/data_docs logs .pytest_cache
