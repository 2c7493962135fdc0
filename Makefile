# The two commands at the top of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install demo test lint bench emulator clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(PY) -m infra.demo

test: install
	$(PY) -m ruff check .
	$(PY) -m pytest -q

lint: install
	$(PY) -m ruff check .

emulator: install
	$(VENV)/bin/gamelift-local

# Every benchmark, with plots (matplotlib comes with the `bench` extra).
bench: install
	$(PY) -m pip install -q -e '.[dev,bench]'
	$(PY) -m bench control_plane
	$(PY) -m bench fleet_start
	$(PY) -m bench backend_quickplay
	$(PY) -m bench server_tick

clean:
	rm -rf $(VENV) .gamelift-local .pytest_cache .ruff_cache .hypothesis
