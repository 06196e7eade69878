"""Pages without a text layer and pictures of pages, read by OCR into the line model."""

from __future__ import annotations

from parsers.lines import Line, PageTable, assemble, drop_furniture, layout_title, problem_document
from parsers.model import Document

BLANK_PAGES = "OCR found no text on them"


def add_ocr_pages(data: bytes, numbers: list[int], items: list, meta: dict) -> str | None:
    """Read pages without a text layer by OCR into ``items``; the reason when it cannot."""
    from parsers import ocr

    count = f"{len(numbers)} page(s) without a text layer"
    if not ocr.enabled():
        return f"{count}; OCR is turned off"
    try:
        from parsers.ocr.engine import OcrUnavailable

        pages = ocr.read_pdf_pages(data, numbers)
    except (ocr.OcrProblem, OcrUnavailable, ImportError) as error:
        return f"{count}, not read: {error}"
    for number, found in pages.items():
        items.extend(_on_page(number, found))
    items.sort(key=lambda item: item.page)  # stable: each page keeps its top-down order
    meta["ocr:pages"] = ",".join(str(number + 1) for number in sorted(pages))
    if not any(pages.values()):
        return f"{count}; {BLANK_PAGES}"
    return None


def _on_page(number: int, found: list[Line | PageTable]) -> list[Line | PageTable]:
    for item in found:
        item.page = number
    return found


def extract_pictures(images: list[bytes], what: str = "picture") -> Document:
    """Pictures of report pages (a scan, a table published as an image) read by OCR."""
    from parsers import ocr

    if not ocr.enabled():
        return problem_document(f"scanned {what}: not read, OCR is turned off")
    try:
        from parsers.ocr.engine import OcrUnavailable

        pages = ocr.read_images(images)
    except (ocr.OcrProblem, OcrUnavailable, ImportError) as error:
        return problem_document(f"unreadable {what}: {error}")
    items: list[Line | PageTable] = []
    for number, found in enumerate(pages):
        items.extend(_on_page(number, found))
    if not items:
        return problem_document(f"scanned {what}: OCR found no text")
    items = drop_furniture(items)
    lines = [item for item in items if isinstance(item, Line)]
    blocks = assemble(items, lines)
    if not blocks:
        return problem_document(f"scanned {what}: OCR found no text")
    meta = {"ocr:pages": ",".join(str(number + 1) for number in range(len(pages)))}
    return Document(blocks=blocks, title=layout_title(lines, items), meta=meta)
