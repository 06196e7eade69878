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

# Detection runs on the page scaled onto this canvas (height, width; multiples of 32).
DETECT_CANVAS = (1440, 1024)
# Recognition inputs are padded to one of these widths (at height 48) and batches to
# BATCH crops, so that the model sees few distinct shapes.
WIDTHS = (160, 320, 640, 960, 1280, 1600, 2240)
BATCH = 8
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

    The page is scaled onto a canvas of fixed size: onnxruntime plans a model again for
    every new input shape, which costs more than the detection itself.
    """
    import cv2

    height, width = gray.shape[:2]
    canvas_h, canvas_w = DETECT_CANVAS if height >= width else DETECT_CANVAS[::-1]
    scale = min(canvas_h / height, canvas_w / width)
    small = cv2.resize(gray, (round(width * scale), round(height * scale)), cv2.INTER_AREA)
    canvas = np.full((canvas_h, canvas_w), 255, dtype=np.uint8)
    canvas[: small.shape[0], : small.shape[1]] = small
    boxes, _ = models().detector(cv2.cvtColor(canvas, cv2.COLOR_GRAY2BGR))
    if boxes is None:
        return []
    return [np.asarray(box, dtype=np.float32) / scale for box in boxes]


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
    buckets: dict[int, list[int]] = {}
    for index, crop in enumerate(crops):
        if crop.size == 0:
            continue
        needed = target_height * crop.shape[1] / max(crop.shape[0], 1)
        width = next((w for w in WIDTHS if w >= needed), WIDTHS[-1])
        buckets.setdefault(width, []).append(index)
    for width, indexes in sorted(buckets.items()):
        for start in range(0, len(indexes), BATCH):
            chunk = indexes[start : start + BATCH]
            batch = np.zeros((BATCH, 3, target_height, width), dtype=np.float32)
            for slot, index in enumerate(chunk):
                image = cv2.cvtColor(crops[index], cv2.COLOR_GRAY2BGR)
                batch[slot] = recognizer.resize_norm_img(image, width / target_height)
            predictions = recognizer.session(batch)[0]
            for slot, index in enumerate(chunk):
                results[index] = _decode(predictions[slot], characters)
    return results


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
