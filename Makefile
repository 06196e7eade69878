# Two entry points a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: install system-deps ocr-deps demo test lint format bench soak clean

$(PY):
	$(PYTHON) -m venv $(VENV)

install: $(PY) system-deps ocr-deps
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

# OpenCV (OCR of scans) needs libGL and GLib; without them scans are recorded, not read.
ocr-deps:
	@if ldconfig -p 2>/dev/null | grep -q "libGL.so.1" && ldconfig -p | grep -q "libglib-2.0"; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		(apt-get update -qq && apt-get install -y -qq libgl1 libglib2.0-0 >/dev/null) \
		|| echo "warning: could not install libgl1/libglib2.0-0; scanned reports will not be read"; \
	else echo "note: install libgl1 and libglib2.0-0 to read scanned reports (OCR)"; fi

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
	$(PY) benchmarks/ocr_speed.py

soak: install
	$(PY) benchmarks/soak.py --pages 400 --fault-rate 0.2 --kill-every 4

clean:
	rm -rf $(VENV) output/*.db output/*.db-* .pytest_cache
