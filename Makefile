# Two entry points a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: install system-deps demo test lint format bench bench-redis soak clean

$(PY):
	$(PYTHON) -m venv $(VENV)

install: $(PY) system-deps
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"

# antiword/catdoc read .doc/.wps attachments; redis-server runs the distributed crawl
# (crawler/distributed) and its tests. Optional, so a machine without root or apt still
# installs the rest. One apt-get update for whatever is missing.
system-deps:
	@missing=""; \
	command -v antiword >/dev/null 2>&1 || missing="$$missing antiword catdoc"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		(apt-get update -qq && apt-get install -y -qq $$missing >/dev/null) \
		|| echo "warning: could not install$$missing; .doc/.wps attachments will be recorded as unreadable, Redis tests skipped"; \
	else echo "note: install$$missing (.doc/.wps attachments; the distributed crawl on Redis)"; fi

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

bench-redis: install
	$(PY) benchmarks/redis_crawl.py --pages 2000 --workers 1,2,4

soak: install
	$(PY) benchmarks/soak.py --pages 400 --fault-rate 0.2 --kill-every 4

clean:
	rm -rf $(VENV) output/*.db output/*.db-* .pytest_cache
