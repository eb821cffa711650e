# Shanwang project portfolio. `make run` and `make test` work on a fresh machine with
# Python 3.11, Node.js/npm and GNU gettext; nothing else needs to be installed or running.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
NPM ?= npm

.DEFAULT_GOAL := help
.PHONY: help run setup test lint format check-tools assets translations messages bench clean

help:
	@echo "make run    set up on embedded defaults (SQLite, filesystem broker, var/mail),"
	@echo "            load the 2024 work report's data and demo accounts, start web+worker+beat"
	@echo "make test   set up, then ruff, makemigrations --check and the whole pytest suite"
	@echo "make bench  10,000 projects on PostgreSQL: every page, export, scan and the import"
	@echo "            beside its anchor, wrk load tests (list, dashboard, project page, report"
	@echo "            submission) and page weight, written to docs/benchmarks.md (about 20 min)"

check-tools:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (set PYTHON=...)")'
	@command -v $(NPM) >/dev/null || { echo "npm is required for the front-end packages (apt-get install npm)"; exit 1; }
	@command -v msgfmt >/dev/null || { echo "GNU gettext is required to compile translations (apt-get install gettext)"; exit 1; }

$(VENV)/.installed-run: requirements.txt | check-tools
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed-run
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json | check-tools
	$(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

# ECharts with only the charts and components static/js/charts.js draws (assets/echarts.js),
# bundled by esbuild (`npm run build`) into node_modules/.shanwang/, served as vendor/echarts/
# (shanwang/settings.py). Never committed: every set-up builds it.
ECHARTS_BUNDLE := node_modules/.shanwang/echarts/echarts.min.js
$(ECHARTS_BUNDLE): assets/echarts.js node_modules/.installed
	$(NPM) run --silent build

assets: node_modules/.installed $(ECHARTS_BUNDLE)

# Compiled translations are never committed: every set-up compiles them from the .po files.
translations: $(VENV)/.installed-run
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

setup: $(VENV)/.installed-run assets translations
	@mkdir -p var/mail var/media var/celery
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py load_report_data
	$(PY) manage.py seed_demo

run: setup
	@echo "Serving on http://127.0.0.1:$(PORT)/ (Ctrl-C stops web, worker and beat); mail goes to var/mail/"
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start --procfile Procfile --port $(PORT)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: $(VENV)/.installed-dev assets translations lint
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest --create-db --durations=15
	@# The embedded default's own behaviour (SQLite file locking), whatever DATABASE_URL says.
	env -u DATABASE_URL $(VENV)/bin/pytest --create-db -m sqlite_only

# Benchmarks (issues 8 and 17) in a PostgreSQL database of their own (shanwang_bench, dropped
# at the end) at 127.0.0.1:5432 as postgres, or BENCH_PG_URL; installs Debian's wrk if missing.
# Not part of `make test`: timings are checked here, query counts by tests/test_scale.py.
bench: $(VENV)/.installed-dev assets translations
	bench/run.sh

# Regenerate the .po catalogues after changing translatable strings (then translate them).
messages: $(VENV)/.installed-dev
	$(PY) manage.py makemessages --locale zh_Hans --ignore=.venv --ignore=node_modules --ignore=var --no-obsolete

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .ruff_cache
