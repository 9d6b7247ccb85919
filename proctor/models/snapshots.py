"""Webcam snapshots taken during study and exams, and the decision of each."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.storage import private_storage

from ..decisions import Decision as EngineDecision


class Decision(models.TextChoices):
    VERIFIED = EngineDecision.VERIFIED, _("Verified")
    NO_FACE = EngineDecision.NO_FACE, _("No face")
    SEVERAL_FACES = EngineDecision.SEVERAL_FACES, _("Several faces")
    MISMATCH = EngineDecision.MISMATCH, _("Not the same person")
    INCONCLUSIVE = EngineDecision.INCONCLUSIVE, _("Inconclusive (light or position)")
    NOT_LIVE = EngineDecision.NOT_LIVE, _("No sign of a live person")
    REPLAYED = EngineDecision.REPLAYED, _("A copy of an earlier picture")


def snapshot_path(instance, filename: str) -> str:
    return f"snapshots/{instance.received_at:%Y/%m/%d}/{instance.pk.hex}.jpg"


class SnapshotStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the check")
    DECIDED = "decided", _("Checked")


def frame_path(instance, filename: str) -> str:
    return f"snapshots/{instance.snapshot.received_at:%Y/%m/%d}/{instance.snapshot.pk.hex}-{instance.index}.jpg"


class Snapshot(models.Model):
    """The webcam evidence of one moment during study or an exam: a burst of frames (older
    snapshots have one). `context` names what it belongs to (a study session, an exam attempt) so
    that this app needs nothing from the apps above it. `image` is the first frame, kept for the
    evidence views; `sha256` covers what was received (every frame's SHA-256, in order)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("lms.Person", on_delete=models.PROTECT, related_name="snapshots")
    context_kind = models.CharField(max_length=16)
    context_id = models.CharField(max_length=64)
    image = models.ImageField(storage=private_storage, upload_to=snapshot_path, blank=True)
    sha256 = models.CharField(max_length=64, unique=True)
    byte_size = models.PositiveIntegerField()
    received_at = models.DateTimeField(_("received at"))
    status = models.CharField(max_length=16, choices=SnapshotStatus.choices, default=SnapshotStatus.PENDING)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    reason = models.CharField(max_length=32, blank=True)
    faces = models.PositiveSmallIntegerField(null=True)
    distance = models.FloatField(null=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    # The server's request this answers (EvidenceRequest); none for snapshots before requests.
    request = models.OneToOneField(
        "proctor.EvidenceRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="snapshot"
    )
    liveness = models.JSONField(default=dict, blank=True)  # the measures behind the decision
    # A reviewer who dismissed the refusal puts this decision in place of the engine's for
    # crediting (the engine's stays in `decision` and in the capture log).
    reviewed_decision = models.CharField(max_length=16, choices=Decision.choices, blank=True)
    # Evidence under review or appeal is kept until this moment, whatever its age (retention).
    held_until = models.DateTimeField(null=True, blank=True)

    @property
    def effective_decision(self) -> str:
        return self.reviewed_decision or self.decision

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["received_at"]
        indexes = [models.Index(fields=["context_kind", "context_id", "received_at"])]


class SnapshotFrame(models.Model):
    """One frame of a burst, re-encoded as it is stored (no metadata, nothing appended), with the
    SHA-256 of what was received and, once checked, its face encoding for the replay check."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="frames")
    index = models.PositiveSmallIntegerField()
    image = models.ImageField(storage=private_storage, upload_to=frame_path, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    encoding = models.BinaryField(null=True)

    class Meta:
        ordering = ["snapshot", "index"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "index"], name="one_frame_per_index")]
