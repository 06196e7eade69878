# Two entry points a fresh machine needs: `make demo` and `make test`.

# The venv's interpreter: the system's python3 when it is 3.10 or newer and can make a
# venv (ensurepip: Debian's python3-venv), else the first python3 on PATH; `make
# PYTHON=...` chooses another. Debian builds its Python with PGO and LTO and links it
# into the executable; pyenv's default build (a shared libpython, neither) took 10-15%
# more CPU for our crawl (docs/speed.md, "The interpreter"). A .venv made already keeps
# its interpreter (`make clean` drops it).
SYSTEM_PYTHON := /usr/bin/python3
ifeq ($(origin PYTHON), undefined)
PYTHON := $(shell $(SYSTEM_PYTHON) -c 'import ensurepip, sys; sys.exit(sys.version_info < (3, 10))' \
	>/dev/null 2>&1 && echo $(SYSTEM_PYTHON) || echo python3)
endif
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: install system-deps ocr-deps demo serve screenshot test test-fast lint format bench bench-crawl bench-redis soak clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# pip runs again only when what it installs from changed: the dependencies
# (pyproject.toml) or the compiled loops' sources (setup.py builds them: ~40 s of CPU).
# The .py files need nothing: the install is editable. A failed install leaves no stamp.
INSTALLED := $(VENV)/.installed
INSTALL_INPUTS := pyproject.toml setup.py $(wildcard parsers/*.pyx parsers/*.pxi parsers/*.pxd)

install: system-deps ocr-deps $(INSTALLED)

$(INSTALLED): $(INSTALL_INPUTS) | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

# antiword/catdoc read .doc/.wps attachments; redis-server runs the distributed crawl
# (crawler/distributed) and its tests; a C compiler and Python's headers build the
# compiled walks (setup.py; without them the parsers run their Python definitions,
# slower). Optional, so a machine without root or apt still installs the rest. One
# apt-get update for whatever is missing.
system-deps:
	@missing=""; \
	command -v cc >/dev/null 2>&1 || missing="$$missing gcc"; \
	$(PYTHON) -c "import sysconfig, pathlib, sys; sys.exit(not pathlib.Path(sysconfig.get_paths()['include'], 'Python.h').exists())" \
		|| missing="$$missing python3-dev"; \
	$(PYTHON) -c "import ensurepip" >/dev/null 2>&1 || missing="$$missing python3-venv"; \
	command -v antiword >/dev/null 2>&1 || missing="$$missing antiword catdoc"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		(apt-get update -qq && apt-get install -y -qq $$missing >/dev/null) \
		|| echo "warning: could not install$$missing; .doc/.wps attachments will be recorded as unreadable, Redis tests skipped, the parsers run uncompiled"; \
	else echo "note: install$$missing (.doc/.wps attachments; the distributed crawl on Redis; the compiled walks)"; fi

# OpenCV (OCR of scans) needs libGL and GLib; without them scans are recorded, not read.
ocr-deps:
	@if ldconfig -p 2>/dev/null | grep -q "libGL.so.1" && ldconfig -p | grep -q "libglib-2.0"; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		(apt-get update -qq && apt-get install -y -qq libgl1 libglib2.0-0 >/dev/null) \
		|| echo "warning: could not install libgl1/libglib2.0-0; scanned reports will not be read"; \
	else echo "note: install libgl1 and libglib2.0-0 to read scanned reports (OCR)"; fi

demo: install
	$(PY) -m demo

# Browse a database in Datasette, read-only, on 127.0.0.1 (make serve DB=output/demo.db PORT=8001).
DB ?= output/reports.db
PORT ?= 8001
serve: install
	$(PY) -m output.serve --db $(DB) --port $(PORT)

# docs/datasette.png: the app over the demo database, by headless Chromium (Debian's).
screenshot: install
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = "0" ] && apt-get update -qq \
		&& apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; } \
		|| { echo "install chromium (and fonts-noto-cjk) first"; exit 1; }
	$(PY) -m output.screenshot --db output/demo.db --out docs/datasette.png

# Everything, end-to-end crawls included (0 skipped: the tests need nothing outside the
# repository).
test: install
	$(PY) -m ruff check .
	$(PY) -m pytest -q

# Without the end-to-end crawls (pytest marker e2e): parsers, storage, list reading.
test-fast: install
	$(PY) -m ruff check .
	$(PY) -m pytest -q -m "not e2e"

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: install
	$(PY) benchmarks/parse_speed.py
	$(PY) benchmarks/store_speed.py --reports 2000
	$(PY) benchmarks/ocr_speed.py

bench-crawl: install
	$(PY) benchmarks/crawl_speed.py --pages 2000 --pairs 5
bench-redis: install
	$(PY) benchmarks/redis_crawl.py --pages 2000 --workers 1,2,4

soak: install
	$(PY) benchmarks/soak.py --pages 400 --fault-rate 0.2 --kill-every 4

clean:
	rm -rf $(VENV) output/*.db output/*.db-* .pytest_cache
