"""benchmarks/ocr_speed.py as an entry point: bad input is one line and exit 2, a scan it
cannot read makes its exit status 1; never a traceback. What OCR costs is printed by it,
never asserted here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ocr_speed_refuses_a_missing_scan_in_one_line():
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "ocr_speed.py"), str(ROOT / "no-such.pdf")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == f"not a file: {ROOT / 'no-such.pdf'}"
    assert done.stdout == ""


def test_ocr_speed_exits_1_when_a_scan_cannot_be_read(tmp_path):
    not_a_pdf = tmp_path / "notes.pdf"
    not_a_pdf.write_text("not a PDF")
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "ocr_speed.py"), str(not_a_pdf)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert f"{not_a_pdf}: failed:" in done.stdout
    assert done.stdout.strip().endswith("1 failed")
    assert "Traceback" not in done.stdout + done.stderr
