# Task index. `make run` and `make test` work on a fresh clone; see README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
DEV_ENV := DEBUG=true
# The suite runs on this many pytest-xdist workers, a test database each (0: in this process).
TEST_WORKERS ?= 2
PYTEST_PARALLEL := $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

.PHONY: help install system-packages run test test-fast lint format migrations-check messages bench clean

help:
	@echo "make run      set up and serve the site with the pilot data on http://127.0.0.1:8000/"
	@echo "make test     set up and run the whole test suite"
	@echo "make install  only the set-up: .venv with every dependency"
	@echo "make lint     ruff and the migrations check"
	@echo "make messages refresh and compile the Dutch translation"
	@echo "make bench    ratios of speed on gunicorn and PostgreSQL, pilot against volume (not a test)"

install: $(VENV)/.installed
	@scripts/system-packages.sh --check

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

system-packages:
	@scripts/system-packages.sh --install

run: install
	$(DEV_ENV) $(MANAGE) migrate --noinput
	$(DEV_ENV) $(MANAGE) load_pilot_data
	$(DEV_ENV) $(MANAGE) create_demo_accounts
	$(DEV_ENV) $(MANAGE) runserver 127.0.0.1:8000

test: install system-packages
	$(PYTEST_PARALLEL)

test-fast: install
	$(PYTEST_PARALLEL) -m "not browser"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) migrations-check

migrations-check: install
	$(DEV_ENV) $(MANAGE) makemigrations --check --dry-run

messages: install
	$(DEV_ENV) $(MANAGE) makemessages --locale nl --no-obsolete --add-location file --ignore '.venv/*' --ignore 'staticfiles/*'
	$(BIN)/python scripts/compile_messages.py

# A PostgreSQL database that does not exist yet: the bench creates it and drops it at the end.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/wijkaanpak_bench
BENCH_PORT ?= 8731

bench: install system-packages
	$(BIN)/python scripts/bench.py --database-url $(BENCH_DATABASE_URL) --port $(BENCH_PORT)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache
