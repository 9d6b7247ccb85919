"""Decisions over the frames of one snapshot burst, and the consistency of a reference set.

A snapshot is a short burst of frames (two or three, a fraction of a second apart). Each frame is
detected, gated and encoded on its own (a frame after the first is searched near the face of the
frame before); the burst is verified only when every usable frame is within the threshold of the
person, and the frames agree with one another. Two frames that are not the same face are a
mismatch, never an average: averaging would let one good frame carry an impostor's.

The rule and its values come from `bench/faces_calibrate.py` (cross-validated by person, see
docs/face-matching.md) and live in settings (`FACE_BURST_*`); `setting_from_settings` reads them.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..decisions import Decision
from .core import Analysis, Limits, Quality, Verdict, decode, encode_all, prepare


@dataclass(frozen=True)
class BurstSetting:
    threshold: float  # a frame's distance to the person at or below which it matches
    aggregation: str = "mean2"  # a frame's distance to the person: "mean2" or "mean_all" references
    combine: str = "all"  # "all": every frame must match; "mean": the mean over frames must
    max_spread: float = 0.60  # two frames of one burst farther apart than this are not one face
    min_frames: int = 2  # usable frames needed; fewer is no decision


def frame_distance(references: Sequence[np.ndarray], encoding: np.ndarray, aggregation: str = "mean_all") -> float:
    """A frame's distance to a person: the mean over all their references (`mean_all`), or over
    the two nearest (`mean2`, what the single-frame `distance` does)."""
    distances = np.linalg.norm(np.asarray(references) - encoding, axis=1)
    if aggregation == "mean_all":
        return float(distances.mean())
    if aggregation == "mean2":
        return float(np.sort(distances)[:2].mean())
    raise ValueError(f"unknown aggregation {aggregation!r}")


def spread(encodings: Sequence[np.ndarray]) -> float:
    """The largest distance between two frames' encodings (0 for one frame)."""
    return max((float(np.linalg.norm(a - b)) for a, b in itertools.combinations(encodings, 2)), default=0.0)


def decide_burst(analyses: Sequence[Analysis], references: Sequence[np.ndarray], setting: BurstSetting) -> Verdict:
    """The decision on one burst. `distance` is the one that decided (the farthest frame under
    "all", the mean under "mean"); `frames` holds each frame's distance (None: not usable).

    Several faces in any frame refuse the burst. Frames without a usable face are left out as long
    as `min_frames` remain (a blink, a hand); with fewer, "no_face" if a frame showed none, else
    "inconclusive" with the first quality reason."""
    if not analyses:
        return Verdict(Decision.INCONCLUSIVE, 0, reason="no_frames")
    most = max(a.faces for a in analyses)
    if most > 1:
        return Verdict(Decision.SEVERAL_FACES, most)
    usable = [a for a in analyses if a.encoding is not None]
    if len(usable) < setting.min_frames:
        if any(a.faces == 0 for a in analyses):
            return Verdict(Decision.NO_FACE, 0)
        issue = next((a.quality_issue for a in analyses if a.quality_issue), None)
        return Verdict(Decision.INCONCLUSIVE, 1, reason=issue or "too_few_frames")
    if not references:
        return Verdict(Decision.INCONCLUSIVE, 1, reason="no_reference")
    per_frame = tuple(
        None if a.encoding is None else frame_distance(references, a.encoding, setting.aggregation) for a in analyses
    )
    values = [d for d in per_frame if d is not None]
    decisive = max(values) if setting.combine == "all" else float(np.mean(values))
    if spread([a.encoding for a in usable]) > setting.max_spread:
        return Verdict(Decision.MISMATCH, 1, distance=decisive, reason="burst_inconsistent", frames=per_frame)
    decision = Decision.VERIFIED if decisive <= setting.threshold else Decision.MISMATCH
    return Verdict(decision, 1, distance=decisive, frames=per_frame)


def analyse_burst(images: Sequence[np.ndarray], gates: Quality = Quality()) -> list[Analysis]:
    """Each frame analysed; a frame after the first is searched near the face of the one before."""
    prepared: list[Analysis] = []
    near = None
    for image in images:
        analysis = prepare(image, gates, near=near)
        prepared.append(analysis)
        near = analysis.box if analysis.faces == 1 else None
    return encode_all(prepared)


def verify_burst(
    frames: Sequence[bytes], references: Sequence[np.ndarray], setting: BurstSetting | None = None, limits: Limits = Limits()
) -> Verdict:
    """Decode, analyse and decide the frames of one burst (`ImageRejected` for a frame that is not
    a sane image: the caller refuses the burst)."""
    setting = setting or setting_from_settings()
    return decide_burst(analyse_burst([decode(data, limits) for data in frames]), references, setting)


def setting_from_settings() -> BurstSetting:
    from django.conf import settings

    return BurstSetting(
        threshold=settings.FACE_BURST_THRESHOLD,
        aggregation=settings.FACE_BURST_AGGREGATION,
        combine=settings.FACE_BURST_COMBINE,
        max_spread=settings.FACE_BURST_MAX_SPREAD,
        min_frames=settings.FACE_BURST_MIN_FRAMES,
    )


@dataclass(frozen=True)
class ReferenceCheck:
    consistent: bool
    reason: str = ""  # "", "too_few", "reference_outlier"
    outlier: int | None = None  # index of the reference farthest from the others, when inconsistent
    distances: tuple[float, ...] = ()  # each reference's mean distance to the others


def reference_set_check(references: Sequence[np.ndarray], threshold: float, minimum: int = 2) -> ReferenceCheck:
    """Is a person's reference set one face? Each reference must be within `threshold` of the mean
    of the others (the distance a probe would be judged by, with that reference as the probe);
    otherwise the farthest one is named so the service can refuse it or ask for it again."""
    if len(references) < minimum:
        return ReferenceCheck(False, "too_few")
    stack = np.asarray(references)
    table = np.linalg.norm(stack[:, None, :] - stack[None, :, :], axis=2)
    others = (table.sum(axis=1)) / (len(stack) - 1)  # the diagonal is 0
    worst = int(np.argmax(others))
    if others[worst] > threshold:
        return ReferenceCheck(False, "reference_outlier", worst, tuple(float(v) for v in others))
    return ReferenceCheck(True, "", None, tuple(float(v) for v in others))
