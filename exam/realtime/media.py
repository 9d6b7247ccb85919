"""The media worker: the candidates' WebRTC peer connections, in a process of their own.

`manage.py runworker media` (settings.VIDEO_CHANNEL) runs `MediaConsumer`, never in a Daphne
process, so decoding and face checks cannot delay an answer's acknowledgement. Several workers
can run: an attempt's first offer reaches whichever takes it from the shared channel; the worker
records its own channel name on the attempt's `VideoStream`, and later offers for the attempt go
to that worker, which replaces its connection (aiortc has no ICE restart). `offer()` is the
signalling side that the candidate's authenticated endpoint calls (exam.web.views.video).

Channel messages (docs/video.md):
- `media.offer` {stream, link, attempt, person, sdp, reply_to}: answered on `reply_to` with
  `media.answer` {sdp, setting} or `media.refused` {code};
- `media.close` {stream}: close the attempt's connection (the attempt ended, a test cuts the link);
- `media.watch` {stream, link, sdp, reply_to}: a proctor's receive-only offer for the candidate's
  live video, sent to the worker that holds it (`VideoStream.worker`), which relays the track
  (aiortc's MediaRelay: one decoder, one more consumer) and answers with `media.answer` {sdp} or
  `media.refused` {code}. The viewer's connection closes with the candidate's.

Beside the checks, each link keeps a ring of small JPEGs for the clips around its findings
(proctor.media.clips, encoded on the analysis threads, stored by exam.services.video), and its
received frame rate is judged every `poor_for` seconds: a poor link is asked for
`VideoSetting.lower()` over the room's socket, and one still poor at the floor is closed
(`poor_link`), so the room goes on with its snapshots.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from channels.consumer import AsyncConsumer
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from kernel.errors import DomainError
from proctor.errors import ERRORS as PROCTOR_ERRORS
from proctor.rules import video as video_rules
from proctor.services.references import reference_encodings
from proctor.services.video import video_held

from ..services import video as services

log = logging.getLogger(__name__)
ANSWER_TIMEOUT = 6.0  # seconds the signalling endpoint waits for a worker's answer

_executor: ThreadPoolExecutor | None = None


def executor() -> ThreadPoolExecutor:
    """The process's threads for the face engine (settings.VIDEO_ANALYSIS_THREADS, default 1)."""
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=getattr(settings, "VIDEO_ANALYSIS_THREADS", 1), thread_name_prefix="video")
    return _executor


def answer_timeout() -> float:
    return float(getattr(settings, "VIDEO_ANSWER_TIMEOUT", ANSWER_TIMEOUT))


def media_channel() -> str:
    return getattr(settings, "VIDEO_CHANNEL", "media")


# The signalling side (in the Daphne process) -------------------------------------------------------


async def _ask(layer, target: str, message: dict, timeout: float) -> dict | None:
    reply_to = await layer.new_channel()
    await layer.send(target, {**message, "reply_to": reply_to})
    try:
        return await asyncio.wait_for(layer.receive(reply_to), timeout)
    except TimeoutError:
        return None


async def offer(plan: dict, sdp: str, *, timeout: float = ANSWER_TIMEOUT) -> dict:
    """Send the offer to the worker that holds the attempt's link (or to the shared media channel)
    and return its answer {"sdp", "type", "setting"}. DomainError `video_unavailable` when no worker
    answers: the room goes on with snapshots."""
    layer = get_channel_layer()
    if layer is None:
        raise PROCTOR_ERRORS.error("video_unavailable")
    embedded_worker(layer)
    message = {"type": "media.offer", "sdp": sdp, **{key: plan[key] for key in ("stream", "link", "attempt", "person")}}
    reply = None
    if plan.get("holder"):
        reply = await _ask(layer, plan["holder"], message, timeout / 2)
    if reply is None:
        reply = await _ask(layer, media_channel(), message, timeout)
    if reply is None:
        raise PROCTOR_ERRORS.error("video_unavailable")
    if reply["type"] != "media.answer":
        raise PROCTOR_ERRORS.error(reply.get("code") or "video_offer_invalid")
    return {"sdp": reply["sdp"], "type": "answer", "setting": reply["setting"]}


async def watch(plan: dict, sdp: str, *, timeout: float = ANSWER_TIMEOUT) -> dict:
    """A proctor's offer for the candidate's live video, to the worker that holds the candidate's
    link; its answer {"sdp", "type"}. DomainError `video_not_live` when that worker does not hold
    it (any more), `video_unavailable` when it does not answer."""
    layer = get_channel_layer()
    if layer is None:
        raise PROCTOR_ERRORS.error("video_unavailable")
    embedded_worker(layer)
    reply = await _ask(layer, plan["holder"], {"type": "media.watch", "sdp": sdp, "stream": plan["stream"], "link": plan["link"]}, timeout)
    if reply is None:
        raise PROCTOR_ERRORS.error("video_unavailable")
    if reply["type"] != "media.answer":
        raise PROCTOR_ERRORS.error(reply.get("code") or "video_offer_invalid")
    return {"sdp": reply["sdp"], "type": "answer"}


_embedded: asyncio.Task | None = None


def embedded_worker(layer) -> None:
    """With the in-memory channel layer (the embedded default, `make run`) no other process can
    hear the media channel: run the worker in this process's loop. Production (Redis) never does."""
    global _embedded
    from channels.layers import InMemoryChannelLayer

    # VIDEO_EMBEDDED_WORKER: True (default) only with the in-memory layer, "always" also on Redis
    # (tests, where no `runworker media` runs beside them), False never.
    mode = getattr(settings, "VIDEO_EMBEDDED_WORKER", True)
    if not mode or (mode != "always" and not isinstance(layer, InMemoryChannelLayer)):
        return
    if _embedded is None or _embedded.done() or _embedded.get_loop() is not asyncio.get_running_loop():
        from channels.worker import Worker

        log.warning("the in-memory channel layer: running the media worker inside this process")
        _embedded = asyncio.ensure_future(Worker(MediaConsumer.as_asgi(), [media_channel()], layer).arun())


# The worker side ---------------------------------------------------------------------------------



def rtc_configuration(servers: list[dict]):
    """aiortc's configuration of the server's peer: the same STUN/TURN servers as the browser's."""
    from aiortc import RTCConfiguration, RTCIceServer

    return RTCConfiguration(iceServers=[RTCIceServer(**server) for server in servers])

@dataclass(eq=False)  # hashed by identity: _live holds them
class Session:
    stream: int
    link: str
    attempt: int
    pc: object
    intake: object = None
    # The candidate's track and its relay: the intake and every proctor watching live consume it.
    source: object = None
    relay: object = None
    viewers: list = field(default_factory=list)  # the proctors' peer connections
    tasks: list = field(default_factory=list)
    connected: bool = False
    connected_at: float = 0.0
    setting: object = None  # what the browser was last asked for (VideoSetting), lowered for a poor link
    clips: object = None  # the stream's ClipRecorder (proctor.media.clips)
    judged: tuple | None = None  # (when, frames received then): the start of the link's rate window
    closed: bool = False
    closer: object = None  # the worker's close of this session: closer(reason) -> coroutine
    # Set once the close is recorded (or the offer refused): embedded_worker_stop waits for it.
    recorded: asyncio.Event = field(default_factory=asyncio.Event)


# Every session of this process whose close is not yet recorded.
_live: set = set()


async def embedded_worker_stop(timeout: float = 15.0) -> None:
    """Close this process's links, wait until each close is written, and stop the embedded worker.
    A test's database is flushed after it; a write still in flight would find it locked or gone."""
    global _embedded
    sessions = list(_live)
    if not sessions and _embedded is None:
        return
    for session in sessions:
        if not session.closed and session.closer is not None:
            await session.closer("closed")
    if sessions:
        await asyncio.wait_for(asyncio.gather(*(session.recorded.wait() for session in sessions)), timeout)
    # The database thread runs calls in order: one more call returns after the last write.
    await database_sync_to_async(lambda: None)()
    if _embedded is not None and _embedded.get_loop() is asyncio.get_running_loop():
        _embedded.cancel()
        try:
            await _embedded
        except (asyncio.CancelledError, Exception):  # noqa: BLE001  (stopping, whatever it was doing)
            pass
        _embedded = None


class MediaConsumer(AsyncConsumer):
    """Every peer connection of this worker process, by stream (one per attempt)."""

    async def websocket_connect(self, message):  # not a socket consumer
        raise ValueError("the media worker serves the media channel only")

    def _sessions(self) -> dict[int, Session]:
        if not hasattr(self, "sessions"):
            self.sessions = {}
        return self.sessions

    async def media_offer(self, event):
        from aiortc import RTCPeerConnection, RTCSessionDescription

        reply_to = event.get("reply_to")
        setting = services.video_setting()
        stream_id, link, attempt_id = event["stream"], event["link"], event["attempt"]
        old = self._sessions().pop(stream_id, None)
        if old is not None:
            await self._close(old, reason="")
        pc = RTCPeerConnection(configuration=rtc_configuration(services.ice_servers()))
        session = Session(stream=stream_id, link=link, attempt=attempt_id, pc=pc, setting=setting)
        self._sessions()[stream_id] = session
        session.closer = lambda reason: self._close(session, reason=reason)
        _live.add(session)
        try:
            references = await database_sync_to_async(_references)(event["person"])
            await database_sync_to_async(video_held)(stream_id=stream_id, link=link, worker=self.channel_name)

            @pc.on("track")
            def on_track(track):
                if track.kind != "video" or session.intake is not None:
                    return
                from aiortc.contrib.media import MediaRelay

                from proctor.media.clips import ClipRecorder
                from proctor.media.intake import VideoIntake

                session.source, session.relay = track, MediaRelay()
                session.clips = ClipRecorder(
                    setting=setting, executor=executor(), on_clip=lambda clip, data: self._clip(session, clip, data)
                )
                session.intake = VideoIntake(
                    setting=setting, references=references, threshold=settings.FACE_MATCH_THRESHOLD, executor=executor(),
                    on_sample=lambda measured, state, findings: self._sampled(session, measured, state, findings),
                    on_frame=session.clips.offer,
                )
                session.tasks.append(asyncio.ensure_future(session.intake.run(session.relay.subscribe(track))))

            @pc.on("connectionstatechange")
            async def on_state():
                if pc.connectionState == "connected" and not session.connected:
                    session.connected, session.connected_at = True, time.monotonic()
                    await database_sync_to_async(_connected)(session, self.channel_name)
                elif pc.connectionState in ("failed", "closed") and not session.closed:
                    await self._close(session, reason=pc.connectionState)

            await pc.setRemoteDescription(RTCSessionDescription(sdp=event["sdp"], type="offer"))
            if not any(t.kind == "video" for t in pc.getTransceivers()):
                raise PROCTOR_ERRORS.error("video_offer_invalid")
            for transceiver in pc.getTransceivers():
                transceiver.direction = "recvonly" if transceiver.kind == "video" else "inactive"
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as problem:  # noqa: BLE001  (a malformed SDP raises anything from aiortc)
            code = problem.code if isinstance(problem, DomainError) else "video_offer_invalid"
            log.info("video offer for stream %s refused: %s", stream_id, problem)
            self._sessions().pop(stream_id, None)
            session.closed = True
            await pc.close()
            _live.discard(session)
            session.recorded.set()
            if reply_to:
                await self.channel_layer.send(reply_to, {"type": "media.refused", "code": code})
            return
        if reply_to:
            await self.channel_layer.send(
                reply_to, {"type": "media.answer", "sdp": pc.localDescription.sdp, "setting": setting.as_browser()}
            )
        session.tasks.append(asyncio.ensure_future(self._watch(session, setting)))

    async def media_watch(self, event):
        """A proctor's receive-only offer: the candidate's track relayed to one more peer."""
        from aiortc import RTCPeerConnection, RTCSessionDescription

        reply_to = event["reply_to"]
        session = self._sessions().get(event["stream"])
        if session is None or session.closed or session.link != event["link"] or session.source is None:
            await self.channel_layer.send(reply_to, {"type": "media.refused", "code": PROCTOR_ERRORS.error("video_not_live").code})
            return
        viewer = RTCPeerConnection(configuration=rtc_configuration(services.ice_servers()))
        try:
            await viewer.setRemoteDescription(RTCSessionDescription(sdp=event["sdp"], type="offer"))
            video = [t for t in viewer.getTransceivers() if t.kind == "video"]
            if not video:
                raise PROCTOR_ERRORS.error("video_offer_invalid")
            # The latest frame only (unbuffered): a slow viewer never holds frames back for the checks.
            video[0].sender.replaceTrack(session.relay.subscribe(session.source, buffered=False))
            for transceiver in viewer.getTransceivers():
                transceiver.direction = "sendonly" if transceiver is video[0] else "inactive"
            await viewer.setLocalDescription(await viewer.createAnswer())
        except Exception as problem:  # noqa: BLE001  (a malformed SDP raises anything from aiortc)
            await viewer.close()
            code = problem.code if isinstance(problem, DomainError) else "video_offer_invalid"
            await self.channel_layer.send(reply_to, {"type": "media.refused", "code": code})
            return
        session.viewers.append(viewer)

        @viewer.on("connectionstatechange")
        async def on_state():
            if viewer.connectionState in ("failed", "closed") and viewer in session.viewers:
                session.viewers.remove(viewer)
                await viewer.close()

        await self.channel_layer.send(reply_to, {"type": "media.answer", "sdp": viewer.localDescription.sdp, "setting": {}})

    async def media_close(self, event):
        session = self._sessions().get(event["stream"])
        if session is not None:
            await self._close(session, reason=event.get("reason", "closed"))

    async def _watch(self, session: Session, setting) -> None:
        """Close a link that does not connect in time or that stops sending frames; ask a poor
        link for a lower bandwidth, and close it when it is poor at the floor; end a clip whose
        time is up though no frame came."""
        started = time.monotonic()
        while not session.closed:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            intake = session.intake
            if session.clips is not None:
                session.clips.tick(now)
            if not session.connected:
                if now - started > setting.connect_timeout * 2:
                    await self._close(session, reason="connect_timeout")
            else:
                last = intake.last_frame_at if intake and intake.last_frame_at else session.connected_at
                if now - max(last, session.connected_at) > setting.silent_after:
                    await self._close(session, reason="silent")
                else:
                    await self._rate(session, now)

    async def _rate(self, session: Session, now: float) -> None:
        """The frame rate received over the last `poor_for` seconds against the rate asked for:
        a poor link is asked for `VideoSetting.lower()` over the room's socket; one already at the
        floor is closed (the room goes on with its snapshots)."""
        frames = session.intake.frames if session.intake else 0
        if session.judged is None:
            session.judged = (now, frames)
            return
        since, before = session.judged
        if now - since < session.setting.poor_for:
            return
        session.judged = (now, frames)
        if not video_rules.link_poor(frames=frames - before, seconds=now - since, setting=session.setting):
            return
        if session.setting.at_floor:
            await self._close(session, reason="poor_link")
            return
        lowered = session.setting.lower()
        log.info("video link of attempt %s is poor (%s frames in %.0f s): asking for %s", session.attempt, frames - before, now - since, lowered.as_browser())
        current = await database_sync_to_async(services.attempt_video_lower)(
            attempt_id=session.attempt, stream_id=session.stream, link=session.link, setting=lowered
        )
        if not current:
            await self._close(session, reason="")
            return
        session.setting = lowered
        session.judged = (time.monotonic(), session.intake.frames if session.intake else 0)

    async def _clip(self, session: Session, clip, data: bytes) -> None:
        from proctor.media.clips import CONTENT_TYPE

        await database_sync_to_async(services.attempt_video_clip)(
            attempt_id=session.attempt, stream_id=session.stream, data=data, content_type=CONTENT_TYPE,
            findings=clip.findings, incidents=clip.incidents, started_at=clip.started_at, ended_at=clip.ended_at,
            found_at=clip.when(clip.found_at), frames=len(clip.frames),
        )

    async def _sampled(self, session: Session, measured, state: str, findings: list[str]) -> None:
        if session.closed:
            return
        current = await database_sync_to_async(services.attempt_video_sample)(
            attempt_id=session.attempt, stream_id=session.stream, link=session.link,
            frames_received=session.intake.frames, state=state, thumbnail=measured.thumbnail,
        )
        for finding in findings:
            sample = measured.sample
            detail = {"faces": sample.faces, "distance": None if sample.distance is None else round(sample.distance, 4)}
            incident = await database_sync_to_async(services.attempt_video_finding)(
                attempt_id=session.attempt, finding=finding, jpeg=measured.jpeg, detail=detail
            )
            if session.clips is not None and incident is not None:
                # A clip around the finding: the ring's last seconds and the seconds to come.
                session.clips.trigger(found_at=sample.at, finding=finding, incident=incident.pk)
        if not current:
            await self._close(session, reason="")

    async def _close(self, session: Session, *, reason: str) -> None:
        if session.closed:
            return
        session.closed = True
        try:
            if self._sessions().get(session.stream) is session:
                del self._sessions()[session.stream]
            for viewer in list(session.viewers):
                await viewer.close()
            session.viewers.clear()
            await session.pc.close()
            if session.clips is not None:
                # A clip collecting when the link closes keeps what it has.
                try:
                    await asyncio.wait_for(session.clips.close(), 30)
                except Exception:  # noqa: BLE001
                    log.exception("video link %s: its clip was not stored", session.stream)
            for task in session.tasks:
                if task is not asyncio.current_task():
                    task.cancel()
            if reason:
                log.warning("video link of attempt %s closed: %s", session.attempt, reason)
                try:
                    await database_sync_to_async(services.attempt_video_down)(
                        attempt_id=session.attempt, stream_id=session.stream, link=session.link, reason=reason
                    )
                except Exception:  # noqa: BLE001
                    log.exception("video link %s: down not recorded", session.stream)
        finally:
            _live.discard(session)
            session.recorded.set()


def _references(person_id: int) -> list:
    from lms.models import Person

    return reference_encodings(Person.objects.get(pk=person_id))


def _connected(session: Session, worker: str) -> None:
    from proctor.services.video import video_connected

    if video_connected(stream_id=session.stream, link=session.link, worker=worker):
        services.attempt_video_connected(attempt_id=session.attempt)
