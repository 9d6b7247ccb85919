"""Clips around a stream's findings: the evidence of what happened just before and after.

A media worker carries some sixty streams, so no raw frame is kept. `ClipRecorder` keeps, per
stream, a ring of small JPEGs (the stream's size, `clip_fps` frames a second, `clip_before`
seconds and a bounded count) encoded off the event loop. When a finding is recorded (`trigger`)
the ring's last `clip_before` seconds start a clip, which goes on collecting for `clip_after`
seconds; a later finding during the clip extends it, never past `clip_max` seconds from its
first frame. One clip collects at a time per stream. The clip is then encoded as WebM (VP8, what
the proctor's browser plays) on the executor and handed to `on_clip`. A stream that closes
while a clip collects (`close`) stores what it has.
"""

from __future__ import annotations

import asyncio
import datetime
import fractions
import io
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field

import av
import cv2
import numpy as np
from av.video.reformatter import VideoReformatter

from ..rules.video import VideoSetting, clip_window

log = logging.getLogger(__name__)
CONTENT_TYPE = "video/webm"
JPEG_QUALITY = 70
CLIP_BITRATE = 250_000


@dataclass(frozen=True)
class Kept:
    at: float  # the recorder's monotonic clock
    jpeg: bytes


@dataclass
class Clip:
    """A clip being collected, then encoded: its frames, what it is the evidence of, and when."""

    found_at: float
    started: float
    end: float
    frames: list[Kept] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    incidents: list = field(default_factory=list)
    # The wall clock against the monotonic one, taken when the clip ended.
    wall: datetime.datetime | None = None
    mono: float = 0.0

    def when(self, at: float) -> datetime.datetime:
        return self.wall - datetime.timedelta(seconds=self.mono - at)

    @property
    def started_at(self) -> datetime.datetime:
        return self.when(self.frames[0].at)

    @property
    def ended_at(self) -> datetime.datetime:
        return self.when(self.frames[-1].at)


def frame_jpeg(frame, size: tuple[int, int]) -> bytes:
    """A received frame (av.VideoFrame) as a small JPEG at most `size` (run on the executor).
    A reformatter of its own: the intake may convert the same frame on the loop meanwhile, and a
    frame's own reformatter is not to be shared between threads."""
    width, height = size
    scale = min(1.0, width / frame.width, height / frame.height)
    image = VideoReformatter().reformat(
        frame, width=max(2, round(frame.width * scale)), height=max(2, round(frame.height * scale)), format="bgr24"
    ).to_ndarray()
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ValueError("the frame could not be encoded")
    return data.tobytes()


def clip_encode(frames: list[Kept], *, fps: float) -> bytes:
    """The kept JPEGs as a WebM (VP8) clip, each frame at its own time (run on the executor).
    Every frame takes the first one's size (even sides, for VP8's 4:2:0)."""
    first = cv2.imdecode(np.frombuffer(frames[0].jpeg, np.uint8), cv2.IMREAD_COLOR)
    height, width = first.shape[0] // 2 * 2, first.shape[1] // 2 * 2
    buffer = io.BytesIO()
    container = av.open(buffer, mode="w", format="webm")
    stream = container.add_stream("libvpx", rate=max(1, round(fps)))
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.bit_rate = CLIP_BITRATE
    # Real-time speed: a clip costs the shared analysis thread tens of milliseconds, not seconds.
    stream.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    stream.codec_context.time_base = fractions.Fraction(1, 1000)
    origin, last = frames[0].at, -1
    for kept in frames:
        image = cv2.imdecode(np.frombuffer(kept.jpeg, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            continue
        if image.shape[:2] != (height, width):
            image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
        pts = max(last + 1, round((kept.at - origin) * 1000))
        last = pts
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")
        frame.pts, frame.time_base = pts, fractions.Fraction(1, 1000)
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return buffer.getvalue()


class ClipRecorder:
    """One stream's ring of recent small frames and the clip it may be collecting. `offer` is
    called with every received frame on the event loop and costs nothing but a comparison unless
    a frame is due; the JPEG and the clip are encoded on `executor`."""

    def __init__(
        self,
        *,
        setting: VideoSetting,
        executor: Executor | None,
        on_clip: Callable[[Clip, bytes], Awaitable[None]],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.setting, self.executor, self.on_clip, self.clock = setting, executor, on_clip, clock
        self.every = 1.0 / max(0.1, setting.clip_fps)
        # Bounded by time and by count: clip_before seconds (and a second's slack) of frames.
        self.ring: deque[Kept] = deque(maxlen=int((setting.clip_before + 1) * setting.clip_fps) + 2)
        self.max_frames = int(setting.clip_max * setting.clip_fps) + 2
        self.clip: Clip | None = None
        self.next_due = 0.0
        self.busy = False
        self.closed = False
        self.skipped = 0
        self.clips = 0
        self.tasks: set[asyncio.Task] = set()

    def _spawn(self, coroutine) -> None:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def offer(self, frame, now: float | None = None) -> None:
        """A received frame: kept (as a JPEG, off the loop) when one is due."""
        if self.closed:
            return
        now = self.clock() if now is None else now
        self.tick(now)
        if now < self.next_due:
            return
        self.next_due = now + self.every
        if self.busy:  # the last one is still being encoded: skip, never queue
            self.skipped += 1
            return
        self.busy = True
        self._spawn(self._keep(frame, now))

    async def _keep(self, frame, at: float) -> None:
        try:
            size = (self.setting.width, self.setting.height)
            jpeg = await asyncio.get_running_loop().run_in_executor(self.executor, frame_jpeg, frame, size)
        except Exception:  # noqa: BLE001  (a frame that cannot be encoded is only not kept)
            log.exception("a video frame was not kept for clips")
            return
        finally:
            self.busy = False
        kept = Kept(at, jpeg)
        self.ring.append(kept)
        while self.ring and self.ring[0].at < at - self.setting.clip_before - 1.0:
            self.ring.popleft()
        clip = self.clip
        if clip is not None and at <= clip.end and len(clip.frames) < self.max_frames and (not clip.frames or at > clip.frames[-1].at):
            clip.frames.append(kept)

    def trigger(self, *, found_at: float, finding: str, incident=None) -> None:
        """A finding at `found_at` (the sampled frame's time): start a clip, or extend the one
        collecting (up to `clip_max`)."""
        if self.closed:
            return
        setting = self.setting
        clip = self.clip
        if clip is None:
            frames = [kept for kept in self.ring if kept.at >= found_at - setting.clip_before]
            started = frames[0].at if frames else found_at
            clip = self.clip = Clip(found_at=found_at, started=started, end=min(found_at + setting.clip_after, started + setting.clip_max), frames=frames)
        else:
            clip.end = clip_window(found_at=found_at, started=clip.started, end=clip.end, setting=setting)
        clip.findings.append(finding)
        if incident is not None:
            clip.incidents.append(incident)

    def tick(self, now: float | None = None) -> None:
        """End the collecting clip once its time is up (called with every frame and every second)."""
        now = self.clock() if now is None else now
        if self.clip is not None and now >= self.clip.end and not self.busy:
            self._finish()

    def _finish(self) -> None:
        from django.utils import timezone

        clip, self.clip = self.clip, None
        if clip is None or not clip.frames:
            return
        clip.wall, clip.mono = timezone.now(), self.clock()
        self._spawn(self._store(clip))

    async def _store(self, clip: Clip) -> None:
        try:
            data = await asyncio.get_running_loop().run_in_executor(
                self.executor, lambda: clip_encode(clip.frames, fps=self.setting.clip_fps)
            )
            await self.on_clip(clip, data)
            self.clips += 1
        except Exception:  # noqa: BLE001  (a clip not stored must not end the stream's intake)
            log.exception("a video clip was not stored")

    async def close(self) -> None:
        """The stream ended: what the collecting clip has is stored, and every encode finishes."""
        self.closed = True
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)
            if self.clip is not None:
                self._finish()
        if self.clip is not None:
            self._finish()
            await asyncio.gather(*list(self.tasks), return_exceptions=True)
