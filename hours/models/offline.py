"""Offline training hours: an institution uploads a batch, every row is validated, and an authority
of the right region approves or rejects the batch. Only an approved batch's valid rows count."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.transitions import Machine

from ..errors import ERRORS


class BatchStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


# Which decisions may follow which status: a decision is final.
BATCH_MACHINE = Machine(
    statuses=BatchStatus,
    moves={
        BatchStatus.SUBMITTED: frozenset({BatchStatus.APPROVED, BatchStatus.REJECTED}),
        BatchStatus.APPROVED: frozenset(),
        BatchStatus.REJECTED: frozenset(),
    },
    errors=ERRORS,
    illegal_code="batch_already_decided",
)


class OfflineBatch(models.Model):
    institution = models.ForeignKey("lms.Organisation", on_delete=models.PROTECT, related_name="offline_batches")
    region = models.ForeignKey("lms.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    uploaded_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=200)
    file_sha256 = models.CharField(max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.SUBMITTED)
    uploaded_at = models.DateTimeField()
    decided_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("offline training batch")
        verbose_name_plural = _("offline training batches")
        ordering = ["-uploaded_at"]


class OfflineRow(models.Model):
    batch = models.ForeignKey(OfflineBatch, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField()
    person = models.ForeignKey("lms.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    credential = models.ForeignKey("lms.Credential", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    raw = models.JSONField(default=dict)
    category = models.CharField(max_length=16, blank=True)
    hours = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    earned_on = models.DateField(null=True, blank=True)
    errors = models.JSONField(default=list)  # [{"code": ..., "message": ...}]

    class Meta:
        ordering = ["batch", "line"]

    @property
    def valid(self) -> bool:
        return not self.errors
