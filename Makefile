# Coopilote — `make demo` runs the product on its embedded defaults, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install demo test test-worker lint format messages bench stop clean-data
.PHONY: load soak

install: $(VENV)/.synced

$(VENV)/.synced: pyproject.toml uv.lock .python-version
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 12), "Python 3.12 is needed (see .python-version); found " + sys.version' \
	  || { echo "Install Python 3.12 (e.g. pyenv install 3.12) and retry."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(UV) || $(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.8
	$(UV) sync --frozen --quiet
	touch $@

demo: install
	$(BIN)/python infra/demo.py

test: install
	bash infra/ensure-chromium && bash infra/ensure-pgbouncer
	$(BIN)/python -m pytest

# The broker-dependent tests alone, e.g. against Redis: CELERY_BROKER_URL=redis://… make test-worker
test-worker: install
	$(BIN)/python -m pytest -m worker

# Fault drills (tests/drills, docs/operations.md): the broker cut, a worker and PostgreSQL killed
# mid-work. Their own data dir, so the PostgreSQL they kill is theirs (stopped at the end); they
# need Redis on 127.0.0.1:6379. Figures: test-artifacts/drills.json.
.PHONY: drills
drills: install
	COOPILOTE_DATA_DIR=.data/drills $(BIN)/python -m pytest tests/drills -m drill \
	  --ds=tests.drills.settings -s; status=$$?; \
	  $(BIN)/python -c 'from pathlib import Path; from coopilote.embedded import stop_postgres; stop_postgres(Path(".data/drills"))'; \
	  exit $$status

# Benchmarks on a scratch database: bench/results.json and a table (figures, not assertions).
bench: install
	$(BIN)/python bench/run.py

# Locust against gunicorn + Celery on a database of their own (.data/load): bench/load.json, a
# table, exit 1 on any failure or 5xx. LOAD_USERS (50), LOAD_SECONDS (60), LOAD_WAIT (1,5:
# each person's pause, min,max seconds); docs/scaling.md.
load: install
	$(BIN)/python bench/load.py load

# The same for SOAK_SECONDS (600), sampling memory and database connections: bench/soak.json.
soak: install
	$(BIN)/python bench/load.py soak

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=coopilote.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	$(BIN)/python manage.py makemessages -l en --no-obsolete --ignore '.venv/*' --ignore '.data/*' --ignore 'tests/*' --ignore 'bench/*'
	$(BIN)/python infra/french_plurals.py
	cd frontend && ../$(BIN)/python ../manage.py compilemessages -l en -l fr

# Stops the embedded PostgreSQL (make demo stops it on Ctrl-C; make test leaves it running).
stop:
	@test ! -x $(BIN)/python || $(BIN)/python -c 'from pathlib import Path; from coopilote.embedded import stop_postgres; stop_postgres(Path(".data"))'

clean-data: stop
	rm -rf .data
