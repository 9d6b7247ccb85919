"""Liveness primitives on analysed frames: natural variation, a head-turn challenge, replay by content.

All three read what `analyse` keeps for an encoded face: the five landmarks and the aligned
150x150 chip (`Analysis.landmarks`, `Analysis.chip`). They decide nothing alone; the services
combine them with the identity decision (see docs/face-matching.md for what each stops and what it
does not).

- `variation(a, b)`: how much the face changed between two frames of a burst beyond a rigid move.
  The second chip is registered onto the first (an affine ECC fit on a blurred 64x64 grey copy),
  both are normalised for brightness and contrast, and the mean absolute difference of the
  blurred copies is taken over the face. Re-encoding, resizing, shifting, a brightness change or a
  few grey levels of noise added to one still leave almost nothing once registered and blurred;
  a live face between frames a fraction of a second apart changes shape (mouth, eyes, a slight
  turn) and shading. `is_still_burst` compares the largest variation in a burst with
  `STILL_BELOW`.
- `yaw(analysis)`: the head's turn from the 5-point landmarks, the nose base's offset from the
  midpoint of the eyes along the eye line, in inter-ocular distances: 0 frontal, positive when the
  person turns to their own left (the nose moves to the image's right in an unmirrored frame).
  The 68-point model is not used: its training data is licensed for research only.
  `challenge_met("turn_left" | "turn_right", frames)` wants the turn reached in some frame and a
  real change of yaw across the frames, so a still photo of a turned head does not pass.
- `replay_closeness(encoding, earlier)`: the smallest distance from a probe's encoding to earlier
  encodings of the same person (snapshots, references). A re-saved copy of an earlier capture
  lands far closer than two genuine captures a second or more apart; `is_replay` compares it with
  `REPLAY_BELOW`.

The thresholds are calibrated by `bench/faces_liveness.py` on the shared video clip (real
consecutive frames) and on stills made from its frames and from the photos.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from .core import Analysis

# The calibrated values (bench/faces_liveness.py). The settings FACE_STILL_BELOW, FACE_TURN_AT,
# FACE_TURN_CHANGE and FACE_REPLAY_BELOW override them where Django is configured.
STILL_BELOW = 1.5  # largest registered variation in a burst below which it is one still
TURN_AT = 0.20  # yaw, in inter-ocular distances, that counts as a turn
TURN_CHANGE = 0.15  # and the change of yaw across the frames that must come with it
REPLAY_BELOW = 0.20  # encoding distance to an earlier capture below which a probe is a re-sent copy


def _setting(name: str, default: float) -> float:
    try:
        from django.conf import settings

        return float(getattr(settings, name, default))
    except Exception:  # noqa: BLE001  (no Django settings: a bench or a script)
        return default

_SIDE = 64  # the registered comparison works on 64x64 grey copies of the chips
_BORDER = 8  # pixels left out at each edge after registration (background, warping's edge)


def _grey(chip: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(chip, cv2.COLOR_RGB2GRAY) if chip.ndim == 3 else chip
    small = cv2.resize(grey, (_SIDE, _SIDE), interpolation=cv2.INTER_AREA).astype(np.float32)
    # Blur away what JPEG and sensor noise add: a few grey levels pixel to pixel.
    return cv2.GaussianBlur(small, (0, 0), 1.5)


def _normalised(grey: np.ndarray) -> np.ndarray:
    centre = grey[_BORDER:-_BORDER, _BORDER:-_BORDER]
    return (grey - centre.mean()) / (centre.std() + 1e-6) * 32.0  # 32: a typical face's contrast


def variation(a: Analysis, b: Analysis) -> float:
    """The change of the face from frame `a` to frame `b` that a rigid move does not explain,
    in grey levels of a face normalised to a standard contrast (see the module's docstring)."""
    if a.chip is None or b.chip is None:
        raise ValueError("variation needs two encoded frames (Analysis.chip)")
    first, second = _normalised(_grey(a.chip)), _normalised(_grey(b.chip))
    warp = np.eye(2, 3, dtype=np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 60, 1e-5)
    try:
        _, warp = cv2.findTransformECC(first, second, warp, cv2.MOTION_AFFINE, criteria, None, 1)
        registered = cv2.warpAffine(second, warp, (_SIDE, _SIDE), flags=cv2.INTER_LINEAR + cv2.WARP_INVERSE_MAP)
    except cv2.error:
        registered = second  # no convergence: compare as aligned by the landmarks
    inner = (slice(_BORDER, -_BORDER), slice(_BORDER, -_BORDER))
    return float(np.abs(first[inner] - _normalised(registered)[inner]).mean())


def burst_variation(frames: Sequence[Analysis]) -> float:
    """The largest variation between consecutive encoded frames of a burst (0 with fewer than two)."""
    usable = [f for f in frames if f.chip is not None]
    return max((variation(a, b) for a, b in zip(usable, usable[1:])), default=0.0)


def is_still_burst(frames: Sequence[Analysis], below: float | None = None) -> bool:
    """True when the frames show no more change than copies of one still picture would. A burst
    with fewer than two encoded frames cannot show variation and counts as still."""
    below = _setting("FACE_STILL_BELOW", STILL_BELOW) if below is None else below
    return burst_variation(frames) < below


def yaw(analysis: Analysis) -> float:
    """The head's turn (see the module's docstring); landmarks as `detector.points` gives them:
    0/1 the person's left eye (image right) outer/inner corner, 2/3 their right eye, 4 the nose."""
    if analysis.landmarks is None:
        raise ValueError("yaw needs an encoded frame (Analysis.landmarks)")
    points = analysis.landmarks
    left_eye, right_eye, nose = points[0:2].mean(axis=0), points[2:4].mean(axis=0), points[4]
    line = left_eye - right_eye  # from the person's right eye to their left: image left to right
    span = float(np.linalg.norm(line))
    if span == 0:
        return 0.0
    return float(np.dot(nose - (left_eye + right_eye) / 2, line / span) / span)


def challenge_met(kind: str, frames: Sequence[Analysis], turn_at: float | None = None, change: float | None = None) -> bool:
    """Did the frames (in order, the first taken before the prompt or at its start) show the
    asked-for head turn? `turn_left`/`turn_right`: some frame turned at least `turn_at` that way,
    and the yaw moved by at least `change` from the first frame toward it."""
    if kind not in ("turn_left", "turn_right"):
        raise ValueError(f"unknown challenge {kind!r}")
    turn_at = _setting("FACE_TURN_AT", TURN_AT) if turn_at is None else turn_at
    change = _setting("FACE_TURN_CHANGE", TURN_CHANGE) if change is None else change
    sign = 1.0 if kind == "turn_left" else -1.0
    values = [sign * yaw(f) for f in frames if f.landmarks is not None]
    if len(values) < 2:
        return False
    return max(values) >= turn_at and max(values) - values[0] >= change


def replay_closeness(encoding: np.ndarray, earlier: Sequence[np.ndarray]) -> float:
    """The distance from a probe to the nearest of the person's earlier encodings (inf if none)."""
    if len(earlier) == 0:
        return float("inf")
    return float(np.linalg.norm(np.asarray(earlier) - encoding, axis=1).min())


def is_replay(encoding: np.ndarray, earlier: Sequence[np.ndarray], below: float | None = None) -> bool:
    below = _setting("FACE_REPLAY_BELOW", REPLAY_BELOW) if below is None else below
    return replay_closeness(encoding, earlier) < below
