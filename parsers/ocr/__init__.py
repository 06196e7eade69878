"""OCR for pages without a text layer: scanned PDFs, scanned pages, pictures of tables.

Pure like the rest of parsers/: bytes in, lines and tables out. What it reads enters
the same ``Document`` the text extractors build, so one table interpreter reads both;
every cell read here carries a ``Reading`` (confidence, second choices).

Turned off with the environment variable ``REPORTS_OCR=0`` (``python -m parsers
--no-ocr``, the crawl's ``OCR_ENABLED = False`` setting): scans are then recorded as
``scanned`` with nothing read, as before. Heavy imports (numpy, OpenCV, onnxruntime)
happen only when a page is actually read.
"""

from __future__ import annotations

import os

# A report is a few dozen pages; a longer scan is recorded, not read (time and memory).
MAX_OCR_PAGES = 60
# Pages are read at this resolution: scans are made at 150-300 dpi.
DPI = 200
# Decompression-bomb guard: no image larger than this is decoded (an A4 page at 300 dpi
# is 8.7 million pixels; 20000 × 20000 is 400 million).
MAX_IMAGE_PIXELS = 60_000_000


class OcrProblem(Exception):
    """Why a scan was not read: one line for the record."""


def enabled() -> bool:
    return os.environ.get("REPORTS_OCR", "1").strip().lower() not in ("0", "false", "no", "off")


def set_enabled(on: bool) -> None:
    """Switch OCR for this process and the worker processes it starts."""
    os.environ["REPORTS_OCR"] = "1" if on else "0"


def read_pdf_pages(data: bytes, numbers: list[int]) -> dict[int, list]:
    """The lines and tables of the given pages of a PDF, by page number (0-based).

    Raises OcrProblem when the scan is over the page cap, holds an image over the pixel
    cap, or the engine is missing.
    """
    from parsers.ocr.images import pdf_page_images
    from parsers.ocr.page import has_ink, read_page

    if len(numbers) > MAX_OCR_PAGES:
        raise OcrProblem(
            f"{len(numbers)} pages without a text layer, over the OCR limit of {MAX_OCR_PAGES}"
        )
    pages: dict[int, list] = {}
    for number, gray in pdf_page_images(data, numbers, DPI, MAX_IMAGE_PIXELS):
        pages[number] = read_page(gray, DPI) if has_ink(gray) else []
    return pages


def read_images(images: list[bytes]) -> list[list]:
    """The lines and tables of picture files (PNG, JPEG, …), one list per picture."""
    from parsers.ocr.images import decode_image
    from parsers.ocr.page import has_ink, read_page

    if len(images) > MAX_OCR_PAGES:
        raise OcrProblem(f"{len(images)} pictures, over the OCR limit of {MAX_OCR_PAGES}")
    pages = []
    for data in images:
        gray, dpi = decode_image(data, MAX_IMAGE_PIXELS)
        pages.append(read_page(gray, dpi) if has_ink(gray) else [])
    return pages
