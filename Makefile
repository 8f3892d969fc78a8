# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
export FLASK_APP := ticketing

.PHONY: run test install migrate seed translations lint clean-db bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

translations: install
	$(VENV)/bin/pybabel compile -d ticketing/translations

migrate: install translations
	$(VENV)/bin/flask db upgrade

seed: migrate
	$(VENV)/bin/flask seed --demo

# Web app and scheduler side by side; Ctrl-C stops both. One SECRET_KEY for both processes,
# random per run unless the environment gives one.
run: seed
	@SECRET_KEY=$${SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_hex(32))')}; \
	export SECRET_KEY; \
	trap 'kill 0' INT TERM EXIT; \
	$(PY) scheduler.py & \
	$(VENV)/bin/flask run --host 127.0.0.1 --port $(PORT)

test: install translations
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check ticketing tests scheduler.py

bench: install
	$(PY) -m bench

clean-db:
	rm -f instance/ticketing.sqlite3
