"""Live video (WebRTC) of a person during a proctored context: the link's state, and the frames
kept as evidence of what the checks found. The stream itself is never stored."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.storage import private_storage
from kernel.transitions import Machine

from ..errors import ERRORS


class StreamStatus(models.TextChoices):
    CONNECTING = "connecting", _("Connecting")
    LIVE = "live", _("Live")
    DOWN = "down", _("Down: snapshots instead")


STREAM_MACHINE = Machine(
    statuses=StreamStatus,
    moves={
        # A new offer replaces whatever link there was (aiortc has no ICE restart).
        StreamStatus.CONNECTING: frozenset({StreamStatus.CONNECTING, StreamStatus.LIVE, StreamStatus.DOWN}),
        StreamStatus.LIVE: frozenset({StreamStatus.CONNECTING, StreamStatus.DOWN}),
        StreamStatus.DOWN: frozenset({StreamStatus.CONNECTING}),
    },
    errors=ERRORS,
    illegal_code="video_move_illegal",
)


class VideoStream(models.Model):
    """One context's video link (an exam attempt's, say): which media worker holds its peer
    connection (`worker`, that process's channel name, so that the context's signalling reaches
    it), how it stands, and the latest sampled frame as a small JPEG for the proctor's board."""

    person = models.ForeignKey("lms.Person", on_delete=models.PROTECT, related_name="video_streams")
    context_kind = models.CharField(max_length=16)
    context_id = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=StreamStatus.choices, default=StreamStatus.CONNECTING)
    worker = models.CharField(max_length=200, blank=True)
    # The peer connection the worker holds now; a message about an older one is stale.
    link = models.CharField(max_length=32, blank=True)
    offers = models.PositiveIntegerField(default=0)
    offered_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    down_at = models.DateTimeField(null=True, blank=True)
    down_reason = models.CharField(max_length=32, blank=True)
    last_frame_at = models.DateTimeField(null=True, blank=True)
    frames_received = models.PositiveIntegerField(default=0)
    samples = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=24, blank=True)  # the last sample's: "verified", a finding, a hint
    thumbnail = models.BinaryField(null=True, blank=True)
    thumbnail_at = models.DateTimeField(null=True, blank=True)
    # What the browser was last asked for on this link, and how often it was stepped down for a
    # poor link (VideoSetting.lower()); null: the link's first setting.
    frame_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    max_bitrate = models.PositiveIntegerField(null=True, blank=True)
    lowered = models.PositiveSmallIntegerField(default=0)
    lowered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("video link")
        verbose_name_plural = _("video links")
        constraints = [models.UniqueConstraint(fields=["context_kind", "context_id"], name="one_video_stream_per_context")]


def video_frame_path(instance, filename: str) -> str:
    return f"video/{instance.captured_at:%Y/%m/%d}/{instance.pk.hex}.jpg"


class VideoFrame(models.Model):
    """A sampled frame kept as the evidence of a finding, re-encoded, with its SHA-256 (also in
    the capture log). Its image follows the snapshots' retention; the row and the hash stay."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("lms.Person", on_delete=models.PROTECT, related_name="video_frames")
    context_kind = models.CharField(max_length=16)
    context_id = models.CharField(max_length=64)
    finding = models.CharField(max_length=24)
    image = models.ImageField(storage=private_storage, upload_to=video_frame_path, blank=True)
    sha256 = models.CharField(max_length=64)
    captured_at = models.DateTimeField()
    detail = models.JSONField(default=dict, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("video evidence frame")
        verbose_name_plural = _("video evidence frames")
        ordering = ["captured_at"]
        indexes = [models.Index(fields=["context_kind", "context_id", "captured_at"])]


def video_clip_path(instance, filename: str) -> str:
    extension = "webm" if instance.content_type == "video/webm" else "bin"
    return f"video/clips/{instance.started_at:%Y/%m/%d}/{instance.pk.hex}.{extension}"


class VideoClip(models.Model):
    """A short clip around one or more findings of a stream (about 10 s before the first and 10 s
    after the last, at a few frames a second), kept as evidence in private storage with its
    SHA-256 (also in the capture log). Its file follows the snapshots' retention; the row and the
    hash stay. `incidents` are the ids of the context's incidents it is the evidence of."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("lms.Person", on_delete=models.PROTECT, related_name="video_clips")
    stream = models.ForeignKey(VideoStream, on_delete=models.SET_NULL, null=True, blank=True, related_name="clips")
    context_kind = models.CharField(max_length=16)
    context_id = models.CharField(max_length=64)
    findings = models.JSONField(default=list, blank=True)
    incidents = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    found_at = models.DateTimeField()  # the first finding's sampled frame
    frames = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=40, default="video/webm")
    file = models.FileField(storage=private_storage, upload_to=video_clip_path, blank=True)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("video evidence clip")
        verbose_name_plural = _("video evidence clips")
        ordering = ["started_at"]
        indexes = [models.Index(fields=["context_kind", "context_id", "started_at"])]

    @property
    def seconds(self) -> float:
        return (self.ended_at - self.started_at).total_seconds()
