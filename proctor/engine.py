"""The face engine: the one place that touches face_recognition (dlib).

A decision costs as little as the answer allows. Detection runs on a copy no wider than
`DETECT_SIDE` without upsampling (a few ms); only when that finds nothing does it look again at the
working size with one upsampling, for small faces. "No face" and "several faces" stop there: the
128-d encoding, which dominates the cost, is computed only for a single face, on the working-size
image so that the downscale costs no accuracy.

Nothing here knows about Django models: callers pass bytes and stored encodings in, and get a
`Verdict` out. `proctor.services` stores what it needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import face_recognition
import numpy as np
from PIL import Image, ImageFile

from kernel.images import ImageRejected, open_image  # noqa: F401  (ImageRejected is part of the engine's interface)

from .decisions import Decision

# face_recognition sets this process-wide when imported (face_recognition/api.py), which makes
# Pillow fill a truncated upload with grey instead of refusing it; a cut-off image stays an error.
ImageFile.LOAD_TRUNCATED_IMAGES = False

DETECT_SIDE = 320  # the detection copy's longer side
WORK_SIDE = 1280  # larger images are reduced to this before anything else


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 5 * 1024 * 1024
    max_pixels: int = 25_000_000


@dataclass(frozen=True)
class Quality:
    """Gates a face must pass to be judged at all; failing one is "inconclusive", not "mismatch"."""

    min_face_px: int = 60  # face box width at working size
    min_brightness: float = 45.0  # mean grey level of the face, 0-255
    max_brightness: float = 225.0
    min_sharpness: float = 12.0  # variance of the Laplacian of the face scaled to 128 px


@dataclass(frozen=True)
class Analysis:
    faces: int
    width: int
    height: int
    box: tuple[int, int, int, int] | None = None  # top, right, bottom, left at working size
    encoding: np.ndarray | None = None
    quality_issue: str | None = None  # face_too_small, too_dark, too_bright, blurred
    measures: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    faces: int
    distance: float | None = None
    reason: str = ""  # the quality issue behind an inconclusive decision

    def as_dict(self) -> dict:
        return {
            "decision": str(self.decision),
            "faces": self.faces,
            "distance": None if self.distance is None else round(self.distance, 4),
            "reason": self.reason,
        }


def decode(data: bytes, limits: Limits = Limits()) -> np.ndarray:
    """Bytes to an RGB array at working size; `ImageRejected` for what is not a sane image."""
    image = open_image(data, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels)
    if max(image.size) > WORK_SIDE:
        image.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.LANCZOS)
    return np.ascontiguousarray(np.asarray(image))


def detect(image: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Face boxes (top, right, bottom, left) at the image's own scale."""
    height, width = image.shape[:2]
    scale = min(1.0, DETECT_SIDE / max(height, width))
    if scale < 1.0:
        small = cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    else:
        small = image
    boxes = face_recognition.face_locations(small, number_of_times_to_upsample=0, model="hog")
    if boxes:
        return [_scale_box(box, 1 / scale, width, height) for box in boxes]
    # Faces under about 80 px on the small copy are invisible to HOG without upsampling.
    return face_recognition.face_locations(image, number_of_times_to_upsample=1, model="hog")


def _scale_box(box, factor: float, width: int, height: int) -> tuple[int, int, int, int]:
    top, right, bottom, left = box
    return (
        max(0, round(top * factor)),
        min(width, round(right * factor)),
        min(height, round(bottom * factor)),
        max(0, round(left * factor)),
    )


def _quality(image: np.ndarray, box, gates: Quality) -> tuple[str | None, dict]:
    top, right, bottom, left = box
    face = image[top:bottom, left:right]
    size = right - left
    if face.size == 0:
        return "face_too_small", {"face_px": size}
    grey = cv2.cvtColor(face, cv2.COLOR_RGB2GRAY)
    brightness = float(grey.mean())
    normalised = cv2.resize(grey, (128, 128), interpolation=cv2.INTER_AREA)
    sharpness = float(cv2.Laplacian(normalised, cv2.CV_64F).var())
    measures = {"face_px": size, "brightness": round(brightness, 1), "sharpness": round(sharpness, 1)}
    if size < gates.min_face_px:
        return "face_too_small", measures
    if brightness < gates.min_brightness:
        return "too_dark", measures
    if brightness > gates.max_brightness:
        return "too_bright", measures
    if sharpness < gates.min_sharpness:
        return "blurred", measures
    return None, measures


def analyse(image: np.ndarray, gates: Quality = Quality()) -> Analysis:
    """Detect, gate and, for exactly one acceptable face, encode."""
    height, width = image.shape[:2]
    boxes = detect(image)
    if len(boxes) != 1:
        return Analysis(faces=len(boxes), width=width, height=height)
    box = boxes[0]
    issue, measures = _quality(image, box, gates)
    if issue:
        return Analysis(faces=1, width=width, height=height, box=box, quality_issue=issue, measures=measures)
    encoding = face_recognition.face_encodings(image, known_face_locations=[box], num_jitters=1)[0]
    return Analysis(faces=1, width=width, height=height, box=box, encoding=encoding, measures=measures)


def distance(references: list[np.ndarray], encoding: np.ndarray) -> float:
    """The probe's distance to a person: the mean of its two nearest references (or the one, if
    only one is known). One lucky near reference is not enough to pass an impostor; one poor
    reference cannot sink a genuine probe."""
    distances = np.sort(face_recognition.face_distance(np.asarray(references), encoding))
    return float(distances[:2].mean())


def decide(probe: Analysis, references: list[np.ndarray], threshold: float) -> Verdict:
    if probe.faces == 0:
        return Verdict(Decision.NO_FACE, 0)
    if probe.faces > 1:
        return Verdict(Decision.SEVERAL_FACES, probe.faces)
    if probe.quality_issue or probe.encoding is None or not references:
        return Verdict(Decision.INCONCLUSIVE, 1, reason=probe.quality_issue or "no_reference")
    value = distance(references, probe.encoding)
    return Verdict(Decision.VERIFIED if value <= threshold else Decision.MISMATCH, 1, distance=value)


def verify(data: bytes, references: list[np.ndarray], threshold: float, limits: Limits = Limits()) -> Verdict:
    return decide(analyse(decode(data, limits)), references, threshold)


def encoding_to_bytes(encoding: np.ndarray) -> bytes:
    return np.asarray(encoding, dtype="<f8").tobytes()


def encoding_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f8")
