"""Repair online hours credited to the course's first credential by code (issue 16): where the
person holds exactly one of the course's credentials (a valid certificate), the entry moves to it,
the enrolment records it as the credential the study is for, and an audit row says so. Entries of
people who hold none or several of the course's credentials are left for the learner to reassign."""

from django.db import migrations
from django.utils import timezone


def repair(apps, schema_editor):
    HoursEntry = apps.get_model("hours", "HoursEntry")
    Certificate = apps.get_model("hours", "Certificate")
    Enrolment = apps.get_model("hours", "Enrolment")
    CoursePage = apps.get_model("cms", "CoursePage")
    AuditEvent = apps.get_model("kernel", "AuditEvent")
    through = CoursePage.credentials.through
    served: dict[int, set[int]] = {}
    for course_id, credential_id in through.objects.values_list("coursepage_id", "credential_id"):
        served.setdefault(course_id, set()).add(credential_id)
    held: dict[int, set[int]] = {}
    for holder_id, credential_id in Certificate.objects.filter(status="valid").values_list("holder_id", "credential_id"):
        held.setdefault(holder_id, set()).add(credential_id)
    now = timezone.now()
    entries = HoursEntry.objects.filter(source="online_study", progress__isnull=False).select_related(
        "progress__enrolment"
    )
    for entry in entries.iterator():
        enrolment = entry.progress.enrolment
        candidates = served.get(enrolment.course_id, set()) & held.get(entry.person_id, set())
        if len(candidates) != 1:
            continue
        (target,) = candidates
        if entry.credential_id == target:
            continue
        old = entry.credential_id
        HoursEntry.objects.filter(pk=entry.pk).update(credential_id=target)
        if enrolment.credential_id is None:
            Enrolment.objects.filter(pk=enrolment.pk).update(credential_id=target)
        AuditEvent.objects.create(
            event_type="changed",
            actor=None,
            object_type="hours.hoursentry",
            object_id=str(entry.pk),
            old_state=str(old or ""),
            new_state=str(target),
            extra={"field": "credential", "by": "migration hours.0006", "hours": str(entry.hours)},
            created_at=now,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("hours", "0005_enrolment_credential_and_reassignment"),
        ("cms", "0002_coursepage_snapshot_max_seconds_and_more"),
        ("kernel", "0001_audit_and_outbox"),
    ]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
