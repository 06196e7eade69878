# Two entry points a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: install system-deps demo test lint format bench bench-crawl soak clean

$(PY):
	$(PYTHON) -m venv $(VENV)

install: $(PY) system-deps
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"

# antiword/catdoc read .doc/.wps attachments; optional, so a machine without
# root or apt still installs the rest.
system-deps:
	@if command -v antiword >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		(apt-get update -qq && apt-get install -y -qq antiword catdoc >/dev/null) \
		|| echo "warning: could not install antiword/catdoc; .doc/.wps attachments will be recorded as unreadable"; \
	else echo "note: install antiword and catdoc to read .doc/.wps attachments"; fi

demo: install
	$(PY) -m crawler.demo

test: install
	$(PY) -m ruff check .
	$(PY) -m pytest -q

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: install
	$(PY) benchmarks/parse_speed.py

bench-crawl: install
	$(PY) benchmarks/crawl_speed.py --pages 2000

soak: install
	$(PY) benchmarks/soak.py --pages 400 --fault-rate 0.2 --kill-every 4

clean:
	rm -rf $(VENV) output/*.db output/*.db-* .pytest_cache
