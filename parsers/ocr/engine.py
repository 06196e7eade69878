"""The OCR engine: RapidOCR's PP-OCRv4 detection and recognition models on onnxruntime.

The models ship inside the ``rapidocr-onnxruntime`` wheel, so nothing is downloaded at
run time. Only RapidOCR's two model wrappers are used: detection on a reduced page
(text lines are large; digits inside tables are cut out by the table reader, not found
by detection), and recognition with our own CTC decoding, which keeps for every
character the engine's second choice, so that 0/8 or 1/7 can be settled by the tables'
sums instead of by a guess.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import numpy as np

from parsers.model import Reading

# Detection sees the page scaled to this width (a multiple of 32): body text at 200 dpi
# is still 20 pixels high there, and detection costs in proportion to the pixels.
DETECT_WIDTH = 736
# Recognition runs one crop at a time, padded only to a multiple of STEP columns (at
# height 48): onnxruntime plans a new shape for free, and on one thread a batch costs
# more per column than single crops (cache), while padding to a few fixed widths spent
# up to four times the columns a crop needs (benchmarks/ocr_speed.py).
STEP = 32
MIN_WIDTH = 96
MAX_WIDTH = 2240
RETRY_BELOW = 0.9
RETRY_WIDTH = 160
# A second choice is kept when the engine gives it at least this probability.
ALTERNATIVE_MIN = 0.02
DIGITS = set("0123456789")


class OcrUnavailable(RuntimeError):
    """The OCR engine cannot be loaded (package missing or broken install)."""


@dataclass
class _Models:
    detector: object
    recognizer: object


_lock = threading.Lock()
_models: _Models | None = None


def _threads() -> int:
    wanted = os.environ.get("REPORTS_OCR_THREADS", "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    # One thread: parsing runs in worker processes beside the crawl, and on a busy
    # 2-core machine two threads cost 60% more CPU for the same wall time
    # (benchmarks/ocr_speed.py --threads).
    return 1


def models() -> _Models:
    """The loaded models, once per process (loading takes about a second)."""
    global _models
    with _lock:
        if _models is None:
            try:
                from rapidocr_onnxruntime import RapidOCR
            except Exception as error:  # ImportError, or a broken onnxruntime/OpenCV build
                raise OcrUnavailable(f"OCR engine not installed: {error}") from error
            engine = RapidOCR(print_verbose=False)
            for wrapper in (engine.text_det.infer, engine.text_rec.session):
                wrapper.session = _session(wrapper.session)
            _models = _Models(engine.text_det, engine.text_rec)
        return _models


def _session(original):
    """The same model in a session of our own options: a thread count we choose, and
    threads that sleep rather than spin while idle (spinning only steals the CPU from
    the crawl's other work). The memory arena stays off as RapidOCR has it: with it on,
    peak RSS on a table page grows from about 650 MB to over 1 GB for no measurable gain.
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 4
    options.enable_cpu_mem_arena = False
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = _threads()
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    model = original._model_path
    return onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def detect_lines(gray: np.ndarray) -> list[np.ndarray]:
    """Quadrilaterals (4×2 float32, page pixels) around the text lines of a page.

    Only the bands of the page that hold ink are shown to the detector (a page that is
    mostly table, with the tables blanked out, leaves little), each scaled to
    DETECT_WIDTH and padded to a multiple of 32 rows.
    """
    import cv2

    height, width = gray.shape[:2]
    scale = DETECT_WIDTH / max(width, 1)
    small = cv2.resize(gray, (DETECT_WIDTH, max(1, round(height * scale))), cv2.INTER_AREA)
    quads: list[np.ndarray] = []
    for top, bottom in _ink_bands(small):
        rows = -(-(bottom - top) // 32) * 32
        canvas = np.full((rows, DETECT_WIDTH), 255, dtype=np.uint8)
        canvas[: bottom - top] = small[top:bottom]
        for box in _detect(canvas):
            quad = np.asarray(box, dtype=np.float32)
            quad[:, 1] += top
            quads.append(quad / scale)
    return quads


def _detect(canvas: np.ndarray) -> list:
    """The detector on an image as it is: RapidOCR's own call would first scale the image
    so that its shorter side is 736 pixels (a 32-row band would become 5000 wide)."""
    detector = models().detector
    normalised = (canvas.astype(np.float32) / 127.5 - 1.0)[np.newaxis, np.newaxis]
    prediction = detector.infer(np.repeat(normalised, 3, axis=1))[0]
    boxes, _ = detector.postprocess_op(prediction, canvas.shape)
    if boxes is None or len(boxes) == 0:
        return []
    return list(detector.filter_tag_det_res(boxes, canvas.shape))


def _ink_bands(small: np.ndarray, gap: int = 24, pad: int = 8) -> list[tuple[int, int]]:
    """Row ranges of a (scaled) page that hold ink, split where a wide blank runs across."""
    inked = np.nonzero(np.count_nonzero(small < 128, axis=1))[0]
    if len(inked) == 0:
        return []
    bands: list[list[int]] = [[int(inked[0]), int(inked[0])]]
    for row in inked[1:]:
        if row - bands[-1][1] > gap:
            bands.append([int(row), int(row)])
        else:
            bands[-1][1] = int(row)
    last = small.shape[0]
    return [(max(0, top - pad), min(last, bottom + 1 + pad)) for top, bottom in bands]


def crop_quad(gray: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """A text line's quadrilateral straightened into an upright strip."""
    import cv2

    width = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    height = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    width, height = max(width, 2), max(height, 2)
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    return cv2.warpPerspective(
        gray, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC
    )


def recognize(crops: list[np.ndarray]) -> list[tuple[str, Reading]]:
    """Text and reading of each grey crop holding one line of text."""
    import cv2

    recognizer = models().recognizer
    characters = recognizer.postprocess_op.character
    _, target_height, _ = recognizer.rec_image_shape
    results: list[tuple[str, Reading]] = [("", Reading(0.0))] * len(crops)
    for index, crop in enumerate(crops):
        if crop.size == 0:
            continue
        needed = target_height * crop.shape[1] / max(crop.shape[0], 1)
        width = min(MAX_WIDTH, max(MIN_WIDTH, -(-round(needed) // STEP) * STEP))
        image = cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR)
        result = _recognize_one(recognizer, image, width, characters)
        if result[1].confidence < RETRY_BELOW and width < RETRY_WIDTH:
            # A short crop the model doubts on a tight canvas ("0" at 0.50) is read
            # surely on a wider one; the surer reading is kept.
            wider = _recognize_one(recognizer, image, RETRY_WIDTH, characters)
            result = max(result, wider, key=lambda pair: pair[1].confidence)
        results[index] = result
    return results


def _recognize_one(recognizer, image: np.ndarray, width: int, characters: list[str]):
    _, target_height, _ = recognizer.rec_image_shape
    batch = recognizer.resize_norm_img(image, width / target_height)[np.newaxis]
    return _decode(recognizer.session(batch)[0][0], characters)


def _decode(prediction: np.ndarray, characters: list[str]) -> tuple[str, Reading]:
    """CTC greedy decoding that keeps each character's probability and second choice."""
    best = prediction.argmax(axis=1)
    text: list[str] = []
    probabilities: list[float] = []
    alternatives: list[tuple[int, str]] = []
    previous = -1
    for step, index in enumerate(best):
        if index == previous or index == 0 or (characters[index] == " " and not text):
            previous = index
            continue
        previous = index
        char = characters[index]
        row = prediction[step]
        text.append(char)
        probabilities.append(float(row[index]))
        if char in DIGITS:
            ranked = np.argsort(row)[::-1][1:4]
            for other in ranked:
                other_char = characters[other]
                if other_char in DIGITS and row[other] >= ALTERNATIVE_MIN:
                    alternatives.append((len(text) - 1, other_char))
                    break
    joined = "".join(text).strip()
    if not joined:
        return "", Reading(0.0)
    readings = tuple(
        ("".join(text[:position]) + char + "".join(text[position + 1 :])).strip()
        for position, char in alternatives
    )
    return joined, Reading(round(min(probabilities), 4), readings)
