"""The kernel's two tables: the audit trail of every state change, and the outbox of domain events
waiting for (or done with) delivery to their receivers."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEventType(models.TextChoices):
    """What happened to an object. The object's kind (its model label) says which machine."""

    CREATED = "created", _("Created")
    STATUS_CHANGED = "status_changed", _("Status changed")
    CHANGED = "changed", _("Changed")
    DECIDED = "decided", _("Decided")
    VIEWED = "viewed", _("Viewed")


class AuditEvent(models.Model):
    """One change of state: who did it (none for the platform itself), to which object, from which
    state to which, with the facts that explain it. Written by kernel.audit.record in the same
    transaction as the change, so the row exists exactly when the change does."""

    event_type = models.CharField(_("event"), max_length=32, choices=AuditEventType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("actor"),
    )
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object"), max_length=64)
    old_state = models.CharField(_("from"), max_length=32, blank=True)
    new_state = models.CharField(_("to"), max_length=32, blank=True)
    extra = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "created_at"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} {self.old_state}->{self.new_state}"


class OutboxMessage(models.Model):
    """A domain event for one receiver, written in the transaction that caused it and delivered
    after commit; a receiver that fails is tried again later (kernel.tasks.outbox_deliver_due), so
    no event is lost and no receiver's failure stops another's delivery."""

    event = models.CharField(max_length=64)
    handler = models.CharField(max_length=200)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(delivered_at__isnull=True), name="outbox_due_idx"
            )
        ]
