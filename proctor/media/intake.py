"""Sampling a received video track and measuring samples with the face engine."""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from .. import engine
from ..rules.video import Sample, VideoSetting, VideoWatch, is_covered, signature

log = logging.getLogger(__name__)
THUMBNAIL = (160, 120)
MAX_SIDE = 640  # a browser that sends more than asked is scaled down before anything is measured


@dataclass(frozen=True)
class Measured:
    """One sample, measured: what the watch needs, the evidence JPEG and the board's thumbnail."""

    sample: Sample
    jpeg: bytes
    thumbnail: bytes
    seconds: float  # how long the measuring took (the check's latency, without the queue)


def _jpeg(image: np.ndarray, quality: int, size: tuple[int, int] | None = None) -> bytes:
    picture = Image.fromarray(image)
    if size:
        picture.thumbnail(size)
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def measure(image: np.ndarray, *, at: float, identity: bool, references: list, threshold: float, setting: VideoSetting) -> Measured:
    """Count faces (and with `identity`, compare the one face with the references) on an RGB frame."""
    started = time.perf_counter()
    if max(image.shape[:2]) > MAX_SIDE:
        scale = MAX_SIDE / max(image.shape[:2])
        image = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    image = np.ascontiguousarray(image)
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    covered = is_covered(grey, setting)
    faces, issue, verdict_identity, distance = None, None, None, None
    if not covered:
        gates = engine.Quality(min_face_px=setting.min_face_px)
        analysis = engine.analyse(image, gates) if identity else engine.prepare(image, gates)
        faces, issue = analysis.faces, analysis.quality_issue
        if identity and analysis.encoding is not None and references:
            distance = engine.distance(references, analysis.encoding)
            verdict_identity = "match" if distance <= threshold else "mismatch"
    sample = Sample(
        at=at, covered=covered, faces=faces, signature=signature(grey), quality_issue=issue,
        identity=verdict_identity, distance=distance,
    )
    return Measured(sample, _jpeg(image, 85), _jpeg(image, 70, THUMBNAIL), time.perf_counter() - started)


class VideoIntake:
    """Reads one track to its end. Every frame is received (aiortc decodes them on its own
    thread); one every `presence_every` seconds is measured on `executor`, one every
    `identity_every` seconds with the identity comparison. A sample still being measured when the
    next is due makes that one skipped, so a slow engine never builds a queue.

    `on_sample(measured, state, findings)` is awaited after each measured sample, with the watch's
    state and the findings that started with it; `on_frame(frame, at)` is called with every frame
    received (the clips' ring, proctor.media.clips), on the loop, and must not block."""

    def __init__(
        self,
        *,
        setting: VideoSetting,
        references: list,
        threshold: float,
        executor: Executor | None,
        on_sample: Callable[[Measured, str, list[str]], Awaitable[None]],
        on_frame: Callable[[object, float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.setting, self.references, self.threshold = setting, references, threshold
        self.executor, self.on_sample, self.on_frame, self.clock = executor, on_sample, on_frame, clock
        self.watch = VideoWatch(setting)
        self.frames = 0
        self.skipped = 0
        self.last_frame_at: float | None = None
        self.busy = False
        self.tasks: set[asyncio.Task] = set()

    async def run(self, track) -> None:
        next_presence = self.clock()
        next_identity = next_presence
        while True:
            try:
                frame = await track.recv()
            except Exception:  # noqa: BLE001  (MediaStreamError: the track ended)
                break
            self.frames += 1
            now = self.clock()
            self.last_frame_at = now
            if self.on_frame is not None:
                self.on_frame(frame, now)  # the clips' ring: cheap unless a frame is due
            if now < next_presence:
                continue
            next_presence = now + self.setting.presence_every
            if self.busy:
                self.skipped += 1
                continue
            identity = now >= next_identity
            if identity:
                next_identity = now + self.setting.identity_every
            image = frame.to_ndarray(format="rgb24")
            self.busy = True
            task = asyncio.ensure_future(self._measure(image, now, identity))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        for task in list(self.tasks):
            await asyncio.gather(task, return_exceptions=True)

    async def _measure(self, image: np.ndarray, at: float, identity: bool) -> None:
        try:
            loop = asyncio.get_running_loop()
            measured = await loop.run_in_executor(
                self.executor,
                lambda: measure(image, at=at, identity=identity, references=self.references, threshold=self.threshold, setting=self.setting),
            )
            findings = self.watch.observe(measured.sample)
        finally:
            self.busy = False
        try:
            await self.on_sample(measured, self.watch.last, findings)
        except Exception:  # noqa: BLE001  (a failed write must not end the intake)
            log.exception("video sample not stored")
