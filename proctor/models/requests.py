"""The server's requests for evidence: it decides when a snapshot is due, and a snapshot counts only
if it answers a fresh request (its one-time nonce) within the request's short window."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kernel.transitions import Machine

from ..errors import ERRORS


class RequestStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    FULFILLED = "fulfilled", _("Answered")
    MISSED = "missed", _("Not answered in time")
    CANCELLED = "cancelled", _("Cancelled")


class Challenge(models.TextChoices):
    NONE = "", _("None")
    TURN_LEFT = "turn_left", _("Turn your head to your left")
    TURN_RIGHT = "turn_right", _("Turn your head to your right")


REQUEST_MACHINE = Machine(
    statuses=RequestStatus,
    moves={
        RequestStatus.SCHEDULED: frozenset({RequestStatus.FULFILLED, RequestStatus.MISSED, RequestStatus.CANCELLED}),
        RequestStatus.FULFILLED: frozenset(),
        RequestStatus.MISSED: frozenset(),
        RequestStatus.CANCELLED: frozenset(),
    },
    errors=ERRORS,
    illegal_code="evidence_request_closed",
)


class EvidenceRequest(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("lms.Person", on_delete=models.PROTECT, related_name="evidence_requests")
    context_kind = models.CharField(max_length=16)
    context_id = models.CharField(max_length=64)
    nonce = models.CharField(max_length=64, unique=True)
    challenge = models.CharField(max_length=16, choices=Challenge.choices, blank=True)
    frames = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=RequestStatus.choices, default=RequestStatus.SCHEDULED)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("snapshot request")
        verbose_name_plural = _("snapshot requests")
        ordering = ["due_at"]
        indexes = [models.Index(fields=["context_kind", "context_id", "due_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["context_kind", "context_id"], condition=Q(status="scheduled"), name="one_open_request_per_context"
            )
        ]
