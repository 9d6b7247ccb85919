"""The hash-chained capture log that a regulator audits, its head row and its signed checkpoints.

The database refuses to change or remove log and checkpoint rows (proctor.models.guards, installed
by migration 0004); the ORM refuses too, so that application code fails before it reaches SQL.
A migration that alters these tables on SQLite remakes the table, which drops its triggers: such a
migration must reinstall them (tests/proctor/test_services.py fails otherwise).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
        FACE_TEMPLATES_ERASED = "face_templates_erased", _("Face templates and reference images deleted")
        SNAPSHOT_RECEIVED = "snapshot_received", _("Snapshot received")
        SNAPSHOT_REFUSED = "snapshot_refused", _("Snapshot refused")
        SNAPSHOT_DECIDED = "snapshot_decided", _("Snapshot decided")
        SNAPSHOT_PURGED = "snapshot_purged", _("Snapshot image purged")
        PROCTOR_EVENT = "proctor_event", _("Proctoring event")
        REVIEW_STEP = "review_step", _("Review or appeal step")
        EXPORT_MADE = "export_made", _("Capture-log export made")
        RETENTION_RUN = "retention_run", _("Retention applied")

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
        # The audit portal's list is keyset-paginated by descending id under its filters
        # (proctor.selectors.portal): each filter it offers has an index ending in id.
        indexes = [
            models.Index(fields=["person", "id"], name="capturelog_person_id"),
            models.Index(fields=["kind", "id"], name="capturelog_kind_id"),
            models.Index(fields=["created_at"], name="capturelog_created_at"),
            models.Index(fields=["subject", "id"], name="capturelog_subject_id"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The capture log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The capture log is append-only.")


class CaptureLogHead(models.Model):
    """The chain's tip, one row. Appending updates it first, which takes the write lock on every
    database, so that two appends can never both link to the same previous entry. The database
    refuses to delete it or to move its length backwards."""

    length = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)


class CaptureLogCheckpoint(models.Model):
    """The chain's length and tip hash at one moment, signed with an Ed25519 key that the database
    does not hold, and covering the previous checkpoint's digest. The signed message is
    proctor.rules.capturelog.checkpoint_message (docs/audit.md); every signed field is a column
    here, so that the message can be rebuilt from the row and from what is published."""

    sequence = models.PositiveBigIntegerField(unique=True)
    length = models.BigIntegerField()
    tip_hash = models.CharField(max_length=64)
    previous_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    key_id = models.CharField(max_length=64)
    signature = models.CharField(max_length=128)
    # Not signed: where the next checkpoint starts checking the new entries. Verification finds the
    # tip by its position in the chain, never by this id.
    tip_entry_id = models.BigIntegerField(null=True)

    objects = CaptureLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("capture log checkpoint")
        verbose_name_plural = _("capture log checkpoints")
        ordering = ["sequence"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Capture log checkpoints are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Capture log checkpoints are append-only.")
