"""The learning record: enrolments, progress through lessons, and study sessions with the time the
server saw. Credit hours are computed from these records, never from the client."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kernel.transitions import Machine

from ..errors import ERRORS


class EnrolmentSource(models.TextChoices):
    SELF = "self", _("Enrolled by the learner")
    ENTERPRISE = "enterprise", _("Assigned by the enterprise")


class Enrolment(models.Model):
    person = models.ForeignKey("lms.Person", on_delete=models.PROTECT, related_name="enrolments")
    course = models.ForeignKey("cms.CoursePage", on_delete=models.PROTECT, related_name="enrolments")
    source = models.CharField(_("source"), max_length=16, choices=EnrolmentSource.choices)
    assigned_by = models.ForeignKey(
        "lms.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="assigned_enrolments"
    )
    # The credential the study is for: its online hours are credited to it. Chosen by the learner
    # when the course serves several (hours.services.study.enrolment_credential_choose); empty
    # while undecided, when hours.rules.crediting falls back to the only one the learner holds.
    credential = models.ForeignKey(
        "lms.Credential", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("studying for"),
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-enrolled_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["person", "course"], name="one_enrolment_per_course")]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.course_id}"


class LessonProgress(models.Model):
    """What of a lesson has been watched: merged [start, end] second intervals, where playback was
    left, and when the watched share first reached the course's completion ratio."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="progress")
    lesson = models.ForeignKey("cms.LessonPage", on_delete=models.PROTECT, related_name="progress")
    watched = models.JSONField(default=list)
    watched_seconds = models.FloatField(default=0)
    position = models.FloatField(_("last position"), default=0)
    study_seconds = models.FloatField(_("study time"), default=0)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment", "lesson"], name="one_progress_per_lesson")]

    @property
    def furthest(self) -> float:
        """The end of the watched stretch that starts at the beginning: how far one may seek."""
        end = 0.0
        for start, stop in self.watched:
            if start > end + 1:
                break
            end = max(end, stop)
        return end


class SessionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUPERSEDED = "superseded", _("Paused by another tab or device")
    CLOSED = "closed", _("Closed")


# A session is active until it is closed, or paused because the learner opened another; either
# ends it for good (the player opens a new session to go on).
SESSION_MACHINE = Machine(
    statuses=SessionStatus,
    moves={
        SessionStatus.ACTIVE: frozenset({SessionStatus.SUPERSEDED, SessionStatus.CLOSED}),
        SessionStatus.SUPERSEDED: frozenset(),
        SessionStatus.CLOSED: frozenset(),
    },
    errors=ERRORS,
    illegal_code="session_closed",
)


class StudySession(models.Model):
    """One sitting at one lesson in one tab. A learner has at most one active session."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("lms.Person", on_delete=models.PROTECT, related_name="study_sessions")
    progress = models.ForeignKey(LessonProgress, on_delete=models.PROTECT, related_name="sessions")
    status = models.CharField(max_length=16, choices=SessionStatus.choices, default=SessionStatus.ACTIVE)
    started_at = models.DateTimeField()
    last_beat_at = models.DateTimeField()
    last_sequence = models.IntegerField(default=0)
    last_position = models.FloatField(default=0)
    counted_seconds = models.FloatField(default=0)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="active"), name="one_active_study_session_per_person"
            )
        ]


class StudySegment(models.Model):
    """Wall-clock study time the server credited between two heartbeats, with the stretch of video it
    covered. The face-verification step credits only segments bracketed by verified snapshots."""

    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="segments")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    seconds = models.FloatField()
    position_from = models.FloatField()
    position_to = models.FloatField()

    class Meta:
        ordering = ["started_at"]
