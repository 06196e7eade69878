"""Page images from PDFs (pypdfium2) and picture files (Pillow), with sizes checked first.

Sizes are read from the file's own headers before anything is decoded, so a 20000 ×
20000 picture is refused in microseconds instead of taking gigabytes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import numpy as np

from parsers.ocr import DPI, OcrProblem

# Narrow pictures (web images, screenshots) are scaled up towards the width of an A4
# page at DPI, so that text in them has the size the table reader expects.
_A4_WIDTH_INCHES = 8.27
# Below this, body text is a few pixels high: what OCR made of it would be a guess.
MIN_SCAN_DPI = 100


def pdf_page_images(
    data: bytes, numbers: list[int], dpi: int, max_pixels: int
) -> Iterator[tuple[int, np.ndarray]]:
    """(page number, grey image) of each page asked for, rendered at ``dpi``."""
    try:
        import pypdfium2
    except ImportError as error:  # pragma: no cover - pdfplumber depends on it
        raise OcrProblem(f"cannot render PDF pages: {error}") from error
    try:
        document = pypdfium2.PdfDocument(data)
    except Exception as error:
        raise OcrProblem(f"cannot render PDF pages: {error}") from error
    try:
        for number in numbers:
            page = document[number]
            _check_embedded_images(page, number, max_pixels)
            width, height = page.get_size()
            scale = dpi / 72
            if width * height * scale * scale > max_pixels:
                raise OcrProblem(
                    f"page {number + 1} is {width / 72:.0f} × {height / 72:.0f} inches, "
                    f"too large to read"
                )
            bitmap = page.render(scale=scale, grayscale=True)
            image = bitmap.to_numpy()
            gray = np.ascontiguousarray(image if image.ndim == 2 else image[:, :, 0])
            page.close()
            yield number, gray
    finally:
        document.close()


def _check_embedded_images(page, number: int, max_pixels: int) -> None:
    """Refuse a page whose picture is huge (a bomb) or too coarse to read (never guess)."""
    import pypdfium2.raw as pdfium_c

    page_inches = page.get_size()[0] / 72
    sharpest = 0.0
    for item in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2):
        try:
            width, height = item.get_px_size()
        except Exception:  # an image pdfium cannot size is one it will not draw either
            continue
        if width * height > max_pixels:
            raise OcrProblem(
                f"page {number + 1} holds a {width} × {height} pixel image, over the limit "
                f"of {max_pixels} pixels (decompression bomb guard)"
            )
        sharpest = max(sharpest, width / max(page_inches, 0.1))
    if 0 < sharpest < MIN_SCAN_DPI:
        raise OcrProblem(
            f"page {number + 1} is scanned at {sharpest:.0f} dpi, too coarse to read "
            f"(at least {MIN_SCAN_DPI} dpi needed)"
        )


def decode_image(data: bytes, max_pixels: int) -> tuple[np.ndarray, int]:
    """A picture file as a grey image and the resolution to read it at."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as picture:
            width, height = picture.size  # from the header: nothing decoded yet
            if width * height > max_pixels:
                raise OcrProblem(
                    f"picture of {width} × {height} pixels, over the limit of {max_pixels} "
                    "pixels (decompression bomb guard)"
                )
            picture.load()
            stated = picture.info.get("dpi", (0, 0))[0]
            gray = np.asarray(picture.convert("L"))
    except OcrProblem:
        raise
    except Image.DecompressionBombError as error:  # Pillow's own guard, met at open
        raise OcrProblem(
            f"picture over the limit of {max_pixels} pixels (decompression bomb guard)"
        ) from error
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise OcrProblem(f"{type(error).__name__}: {error}"[:300]) from error
    if 100 <= (stated or 0) <= 600:  # a scan that says its resolution
        return np.ascontiguousarray(gray), round(stated)
    page_width = round(_A4_WIDTH_INCHES * DPI)
    if gray.shape[1] < page_width * 0.75:
        import cv2

        factor = min(3.0, page_width / gray.shape[1])
        size = (round(gray.shape[1] * factor), round(gray.shape[0] * factor))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_CUBIC)
    # Read as if the picture were an A4-wide page: thresholds scale with the resolution.
    dpi = max(100, min(400, round(gray.shape[1] / _A4_WIDTH_INCHES)))
    return np.ascontiguousarray(gray), dpi
