"""Sittings (考试场次): an authority schedules a sitting of an exam and says who its candidates are.

Only the reviewers of the sitting's authority (and superusers) schedule it and change its
candidates. Candidates are added by ID number, many at once: each value is checked on its own and
the report says which were added and why each other one was skipped. Nothing changes once the
sitting has ended; a candidate who has an attempt stays.
"""

import datetime
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kernel.errors import ERRORS as KERNEL_ERRORS
from kernel.errors import ConflictError
from kernel.validators import normalise_id_number, validate_id_number
from lms.models import Employment, Organisation, OrganisationKind, Person, User

from .. import policies
from ..errors import ERRORS
from ..models import Attempt, Exam, Sitting, SittingCandidate
from .exams import raise_if_bank_too_small
from .papers import exam_requirements

log = logging.getLogger(__name__)

MAX_VENUE = 200
MAX_ID_NUMBERS = 1000
ID_NUMBER_SEPARATORS = re.compile(r"[\s,，、;；]+")


def _require_sitting_manager(actor: User, authority_id: int) -> None:
    if not policies.can_manage_sittings_of(actor, authority_id):
        raise ERRORS.error("not_sitting_manager")


def _sitting_over() -> ConflictError:
    return ERRORS.error("sitting_over")


def sitting_schedule(
    *,
    actor: User,
    exam: Exam,
    authority: Organisation,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    venue: str = "",
    institution: Organisation | None = None,
    now: datetime.datetime | None = None,
) -> Sitting:
    """A new sitting of `exam` held by `authority`. Refusals write nothing: not_sitting_manager
    (403), authority_invalid, institution_invalid, institution_out_of_region, sitting_window_invalid,
    sitting_window_too_short, sitting_in_past, venue_too_long, blueprint_empty (400) and
    bank_too_small (409)."""
    now = now or timezone.now()
    if authority.kind != OrganisationKind.AUTHORITY:
        raise ERRORS.error("authority_invalid")
    _require_sitting_manager(actor, authority.pk)
    if institution is not None:
        if institution.kind != OrganisationKind.INSTITUTION:
            raise ERRORS.error("institution_invalid")
        if not institution.region.path.startswith(authority.region.path):
            raise ERRORS.error("institution_out_of_region", institution=institution.name, authority=authority.name)
    if ends_at <= starts_at:
        raise ERRORS.error("sitting_window_invalid")
    if ends_at - starts_at < datetime.timedelta(minutes=exam.duration_minutes):
        raise ERRORS.error("sitting_window_too_short", minutes=exam.duration_minutes)
    if ends_at <= now:
        raise ERRORS.error("sitting_in_past")
    venue = venue.strip()
    if len(venue) > MAX_VENUE:
        raise ERRORS.error("venue_too_long", count=MAX_VENUE)
    requirements = exam_requirements(exam)
    if not requirements:
        raise ERRORS.error("blueprint_empty")
    raise_if_bank_too_small(exam.credential_id, requirements)
    sitting = Sitting.objects.create(
        exam=exam, authority=authority, institution=institution, venue=venue, starts_at=starts_at, ends_at=ends_at
    )
    log.info("sitting %s of exam %s scheduled for authority %s by user %s", sitting.pk, exam.pk, authority.pk, actor.pk)
    return sitting


@dataclass(frozen=True)
class SkippedIdNumber:
    value: str  # as typed, normalised (spaces removed, x upper-case)
    code: str
    message: str


@dataclass
class CandidatesReport:
    added: list[Person] = field(default_factory=list)
    skipped: list[SkippedIdNumber] = field(default_factory=list)


def split_id_numbers(text: str | Iterable[str]) -> list[str]:
    """ID numbers from text with one per line or separated by commas, semicolons or spaces."""
    if isinstance(text, str):
        values = ID_NUMBER_SEPARATORS.split(text)
    else:
        values = [value for item in text for value in ID_NUMBER_SEPARATORS.split(item or "")]
    return [normalise_id_number(value) for value in values if value.strip()]


def sitting_candidates_add(
    *, actor: User, sitting: Sitting, id_numbers: str | Iterable[str], now: datetime.datetime | None = None
) -> CandidatesReport:
    """Add the people with these ID numbers as candidates. Each value is added or skipped with a
    code: the validator's (id_number_format, id_number_region, id_number_birth_date,
    id_number_check), person_unknown (nobody registered with it), duplicate_in_list,
    already_candidate, candidate_not_employed or employed_elsewhere (working outside the
    authority's region). The regular way onto a sitting is an approved application. Refused whole, writing nothing: not_sitting_manager (403),
    id_numbers_missing, too_many_id_numbers (400), sitting_over (409)."""
    now = now or timezone.now()
    _require_sitting_manager(actor, sitting.authority_id)
    values = split_id_numbers(id_numbers)
    if not values:
        raise ERRORS.error("id_numbers_missing")
    if len(values) > MAX_ID_NUMBERS:
        raise ERRORS.error("too_many_id_numbers", count=MAX_ID_NUMBERS)
    report = CandidatesReport()
    with transaction.atomic():
        # The sitting's row is the lock under which its candidate list changes.
        locked = Sitting.objects.select_for_update().get(pk=sitting.pk)
        if now >= locked.ends_at:
            raise _sitting_over()
        valid: list[str] = []
        seen: set[str] = set()
        for value in values:
            if value in seen:
                report.skipped.append(SkippedIdNumber(value, **ERRORS.row("duplicate_in_list")))
                continue
            seen.add(value)
            try:
                validate_id_number(value)
            except ValidationError as error:
                # The kernel's validator says why: id_number_format, id_number_check...
                report.skipped.append(SkippedIdNumber(value, **KERNEL_ERRORS.row(error.code)))
                continue
            valid.append(value)
        people = {person.id_number: person for person in Person.objects.filter(id_number__in=valid)}
        # Only people working for an enterprise of the authority's region: a pasted number is not
        # an application, but it must not seat an unemployed person or another city's worker.
        employers = dict(
            Employment.objects.filter(person__id_number__in=valid, end_date__isnull=True).values_list(
                "person__id_number", "enterprise__region__path"
            )
        )
        region = Organisation.objects.filter(pk=locked.authority_id).values_list("region__path", flat=True).first() or ""
        already = set(
            SittingCandidate.objects.filter(sitting=locked, person__id_number__in=valid).values_list("person__id_number", flat=True)
        )
        for value in valid:
            person = people.get(value)
            if person is None:
                report.skipped.append(SkippedIdNumber(value, **ERRORS.row("person_unknown")))
            elif value in already:
                report.skipped.append(SkippedIdNumber(value, **ERRORS.row("already_candidate")))
            elif value not in employers:
                report.skipped.append(SkippedIdNumber(value, **ERRORS.row("candidate_not_employed")))
            elif not employers[value].startswith(region):
                report.skipped.append(SkippedIdNumber(value, **ERRORS.row("employed_elsewhere")))
            else:
                report.added.append(person)
        SittingCandidate.objects.bulk_create(SittingCandidate(sitting=locked, person=person) for person in report.added)
    log.info(
        "sitting %s: %d candidates added, %d skipped by user %s", sitting.pk, len(report.added), len(report.skipped), actor.pk
    )
    return report


def sitting_candidate_remove(
    *, actor: User, sitting: Sitting, person: Person, now: datetime.datetime | None = None
) -> None:
    """Take a candidate off a sitting before they begin an attempt. Refusals write nothing:
    not_sitting_manager (403), candidate_not_found (404), sitting_over, candidate_has_attempt (409)."""
    now = now or timezone.now()
    _require_sitting_manager(actor, sitting.authority_id)
    with transaction.atomic():
        locked = Sitting.objects.select_for_update().get(pk=sitting.pk)
        if now >= locked.ends_at:
            raise _sitting_over()
        # The enrolment's lock is the one attempt_create takes: an attempt begun at this instant
        # either waits for the removal (and is refused) or makes the removal wait (and refuse).
        enrolment = SittingCandidate.objects.select_for_update().filter(sitting=locked, person=person).first()
        if enrolment is None:
            raise ERRORS.error("candidate_not_found")
        if Attempt.objects.filter(sitting=locked, candidate=person).exists():
            raise ERRORS.error("candidate_has_attempt")
        enrolment.delete()
    log.info("sitting %s: candidate %s removed by user %s", sitting.pk, person.pk, actor.pk)
