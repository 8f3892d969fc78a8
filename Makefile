# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
export PORT
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

# Web app, scheduler and a local mail catcher side by side (ticketing/devserver.py): Ctrl-C,
# or TERM/INT to make, stops all three; one ending on its own stops the others. The development
# SECRET_KEY is made once in instance/secret_key; mail links point at this PORT.
run: seed
	$(PY) -m ticketing.devserver --port $(PORT)

test: install translations
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check ticketing tests bench scheduler.py gunicorn.conf.py

bench: install
	$(PY) -m bench

clean-db:
	rm -f instance/ticketing.sqlite3
