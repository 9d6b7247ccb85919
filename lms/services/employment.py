"""Writes for employment: an enterprise invites a person, who confirms (an employment by name and ID
number alone is never made); a person employed elsewhere becomes a personnel change request that an
authority approves; an enterprise ends its employees' employment. Periods never overlap."""

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from kernel import audit
from kernel.audit import AuditEventType
from kernel.events import after_commit
from kernel.reasons import reason_clean
from kernel.validators import validate_id_number

from ..errors import ERRORS
from ..models import (
    EMPLOYMENT_REQUEST_MACHINE,
    OPEN_REQUEST_STATUSES,
    Employment,
    EmploymentRequest,
    EmploymentRequestStatus,
    Organisation,
    OrganisationKind,
    Person,
    User,
)
from ..policies import can_decide_change_request, can_manage_employees
from ._fields import validated

log = logging.getLogger(__name__)
S = EmploymentRequestStatus


def _require_enterprise_admin(actor: User, enterprise: Organisation) -> None:
    if not can_manage_employees(actor, enterprise):
        raise ERRORS.error("not_enterprise_admin")


def employment_start(
    *,
    actor: User,
    person: Person,
    enterprise: Organisation,
    start_date: datetime.date,
    position: str = "",
) -> Employment:
    """Record that a person works for an enterprise from a date on (demo data, administrators' tools).
    The enterprise's pages and the API never call it: they invite (employee_add) and the person
    accepts."""
    if enterprise.kind != OrganisationKind.ENTERPRISE:
        raise ERRORS.error("not_an_enterprise")
    _require_enterprise_admin(actor, enterprise)
    with transaction.atomic():
        return _employment_create(person=person, enterprise=enterprise, start_date=start_date, position=position)


def _employment_create(
    *, person: Person, enterprise: Organisation, start_date: datetime.date, position: str = ""
) -> Employment:
    """A new current employment, in the caller's transaction.

    A person has at most one current employer and periods never overlap: a change of employer is
    the old employment ended, then a new one started after that end.
    """
    if start_date > timezone.localdate():
        raise ERRORS.error("start_date_future", field="start_date")
    # Lock the person so that two concurrent changes cannot both pass the overlap check.
    Person.objects.select_for_update().get(pk=person.pk)
    periods = list(Employment.objects.filter(person=person).select_related("enterprise"))
    current = next((period for period in periods if period.is_current), None)
    if current is not None:
        if current.enterprise_id == enterprise.pk:
            raise ERRORS.error("already_employed")
        raise ERRORS.error("employment_overlap", enterprise=current.enterprise.name)
    overlapped = next((period for period in periods if period.end_date >= start_date), None)
    if overlapped is not None:
        raise ERRORS.error("employment_overlap", field="start_date", enterprise=overlapped.enterprise.name)
    return Employment.objects.create(
        person=person, enterprise=enterprise, start_date=start_date, position=(position or "").strip()
    )


def employee_add(
    *,
    actor: User,
    enterprise: Organisation,
    id_number: str,
    real_name: str,
    start_date: datetime.date,
    position: str = "",
    now: datetime.datetime | None = None,
) -> EmploymentRequest:
    """添加在职人员: an enterprise invites a registered person, identified by ID number and real name.
    No employment exists until the person accepts (and, when they work for another enterprise, an
    authority approves the change): a name and an ID number alone never attach anyone."""
    if enterprise.kind != OrganisationKind.ENTERPRISE:
        raise ERRORS.error("not_an_enterprise")
    _require_enterprise_admin(actor, enterprise)
    id_number = validated("id_number", validate_id_number, id_number)
    if start_date > timezone.localdate():
        raise ERRORS.error("start_date_future", field="start_date")
    person = Person.objects.filter(id_number=id_number, real_name=(real_name or "").strip()).first()
    if person is None:
        # The same answer for an unknown number and a wrong name, so the form cannot probe who is registered.
        raise ERRORS.error("person_not_found", field="id_number")
    now = now or timezone.now()
    with transaction.atomic():
        Person.objects.select_for_update().get(pk=person.pk)
        periods = list(Employment.objects.filter(person=person))
        if any(period.is_current and period.enterprise_id == enterprise.pk for period in periods):
            raise ERRORS.error("already_employed")
        if any(not period.is_current and period.end_date >= start_date for period in periods):
            raise ERRORS.error("start_in_earlier_employment", field="start_date")
        if EmploymentRequest.objects.filter(
            person=person, enterprise=enterprise, status__in=OPEN_REQUEST_STATUSES
        ).exists():
            raise ERRORS.error("employment_request_exists")
        request = EmploymentRequest.objects.create(
            person=person,
            enterprise=enterprise,
            start_date=start_date,
            position=(position or "").strip(),
            created_by=actor,
            created_at=now,
        )
        audit.record(
            event_type=AuditEventType.CREATED, target=request, actor=actor, new_state=request.status,
            extra={"enterprise": enterprise.pk, "person": person.pk, "start_date": start_date}, now=now,
        )
    return request


# The one transition function of EMPLOYMENT_REQUEST_MACHINE and the moves each party makes --------


def employment_request_transition(
    *, actor: User, request: EmploymentRequest, to: str, reason: str = "", now: datetime.datetime | None = None
) -> EmploymentRequest:
    """The one place a request's status changes: locks it, checks who may make the move and the move
    against the machine, changes the employment records the move implies (in the same transaction),
    stamps the time and writes the audit rows. A replayed move finds the request already moved and
    is refused (employment_request_move_illegal): nothing happens twice."""
    now = now or timezone.now()
    with transaction.atomic():
        # Always the person first, then the request: every writer of a person's employment takes
        # the locks in this order, so two moves at once wait for each other and never deadlock.
        list(Person.objects.select_for_update().filter(pk=request.person_id).values_list("pk", flat=True))
        request = (
            EmploymentRequest.objects.select_for_update()
            .select_related("person", "enterprise__region")
            .get(pk=request.pk)
        )
        _require_party(actor, request, to)
        source = request.status
        EMPLOYMENT_REQUEST_MACHINE.check(source, to)
        extra: dict = {}
        if to == S.REJECTED:
            reason = reason_clean(reason)
        else:
            reason = reason_clean(reason, required=False)
        fields = ["status"]
        if to in (S.ACCEPTED, S.REVIEW, S.DECLINED):
            request.responded_at = now
            fields.append("responded_at")
        if to in (S.APPROVED, S.REJECTED, S.CANCELLED):
            request.decided_by = actor
            request.decided_at = now
            request.reason = reason
            fields += ["decided_by", "decided_at", "reason"]
        if to == S.ACCEPTED:
            request.employment = _employment_create(
                person=request.person, enterprise=request.enterprise,
                start_date=request.start_date, position=request.position,
            )
            fields.append("employment")
            _audit_employment_created(request.employment, actor, request, now)
        elif to == S.REVIEW:
            request.previous_employment = _current_elsewhere(request)
            fields.append("previous_employment")
            extra["previous_enterprise"] = request.previous_employment.enterprise_id
        elif to == S.APPROVED:
            request.employment = _change_apply(request, actor, now)
            fields.append("employment")
        request.status = to
        request.save(update_fields=fields)
        audit.record(
            event_type=AuditEventType.DECIDED if to in (S.APPROVED, S.REJECTED) else AuditEventType.STATUS_CHANGED,
            target=request, actor=actor, old_state=source, new_state=to,
            extra={**extra, "reason": reason} if reason else extra, now=now,
        )
        pk = request.pk
        after_commit(lambda: log.info("employment request %s: %s -> %s", pk, source, to))
    return request


def _require_party(actor: User, request: EmploymentRequest, to: str) -> None:
    """The person answers, the inviting enterprise cancels, an authority of its region decides."""
    if to in (S.ACCEPTED, S.REVIEW, S.DECLINED):
        if request.person.user_id != actor.pk:
            raise ERRORS.error("employment_request_not_yours")
    elif to == S.CANCELLED:
        _require_enterprise_admin(actor, request.enterprise)
    elif not can_decide_change_request(actor, request.enterprise):
        raise ERRORS.error("not_change_reviewer")


def _current_elsewhere(request: EmploymentRequest) -> Employment:
    """The person's current employment at another enterprise, which the change would end; its start
    must come before the new one's."""
    # The row is locked so that the old enterprise ending it at the same moment waits (employment_end).
    current = (
        Employment.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .filter(person_id=request.person_id, end_date__isnull=True)
        .first()
    )
    if current is None:
        raise ERRORS.error("employment_changed")
    if current.enterprise_id == request.enterprise_id:
        raise ERRORS.error("already_employed")
    if request.start_date <= current.start_date:
        raise ERRORS.error("change_before_current_start", enterprise=current.enterprise.name)
    return current


def _change_apply(request: EmploymentRequest, actor: User, now: datetime.datetime) -> Employment:
    """人员变更审核 approved: the old employment ends the day before the new one starts, and the new
    one starts, in the caller's transaction (one transaction: both or neither)."""
    current = _current_elsewhere(request)
    if current.pk != request.previous_employment_id:
        raise ERRORS.error("employment_changed")
    current.end_date = request.start_date - datetime.timedelta(days=1)
    current.save(update_fields=["end_date"])
    audit.record(
        event_type=AuditEventType.CHANGED, target=current, actor=actor, old_state="current", new_state="ended",
        extra={"end_date": current.end_date, "employment_request": request.pk}, now=now,
    )
    employment = _employment_create(
        person=request.person, enterprise=request.enterprise, start_date=request.start_date, position=request.position
    )
    _audit_employment_created(employment, actor, request, now)
    return employment


def _audit_employment_created(employment: Employment, actor: User, request: EmploymentRequest, now) -> None:
    audit.record(
        event_type=AuditEventType.CREATED, target=employment, actor=actor, new_state="current",
        extra={"enterprise": employment.enterprise_id, "start_date": employment.start_date, "employment_request": request.pk},
        now=now,
    )


def employment_request_accept(*, actor: User, request: EmploymentRequest) -> EmploymentRequest:
    """The invited person accepts: the employment starts, or, while they work for another
    enterprise, the request goes to the authority as a personnel change request."""
    with transaction.atomic():
        # The person's row is locked first, so the choice below holds until the move is written.
        list(Person.objects.select_for_update().filter(pk=request.person_id).values_list("pk", flat=True))
        current = Employment.objects.filter(person_id=request.person_id, end_date__isnull=True).first()
        elsewhere = current is not None and current.enterprise_id != request.enterprise_id
        return employment_request_transition(actor=actor, request=request, to=S.REVIEW if elsewhere else S.ACCEPTED)


def employment_request_decline(*, actor: User, request: EmploymentRequest) -> EmploymentRequest:
    return employment_request_transition(actor=actor, request=request, to=S.DECLINED)


def employment_request_cancel(*, actor: User, request: EmploymentRequest) -> EmploymentRequest:
    return employment_request_transition(actor=actor, request=request, to=S.CANCELLED)


def employment_request_approve(*, actor: User, request: EmploymentRequest) -> EmploymentRequest:
    return employment_request_transition(actor=actor, request=request, to=S.APPROVED)


def employment_request_reject(*, actor: User, request: EmploymentRequest, reason: str) -> EmploymentRequest:
    return employment_request_transition(actor=actor, request=request, to=S.REJECTED, reason=reason)


def employment_end(*, actor: User, employment: Employment, end_date: datetime.date) -> Employment:
    _require_enterprise_admin(actor, employment.enterprise)
    with transaction.atomic():
        employment = Employment.objects.select_for_update().get(pk=employment.pk)
        if not employment.is_current:
            raise ERRORS.error("employment_already_ended")
        if end_date < employment.start_date:
            raise ERRORS.error("end_before_start", field="end_date")
        if end_date > timezone.localdate():
            raise ERRORS.error("end_date_future", field="end_date")
        employment.end_date = end_date
        employment.save(update_fields=["end_date"])
    return employment
