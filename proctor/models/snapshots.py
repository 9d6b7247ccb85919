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


def snapshot_path(instance, filename: str) -> str:
    return f"snapshots/{instance.received_at:%Y/%m/%d}/{instance.pk.hex}.jpg"


class SnapshotStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the check")
    DECIDED = "decided", _("Checked")


class Snapshot(models.Model):
    """A webcam frame taken during study or an exam. `context` names what it belongs to (a study
    session, an exam attempt) so that this app needs nothing from the apps above it."""

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

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["received_at"]
        indexes = [models.Index(fields=["context_kind", "context_id", "received_at"])]
