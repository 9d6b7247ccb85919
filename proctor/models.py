"""Identity evidence: biometric consent, reference faces, snapshots and their decisions, and the
hash-chained capture log that a regulator audits."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kernel.storage import private_storage

from .decisions import Decision as EngineDecision


class Decision(models.TextChoices):
    VERIFIED = EngineDecision.VERIFIED, _("Verified")
    NO_FACE = EngineDecision.NO_FACE, _("No face")
    SEVERAL_FACES = EngineDecision.SEVERAL_FACES, _("Several faces")
    MISMATCH = EngineDecision.MISMATCH, _("Not the same person")
    INCONCLUSIVE = EngineDecision.INCONCLUSIVE, _("Inconclusive (light or position)")


class BiometricConsent(models.Model):
    """A learner's separate consent to face processing, for one version of the consent text."""

    person = models.ForeignKey("lms.Person", on_delete=models.PROTECT, related_name="biometric_consents")
    version = models.CharField(_("text version"), max_length=16)
    text_sha256 = models.CharField(max_length=64)
    given_at = models.DateTimeField(_("given at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("biometric consent")
        verbose_name_plural = _("biometric consents")
        ordering = ["-given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(withdrawn_at__isnull=True), name="one_standing_consent_per_person"
            )
        ]


def reference_path(instance, filename: str) -> str:
    return f"face-references/{uuid.uuid4().hex}.jpg"


def snapshot_path(instance, filename: str) -> str:
    return f"snapshots/{instance.received_at:%Y/%m/%d}/{instance.pk.hex}.jpg"


class ReferenceSource(models.TextChoices):
    ID_PHOTO = "id_photo", _("ID photo")
    WEBCAM = "webcam", _("Webcam capture")


class FaceReference(models.Model):
    """One accepted reference image and its encoding. Redoing the reference retires the old set."""

    person = models.ForeignKey("lms.Person", on_delete=models.PROTECT, related_name="face_references")
    source = models.CharField(_("source"), max_length=16, choices=ReferenceSource.choices)
    image = models.ImageField(storage=private_storage, upload_to=reference_path)
    sha256 = models.CharField(max_length=64)
    encoding = models.BinaryField()
    created_at = models.DateTimeField(_("added at"))
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("face reference")
        verbose_name_plural = _("face references")
        ordering = ["created_at", "id"]


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


class CaptureLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The capture log is append-only.")

    def delete(self):
        raise PermissionError("The capture log is append-only.")


class CaptureLogEntry(models.Model):
    """One appended fact. `hash` = SHA-256 of the previous entry's hash and this entry's canonical
    content, so that changing or removing any entry breaks every link after it."""

    class Kind(models.TextChoices):
        CONSENT_GIVEN = "consent_given", _("Consent given")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
        REFERENCE_ADDED = "reference_added", _("Reference added")
        REFERENCE_REFUSED = "reference_refused", _("Reference refused")
        REFERENCES_RETIRED = "references_retired", _("References retired")
        SNAPSHOT_RECEIVED = "snapshot_received", _("Snapshot received")
        SNAPSHOT_REFUSED = "snapshot_refused", _("Snapshot refused")
        SNAPSHOT_DECIDED = "snapshot_decided", _("Snapshot decided")
        SNAPSHOT_PURGED = "snapshot_purged", _("Snapshot image purged")
        PROCTOR_EVENT = "proctor_event", _("Proctoring event")

    kind = models.CharField(max_length=32, choices=Kind.choices)
    person = models.ForeignKey("lms.Person", on_delete=models.PROTECT, null=True, related_name="+")
    subject = models.CharField(max_length=80, blank=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = CaptureLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("capture log entry")
        verbose_name_plural = _("capture log")
        ordering = ["id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The capture log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The capture log is append-only.")


class CaptureLogHead(models.Model):
    """The chain's tip, one row. Appending updates it first, which takes the write lock on every
    database, so that two appends can never both link to the same previous entry."""

    length = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
