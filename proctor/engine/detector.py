"""Face detection and landmarks (dlib's HOG detector and 5-point shape predictor).

Cheapest first, and each step only when the one before found nothing (the pyramid of a HOG scan
costs what its largest level costs, about three times over):

1. the grey detection copy (longer side `DETECT_SIDE`) scanned by three of the frontal detector's
   five HOG filters: looking ahead, left and right. The other two (faces rotated in the image
   plane) cost as much as the first three together, because their filters are not separable, and
   found no face on the shared photos that the first three missed;
2. the same copy with all five filters (a tilted head);
3. the working-size image upsampled twice, all five filters: faces down to about 40 px, as the
   engine always did (on grey, a quarter cheaper). A cheaper look in between (the working size
   without upsampling) was tried and dropped: it stops at the larger of two small faces.

A frame of a burst after the first may be searched `near` the face found in the frame before:
a crop around that box, scaled so the face is ~100 px. If the crop does not hold exactly one face,
the frame is searched whole as above, so a second person in the crop is still seen. The first
frame of a burst is always searched whole, which is where "several faces" is decided.

Detection runs on grey: dlib's HOG on RGB takes the strongest gradient of three channels, three
times the work for the same faces here. Landmarks (`shape_predictor_5_face_landmarks`, CC0, trained
on dlib's own 5-point annotations) also read grey.
"""

from __future__ import annotations

import functools
import os
import tempfile

import cv2
import dlib
import numpy as np

DETECT_SIDE = 320  # the detection copy's longer side
WINDOW = 80  # dlib's frontal detector scans an 80x80 window
NEAR_FACE_PX = 88  # a face searched near its last place is scaled to about this width (window: 80)
NEAR_MARGIN = 0.3  # of the box width, on each side of the last box: 60 px of a 200-px face
FAST_FILTERS = (0, 1, 2)  # ahead, left, right; 3 and 4 are the in-plane rotations

Box = tuple[int, int, int, int]  # top, right, bottom, left at working size


@functools.cache
def _full_detector():
    return dlib.get_frontal_face_detector()


def _read_int(data: bytes, pos: int) -> tuple[int, int]:
    control = data[pos]
    size = control & 0x0F
    value = int.from_bytes(data[pos + 1 : pos + 1 + size], "little")
    return (-value if control & 0x80 else value), pos + 1 + size


@functools.cache
def _fast_detector():
    """The frontal detector with only its first three filters. dlib's Python API cannot select
    filters, so the detector is saved, its list of weight vectors cut (dlib's serialisation:
    the count, then each vector as rows, columns and doubles), and loaded back. The file lives only
    for the load."""
    full = _full_detector()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "frontal.svm")
        full.save(path)
        with open(path, "rb") as file:
            data = file.read()
        count = full.num_detectors
        # The count of weight vectors, then the first vector's dimensions (-3101 x -1: 10x10 cells
        # of 31 HOG features plus a bias) mark where the weights begin.
        marker = bytes([0x01, count]) + b"\x82\x1d\x0c\x81\x01"
        start = data.find(marker)
        if start < 0 or data.find(marker, start + 1) >= 0:
            return full  # a dlib whose detector is laid out otherwise: keep all five filters
        pos, vectors = start + 2, []
        for _ in range(count):
            begin = pos
            rows, pos = _read_int(data, pos)
            cols, pos = _read_int(data, pos)
            for _ in range(abs(rows) * abs(cols) * 2):  # each double is a mantissa and an exponent
                _, pos = _read_int(data, pos)
            vectors.append(data[begin:pos])
        if pos != len(data):
            return full
        cut = data[:start] + bytes([0x01, len(FAST_FILTERS)]) + b"".join(vectors[i] for i in FAST_FILTERS)
        with open(path, "wb") as file:
            file.write(cut)
        return dlib.fhog_object_detector(path)


@functools.cache
def _landmarker():
    import face_recognition_models

    return dlib.shape_predictor(face_recognition_models.pose_predictor_five_point_model_location())


def _resize(grey: np.ndarray, scale: float) -> np.ndarray:
    height, width = grey.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)


def _boxes(detector, grey: np.ndarray, scale: float, offset=(0, 0), limit=None) -> list[Box]:
    """Detections on `grey` (a copy scaled by `scale`, its origin at `offset` of the working
    image) as boxes at working size."""
    top0, left0 = offset
    height, width = limit
    boxes = []
    for rect in detector(grey, 0):
        boxes.append((
            max(0, round(rect.top() / scale) + top0),
            min(width, round(rect.right() / scale) + left0),
            min(height, round(rect.bottom() / scale) + top0),
            max(0, round(rect.left() / scale) + left0),
        ))
    return boxes


def detect_grey(grey: np.ndarray, near: Box | None = None) -> list[Box]:
    """Face boxes on a grey working-size image (top, right, bottom, left)."""
    height, width = grey.shape[:2]
    limit = (height, width)
    if near is not None:
        top, right, bottom, left = near
        size = max(1, right - left)
        margin = round(NEAR_MARGIN * size)
        y0, y1 = max(0, top - margin), min(height, bottom + margin)
        x0, x1 = max(0, left - margin), min(width, right + margin)
        scale = min(1.0, NEAR_FACE_PX / size)
        crop = _resize(grey[y0:y1, x0:x1], scale)
        if min(crop.shape[:2]) >= WINDOW:
            found = _boxes(_fast_detector(), crop, scale, (y0, x0), limit)
            if len(found) == 1:
                return found
    scale = min(1.0, DETECT_SIDE / max(height, width))
    small = _resize(grey, scale) if scale < 1.0 else grey
    for detector in (_fast_detector(), _full_detector()):
        found = _boxes(detector, small, scale, limit=limit)
        if found:
            return found
    # Faces under about 80 px on the small copy: one upsampling of the working image, which finds
    # faces down to about 40 px, as the engine always did. Stopping at a cheaper look first (the
    # working size without upsampling) would see the larger of two small faces and miss the other.
    return _boxes(_full_detector(), _resize(grey, 2.0), 2.0, limit=limit)


def landmarks(grey: np.ndarray, box: Box) -> dlib.full_object_detection:
    """The five landmarks of the face in `box`, in the image's coordinates. The predictor reads a
    crop around the box (half a box of margin: it samples pixels only near the box), which costs
    a third less than handing dlib the whole frame."""
    top, right, bottom, left = box
    margin = max(1, (right - left) // 2)
    y0, x0 = max(0, top - margin), max(0, left - margin)
    crop = np.ascontiguousarray(grey[y0 : bottom + margin, x0 : right + margin])
    shape = _landmarker()(crop, dlib.rectangle(left - x0, top - y0, right - x0, bottom - y0))
    parts = [dlib.point(shape.part(i).x + x0, shape.part(i).y + y0) for i in range(shape.num_parts)]
    return dlib.full_object_detection(dlib.rectangle(left, top, right, bottom), parts)


def points(shape: dlib.full_object_detection) -> np.ndarray:
    """The five landmarks as a (5, 2) array of x, y: 0 and 1 the outer and inner corner of the
    person's left eye (on the image's right), 2 and 3 those of their right eye, 4 the base of the
    nose (measured on the shared video's frames)."""
    return np.array([(shape.part(i).x, shape.part(i).y) for i in range(shape.num_parts)], dtype=np.float64)


def chip(image: np.ndarray, shape: dlib.full_object_detection, size: int = 150, padding: float = 0.25) -> np.ndarray:
    """The face aligned as dlib's `compute_face_descriptor` aligns it before encoding."""
    return np.asarray(dlib.get_face_chip(image, shape, size, padding))
