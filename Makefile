# gymsite: `make run` starts everything on the embedded default; `make test` runs the suite.
# Nothing here sets DEBUG: `make run` runs with DEBUG off (the embedded default keeps its
# generated secret key under var/), `make run DEBUG=1` turns it on; the tests see the
# settings production uses, whatever DEBUG or .env say.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# Passed to pytest, e.g. make test PYTEST_ARGS="-x tests/billing"
PYTEST_ARGS ?=

.PHONY: run test test-fast install install-dev migrate demo lint bench clean messages

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install --quiet -c constraints.txt -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

run: demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py run_embedded --host $(HOST) --port $(PORT)

# Everything: behaviour, project checks (ruff, migrations, schema, check --deploy...),
# end-to-end tests against real processes. CI runs this.
test: install-dev
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# While working: all but the end-to-end tests (marker e2e) and the slow project checks
# (marker slow).
test-fast: install-dev
	$(VENV)/bin/pytest -m "not e2e and not slow" $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .

messages: install-dev
	$(PY) manage.py makemessages -l es --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

bench: install-dev
	$(PY) -m bench

clean:
	rm -rf $(VENV) var
