"""The single-frame pipeline: decode, detect, gate, encode, decide.

A decision costs as little as the answer allows. Detection (`detector.detect_grey`) runs on a grey
copy no wider than `DETECT_SIDE`, cheapest filters first; "no face" and "several faces" stop there.
Only a single face that passes the quality gates is aligned (5-point landmarks, dlib's 150x150
chip) and encoded (`encoder`: dlib's ResNet weights in ONNX Runtime, or dlib itself), on the
working-size image so that the downscale costs no accuracy.

Nothing here knows about Django models: callers pass bytes and stored encodings in, and get a
`Verdict` out. `proctor.services` stores what it needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import cv2
import numpy as np
from PIL import Image, ImageFile

from kernel.images import ImageRejected, open_image  # noqa: F401  (ImageRejected is part of the engine's interface)

from ..decisions import Decision
from . import detector, encoder
from .detector import DETECT_SIDE  # noqa: F401  (part of the engine's interface)

# face_recognition sets this process-wide when imported (face_recognition/api.py), which makes
# Pillow fill a truncated upload with grey instead of refusing it; a cut-off image stays an error.
# The engine no longer imports face_recognition, but other code (benches, the library's users) may.
ImageFile.LOAD_TRUNCATED_IMAGES = False

WORK_SIDE = 1280  # larger images are reduced to this before anything else


def encoder_kind() -> str:
    """`FACE_ENCODER` from the settings when Django is configured ("onnx" or "dlib"), else onnx."""
    try:
        from django.conf import settings

        return getattr(settings, "FACE_ENCODER", "onnx")
    except Exception:  # noqa: BLE001  (no Django settings: a bench or a script)
        return "onnx"


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
    # For a face that was encoded: the five landmarks (x, y at working size, `detector.points`)
    # and the aligned 150x150 RGB chip the encoding was computed on (liveness reads both).
    landmarks: np.ndarray | None = field(default=None, repr=False, compare=False)
    chip: np.ndarray | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    faces: int
    distance: float | None = None
    reason: str = ""  # the quality issue behind an inconclusive decision
    frames: tuple[float | None, ...] = ()  # a burst's per-frame distances (None: frame not usable)

    def as_dict(self) -> dict:
        out = {
            "decision": str(self.decision),
            "faces": self.faces,
            "distance": None if self.distance is None else round(self.distance, 4),
            "reason": self.reason,
        }
        if self.frames:
            out["frames"] = [None if d is None else round(d, 4) for d in self.frames]
        return out


def decode(data: bytes, limits: Limits = Limits()) -> np.ndarray:
    """Bytes to an RGB array at working size; `ImageRejected` for what is not a sane image."""
    image = open_image(data, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels)
    if max(image.size) > WORK_SIDE:
        image.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.LANCZOS)
    return np.ascontiguousarray(np.asarray(image))


def grey(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def detect(image: np.ndarray, near: tuple[int, int, int, int] | None = None) -> list[tuple[int, int, int, int]]:
    """Face boxes (top, right, bottom, left) at the image's own scale; `near`: the box of the same
    face in the frame before (see `detector.detect_grey`)."""
    return detector.detect_grey(grey(image), near)


def _quality(grey_image: np.ndarray, box, gates: Quality) -> tuple[str | None, dict]:
    top, right, bottom, left = box
    face = grey_image[top:bottom, left:right]
    size = right - left
    if face.size == 0:
        return "face_too_small", {"face_px": size}
    brightness = float(face.mean())
    normalised = cv2.resize(face, (128, 128), interpolation=cv2.INTER_AREA)
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


def analyse(image: np.ndarray, gates: Quality = Quality(), near: tuple[int, int, int, int] | None = None) -> Analysis:
    """Detect, gate and, for exactly one acceptable face, align and encode. `near`: the face's box
    in the previous frame of the same burst, which lets detection look there first."""
    return encode_all([prepare(image, gates, near)])[0]


def prepare(image: np.ndarray, gates: Quality = Quality(), near: tuple[int, int, int, int] | None = None) -> Analysis:
    """`analyse` up to the encoding: detected, gated, and for one acceptable face aligned (the
    chip and landmarks are set, the encoding not yet); `encode_all` finishes it."""
    height, width = image.shape[:2]
    grey_image = grey(image)
    boxes = detector.detect_grey(grey_image, near)
    if len(boxes) != 1:
        return Analysis(faces=len(boxes), width=width, height=height)
    box = boxes[0]
    issue, measures = _quality(grey_image, box, gates)
    if issue:
        return Analysis(faces=1, width=width, height=height, box=box, quality_issue=issue, measures=measures)
    shape = detector.landmarks(grey_image, box)
    chip = detector.chip(image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2RGB), shape)
    return Analysis(faces=1, width=width, height=height, box=box, measures=measures, landmarks=detector.points(shape), chip=chip)


def encode_all(prepared: list[Analysis]) -> list[Analysis]:
    """Encode the aligned faces of `prepare`d frames in one run of the network (a burst's frames
    together cost less than one by one)."""
    waiting = [index for index, analysis in enumerate(prepared) if analysis.chip is not None and analysis.encoding is None]
    if not waiting:
        return list(prepared)
    encodings = encoder.get(encoder_kind()).encode(np.stack([prepared[i].chip for i in waiting]))
    done = list(prepared)
    for index, encoding in zip(waiting, encodings):
        done[index] = replace(prepared[index], encoding=encoding)
    return done


def distance(references: list[np.ndarray], encoding: np.ndarray) -> float:
    """The probe's distance to a person: the mean of its two nearest references (or the one, if
    only one is known). One lucky near reference is not enough to pass an impostor; one poor
    reference cannot sink a genuine probe."""
    distances = np.sort(np.linalg.norm(np.asarray(references) - encoding, axis=1))
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
