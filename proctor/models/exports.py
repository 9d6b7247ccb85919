"""Exports of the capture log for a region and a period, built in the background (docs/audit.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.storage import private_storage
from kernel.transitions import Machine

from ..errors import ERRORS


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being built")
    READY = "ready", _("Ready to download")
    FAILED = "failed", _("Failed")


E = ExportStatus

EXPORT_MACHINE = Machine(
    statuses=ExportStatus,
    moves={
        E.QUEUED: frozenset({E.RUNNING, E.FAILED}),
        E.RUNNING: frozenset({E.READY, E.FAILED}),
        E.READY: frozenset(),
        E.FAILED: frozenset(),
    },
    errors=ERRORS,
    illegal_code="export_move_illegal",
)


def export_path(instance, filename: str) -> str:
    return f"exports/capturelog-{instance.pk}.zip"


class CaptureLogExport(models.Model):
    """One regulator's export: the entries about the people of `region` in [since, until), every
    checkpoint and the public key, as JSON Lines in a zip. `done` of `total` entries are written."""

    requested_by = models.ForeignKey("lms.User", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("lms.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    since = models.DateTimeField(_("from"))
    until = models.DateTimeField(_("until"))
    status = models.CharField(_("status"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    total = models.BigIntegerField(default=0)
    done = models.BigIntegerField(default=0)
    file = models.FileField(storage=private_storage, upload_to=export_path, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.READY:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
