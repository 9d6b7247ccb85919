"""What proctoring found in an attempt: a warning, a face check gone wrong, a termination."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentKind(models.TextChoices):
    IDENTITY_FAILED = "identity_failed", _("Identity check failed")
    IDENTITY_REFERRED = "identity_referred", _("Referred to the proctor")
    FOCUS_LOST = "focus_lost", _("Left the exam window")
    PAGE_HIDDEN = "page_hidden", _("Hid the exam page")
    FULLSCREEN_LEFT = "fullscreen_left", _("Left full screen")
    SNAPSHOT = "snapshot", _("Snapshot checked")
    WARNING = "warning", _("Warning from the proctor")
    DISCONNECTED = "disconnected", _("Connection lost")
    VIDEO_NO_FACE = "video_no_face", _("Video: no face")
    VIDEO_SEVERAL_FACES = "video_several_faces", _("Video: several faces")
    VIDEO_MISMATCH = "video_mismatch", _("Video: not the candidate")
    VIDEO_COVERED = "video_covered", _("Video: camera covered or black")
    VIDEO_FROZEN = "video_frozen", _("Video: frozen picture")
    VIDEO_DOWN = "video_down", _("Video link down: snapshots instead")


class Incident(models.Model):
    """What the proctor dashboard lists for an attempt: proctoring events reported by the room,
    snapshot decisions and the proctor's warnings. The audit copy is in the capture log."""

    attempt = models.ForeignKey("exam.Attempt", on_delete=models.CASCADE, related_name="incidents")
    kind = models.CharField(_("kind"), max_length=24, choices=IncidentKind.choices)
    detail = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey("lms.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("proctoring event")
        verbose_name_plural = _("proctoring events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["attempt", "at"])]
