"""What the platform holds about a person, and until when (PIPL): the page of retention tiers and
the person's own data export. Reads only; the tiers are settings (kaohe/settings.py)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from hours.models import Certificate, Enrolment, HoursEntry, StudySession
from lms.models import Person
from proctor.models import BiometricConsent, CaptureLogEntry, FaceReference, Snapshot

from ..models import Attempt, Review


@dataclass(frozen=True)
class Kept:
    what: str
    count: int
    until: str


def kept_of(person: Person) -> list[Kept]:
    days = settings.SNAPSHOT_RETENTION_DAYS
    snapshots = Snapshot.objects.filter(person=person, purged_at__isnull=True).exclude(image="")
    oldest = snapshots.order_by("received_at").values_list("received_at", flat=True).first()
    held = snapshots.filter(held_until__isnull=False).count()
    first_purge = (oldest + datetime.timedelta(days=days)).date().isoformat() if oldest else "—"
    return [
        Kept(_("Snapshot images (study and exams)"), snapshots.count(),
             _("%(days)s days after each was taken (the first on %(date)s); longer while under review or appeal (%(held)s now)")
             % {"days": days, "date": first_purge, "held": held}),
        Kept(_("Face templates and reference photos"), FaceReference.objects.filter(person=person, retired_at__isnull=True).exclude(image="").count(),
             _("Until you withdraw your consent or close your account")),
        Kept(_("Snapshot records, hashes and decisions"), Snapshot.objects.filter(person=person).count(),
             _("Kept: they are the evidence behind your hours and exams")),
        Kept(_("Capture-log entries"), CaptureLogEntry.objects.filter(person=person).count(),
             _("Kept: the log is append-only and signed")),
        Kept(_("Hours ledger lines"), HoursEntry.objects.filter(person=person).count(), _("Kept")),
        Kept(_("Exam attempts"), Attempt.objects.filter(candidate=person).count(), _("Kept")),
        Kept(_("Certificates"), Certificate.objects.filter(holder=person).count(), _("Kept")),
    ]


def data_of(person: Person) -> dict:
    """Everything about the person, as JSON-ready data (images are named by their SHA-256)."""
    return {
        "person": {"real_name": person.real_name, "id_number": person.id_number, "mobile": person.mobile,
                   "registered_at": person.created_at},
        "consents": list(BiometricConsent.objects.filter(person=person).values()),
        "face_references": list(FaceReference.objects.filter(person=person).values("id", "source", "sha256", "created_at", "retired_at")),
        "enrolments": list(Enrolment.objects.filter(person=person).values("course__title", "source", "enrolled_at", "completed_at")),
        "study_sessions": list(StudySession.objects.filter(person=person).values("id", "status", "started_at", "ended_at", "counted_seconds")),
        "snapshots": list(Snapshot.objects.filter(person=person).values(
            "id", "context_kind", "context_id", "sha256", "received_at", "decision", "reviewed_decision", "purged_at")),
        "hours": list(HoursEntry.objects.filter(person=person).values("hours", "earned_on", "source", "category", "reason", "evidence")),
        "attempts": list(Attempt.objects.filter(candidate=person).values("id", "sitting__exam__title", "status", "score", "passed", "submitted_at")),
        "certificates": list(Certificate.objects.filter(holder=person).values("number", "credential__name", "status", "issued_on", "expires_on")),
        "reviews": list(Review.objects.filter(person=person).values("id", "kind", "status", "reason", "decided_at", "appeal_statement")),
        "capture_log": list(CaptureLogEntry.objects.filter(person=person).order_by("id").values("id", "kind", "subject", "payload", "created_at", "hash")),
    }
