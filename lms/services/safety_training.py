"""Writes of the enterprise's annual safety training (企业年度安全生产教育培训合格, notice 001): an
enterprise's administrator records that current employees passed it on a date. A record is
evidence: one per enterprise, person and year, never edited; recording the same year again is a
no-op, so a replayed form changes nothing."""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from kernel import audit
from kernel.audit import AuditEventType

from ..errors import ERRORS
from ..models import Employment, Organisation, Person, SafetyTraining, User
from ..rules.dates import year_ago
from .employment import _require_enterprise_admin

MAX_AT_ONCE = 500


def safety_training_record(
    *,
    actor: User,
    enterprise: Organisation,
    person_ids: Iterable[int],
    passed_on: datetime.date | None,
    now: datetime.datetime | None = None,
) -> list[SafetyTraining]:
    """Record the training of `person_ids`, each a current employee of `enterprise`, passed on
    `passed_on` (within the last twelve months, not in the future). Returns the new records (those
    already recorded for that year are left as they are). Refused, writing nothing:
    not_enterprise_admin (403), training_date_invalid, training_nobody, training_too_many,
    training_not_employee (naming the first person who is not)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    _require_enterprise_admin(actor, enterprise)
    if passed_on is None or passed_on > today or passed_on < year_ago(today):
        raise ERRORS.error("training_date_invalid", field="passed_on")
    wanted = list(dict.fromkeys(int(pk) for pk in person_ids))
    if not wanted:
        raise ERRORS.error("training_nobody")
    if len(wanted) > MAX_AT_ONCE:
        raise ERRORS.error("training_too_many", count=MAX_AT_ONCE)
    with transaction.atomic():
        employed = set(
            Employment.objects.filter(enterprise=enterprise, end_date__isnull=True, person_id__in=wanted)
            .values_list("person_id", flat=True)
        )
        if missing := [pk for pk in wanted if pk not in employed]:
            person = Person.objects.filter(pk=missing[0]).first()
            raise ERRORS.error("training_not_employee", name=person.real_name if person else f"#{missing[0]}")
        done = set(
            SafetyTraining.objects.filter(enterprise=enterprise, year=passed_on.year, person_id__in=wanted)
            .values_list("person_id", flat=True)
        )
        records = [
            SafetyTraining(
                enterprise=enterprise, person_id=pk, year=passed_on.year, passed_on=passed_on,
                recorded_by=actor, recorded_at=now,
            )
            for pk in wanted if pk not in done
        ]
        # ignore_conflicts: two administrators recording the same year at once both succeed, once.
        SafetyTraining.objects.bulk_create(records, ignore_conflicts=True)
        if records:
            audit.record(
                event_type=AuditEventType.CREATED, target=enterprise, actor=actor,
                extra={"safety_training": {"year": passed_on.year, "passed_on": passed_on.isoformat(),
                                           "people": [record.person_id for record in records]}},
                now=now,
            )
        return records
