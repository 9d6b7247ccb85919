"""Writes of applications (报名): apply, verify and submit (the enterprise), approve or reject (the
authority, one by one or in bulk), print the ticket, withdraw (退考) and cancel.

Every move goes through `application_transition`: it locks the row, checks APPLICATION_MACHINE,
writes the audit row, and keeps the sitting's candidate list in step (an approval seats the
candidate under the sitting's lock, so capacity is never exceeded; a withdrawal or cancellation
frees the seat). Effects after commit: a log line and the `exam.application_moved` event.
Eligibility is checked when an application is made and again at review."""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone

from kernel import audit
from kernel.audit import AuditEventType
from kernel.errors import DomainError
from kernel.events import after_commit
from kernel.reasons import reason_clean
from kernel.validators import validate_mobile
from lms.models import Credential, Organisation, OrganisationKind, Person, User
from lms.rules.documents import sniff_document
from lms.services.safety_training import safety_training_record

from .. import policies
from ..errors import ERRORS
from ..models import (
    ACTIVE,
    APPLICATION_MACHINE,
    Application,
    ApplicationPath,
    ApplicationStatus,
    Attempt,
    Sitting,
    SittingCandidate,
    path_allows,
)
from ..rules import admission
from ..selectors import applications as reads

log = logging.getLogger(__name__)
S = ApplicationStatus
MAX_BULK = 1000
PROOF_MAX_BYTES = 5 * 1024 * 1024


def _failures_error(found: list[admission.Failure]) -> DomainError | None:
    """All failed rules at once: the first one's code, every rule's sentence."""
    if not found:
        return None
    messages = [ERRORS.message(failure.code, **failure.params) for failure in found]
    return ERRORS.error(found[0].code, message="；".join(messages), details={"failures": [f.code for f in found]})


def _raise_failures(found: list[admission.Failure]) -> None:
    if error := _failures_error(found):
        raise error


def _check_eligible(application_or_none, *, person, credential, enterprise, sitting, now, training_later=False) -> None:
    facts = reads.eligibility_facts(
        person=person, credential=credential, enterprise=enterprise, sitting=sitting,
        today=timezone.localdate(now), exclude_id=getattr(application_or_none, "pk", None),
        training_later=training_later,
    )
    _raise_failures(admission.failures(facts, timezone.localdate(now)))


def _check_sitting_open(sitting: Sitting, credential: Credential, now: datetime.datetime) -> None:
    if not sitting.open_for_applications or sitting.starts_at <= now:
        raise ERRORS.error("sitting_not_open_for_applications")
    if sitting.applications_close_at is not None and sitting.applications_close_at <= now:
        raise ERRORS.error("applications_closed")
    if sitting.exam.credential_id != credential.pk:
        raise ERRORS.error("sitting_wrong_kind")


def _check_capacity(sitting: Sitting) -> None:
    if sitting.capacity is not None and reads.seats_taken(sitting) >= sitting.capacity:
        raise ERRORS.error("sitting_full")


# The one transition function --------------------------------------------------------------------


def application_transition(
    *,
    application: Application,
    to: str,
    actor: User | None,
    reason: str = "",
    changes: dict | None = None,
    now: datetime.datetime | None = None,
    plan=None,
) -> Application:
    """Move one application (applications_transition for one): raises its refusal."""
    moved, refused = applications_transition(
        applications=[application], to=to, actor=actor, reason=reason, changes=changes, now=now, plan=plan
    )
    if refused:
        raise refused[0][1]
    application.status = moved[0].status
    return moved[0]


def applications_transition(
    *,
    applications: list[Application],
    to: str,
    actor: User | None,
    reason: str = "",
    changes: dict | None = None,
    now: datetime.datetime | None = None,
    plan=None,
) -> tuple[list[Application], list[tuple[int, DomainError]]]:
    """Move applications: the one place their status changes. Must run inside the caller's
    transaction. Locks the rows (in id order, so that two batches never deadlock), checks each
    move, stamps the time, seats or unseats the candidate (each sitting locked once, see _Seats),
    then writes the moved rows in one UPDATE, the sitting's new candidates and the audit rows in
    one INSERT each, and schedules the effects after commit. Returns the moved rows and, for each
    refused one, its id and error; a refused row is left as it was.

    The path narrows the machine (models.applications.path_allows). On the institution path an
    application is approved only by the approval of its exam plan: `plan` is that plan, and only
    the plan's own applications move; `changes` (such as the plan's new sitting) are set before
    the seat is given."""
    now = now or timezone.now()
    wanted = list(dict.fromkeys(application.pk for application in applications))
    locked = Application.objects.select_for_update().order_by("pk").in_bulk(wanted)
    seats = _Seats(now)
    moved: list[Application] = []
    refused: list[tuple[int, DomainError]] = []
    trail = []
    for pk in wanted:
        row = locked[pk]
        source = row.status
        try:
            if source == S.PRINTED and to in (S.WITHDRAWN, S.CANCELLED):
                raise ERRORS.error("ticket_printed")
            APPLICATION_MACHINE.check(source, to)
            if not path_allows(row.path, source, to) or (
                row.path == ApplicationPath.INSTITUTION and to == S.APPROVED
                and (plan is None or row.plan_id != plan.pk)
            ):
                raise ERRORS.error(
                    "application_move_illegal", details={"from": source, "to": to},
                    **{"from": APPLICATION_MACHINE.label(source), "to": APPLICATION_MACHINE.label(to)},
                )
            for name, value in (changes or {}).items():
                setattr(row, name, value)
            if to == S.APPROVED:
                seats.seat(row)
            if to in (S.WITHDRAWN, S.CANCELLED) and row.seat is not None:
                _unseat(row)
        except DomainError as error:
            refused.append((pk, error))
            continue
        if to == S.ENTERPRISE_SUBMITTED:
            row.enterprise_submitted_at = now
        elif to == S.INSTITUTION_ACCEPTED:
            row.accepted_at = now
        elif to == S.INSURANCE_CHECKED and source == S.INSTITUTION_ACCEPTED:
            row.insurance_checked_at, row.insurance_checked_by = now, actor
        elif to in (S.APPROVED, S.REJECTED):
            row.decided_at, row.decided_by, row.reason = now, actor, reason
        elif to == S.PRINTED:
            row.printed_at = now
        elif to in (S.WITHDRAWN, S.CANCELLED):
            row.closed_at, row.reason = now, reason
        row.status = to
        moved.append(row)
        trail.append(audit.entry(
            event_type=AuditEventType.STATUS_CHANGED, target=row, actor=actor, old_state=source, new_state=to,
            extra={
                "reason": reason, "sitting": row.sitting_id, "seat": row.seat, "ticket": row.ticket_number,
                **({"plan": row.plan_id} if row.path == ApplicationPath.INSTITUTION else {}),
            },
            now=now,
        ))
    if moved:
        Application.objects.bulk_update(moved, sorted(_MOVED_FIELDS | set(changes or ())))
        seats.save()
        audit.record_all(trail)
    moves = [(row.pk, trail_row.old_state) for row, trail_row in zip(moved, trail)]

    def effects() -> None:
        for pk, source in moves:
            log.info("application %s: %s -> %s by user %s", pk, source, to, getattr(actor, "pk", None))

    if moves:
        after_commit(effects)
    return moved, refused


# What a move may change on the row, written by the one UPDATE of applications_transition.
_MOVED_FIELDS = frozenset({
    "status", "enterprise_submitted_at", "decided_at", "decided_by", "reason", "printed_at", "closed_at",
    "seat", "ticket_number", "accepted_at", "insurance_checked_at", "insurance_checked_by",
})


class _Seats:
    """Seats given in one transition: each sitting is locked (its row, FOR UPDATE) and counted
    once, so that two approvals for the last seat queue and the second finds the sitting full,
    and a batch of a thousand costs one lock and one count, not a thousand."""

    def __init__(self, now: datetime.datetime):
        self.now = now
        self.sittings: dict[int, list] = {}  # id -> [sitting, seats taken, last seat number]
        self.candidates: list[SittingCandidate] = []

    def seat(self, application: Application) -> None:
        if application.sitting_id is None:
            raise ERRORS.error("sitting_required")
        state = self.sittings.get(application.sitting_id)
        if state is None:
            sitting = Sitting.objects.select_for_update().select_related("exam").get(pk=application.sitting_id)
            seated = Application.objects.filter(sitting=sitting, seat__isnull=False).aggregate(n=Count("pk"), m=Max("seat"))
            state = self.sittings[sitting.pk] = [sitting, seated["n"], seated["m"] or 0]
        sitting, taken, last = state
        if self.now >= sitting.ends_at:
            raise ERRORS.error("sitting_over")
        if sitting.capacity is not None and taken >= sitting.capacity:
            raise ERRORS.error("sitting_full")
        state[1], state[2] = taken + 1, last + 1
        application.seat = last + 1
        application.ticket_number = f"{sitting.pk:05d}{application.pk:08d}"
        self.candidates.append(SittingCandidate(sitting=sitting, person_id=application.candidate_id))

    def save(self) -> None:
        # The candidate may be on the list already (seated by an earlier application): kept once.
        SittingCandidate.objects.bulk_create(self.candidates, ignore_conflicts=True)


def _unseat(application: Application) -> None:
    if Attempt.objects.filter(sitting_id=application.sitting_id, candidate_id=application.candidate_id).exists():
        raise ERRORS.error("candidate_has_attempt")
    SittingCandidate.objects.filter(sitting_id=application.sitting_id, person_id=application.candidate_id).delete()
    application.seat = None
    application.ticket_number = None


# The candidate ----------------------------------------------------------------------------------


def _person_of(actor: User) -> Person:
    person = getattr(actor, "person", None)
    if person is None:
        raise ERRORS.error("not_a_person")
    return person


def application_apply(
    *,
    actor: User,
    credential: Credential | None,
    sitting: Sitting | None = None,
    institution: Organisation | None = None,
    now: datetime.datetime | None = None,
) -> Application:
    """The candidate applies: for a published sitting (Jilin), for a kind of exam through their
    current employer (Guangdong), who verifies and chooses the sitting, or for a kind of exam
    through a training institution of their choice (Qinghai), which reviews it; the social
    insurance is then checked by an authority of the employer's region (the application's
    region_path). Refused, writing nothing:
    not_a_person, credential_invalid, no_employer, institution_invalid, sitting_not_open_for_applications,
    applications_closed, sitting_wrong_kind, sitting_full, application_exists, and each failed
    eligibility rule."""
    now = now or timezone.now()
    person = _person_of(actor)
    if sitting is not None:
        credential = sitting.exam.credential
    if credential is None:
        raise ERRORS.error("credential_invalid", field="credential")
    enterprise = None
    if sitting is not None:
        _check_sitting_open(sitting, credential, now)
        _check_capacity(sitting)
        path, region_path = ApplicationPath.SITTING, sitting.authority.region.path
    elif institution is not None:
        if institution.kind != OrganisationKind.INSTITUTION:
            raise ERRORS.error("institution_invalid", field="institution")
        employer_id = reads.current_employer_id(person)
        if employer_id is None:
            raise ERRORS.error("no_employer")
        enterprise = Organisation.objects.select_related("region").get(pk=employer_id)
        path, region_path = ApplicationPath.INSTITUTION, enterprise.region.path
    else:
        employer_id = reads.current_employer_id(person)
        if employer_id is None:
            raise ERRORS.error("no_employer")
        enterprise = Organisation.objects.select_related("region").get(pk=employer_id)
        path, region_path = ApplicationPath.ENTERPRISE, enterprise.region.path
    if Application.objects.filter(candidate=person, credential=credential, status__in=ACTIVE).exists():
        raise ERRORS.error("application_exists")
    # On the Guangdong path the enterprise attests its annual safety training when it verifies.
    _check_eligible(
        None, person=person, credential=credential, enterprise=enterprise, sitting=sitting, now=now,
        training_later=path == ApplicationPath.ENTERPRISE,
    )
    try:
        with transaction.atomic():
            application = Application.objects.create(
                candidate=person, credential=credential, path=path, enterprise=enterprise, sitting=sitting,
                institution=institution if path == ApplicationPath.INSTITUTION else None,
                region_path=region_path, status=S.SUBMITTED, submitted_at=now,
            )
            audit.record(
                event_type=AuditEventType.CREATED, target=application, actor=actor, new_state=S.SUBMITTED,
                extra={
                    "path": path, "credential": credential.code, "sitting": getattr(sitting, "pk", None),
                    "institution": getattr(institution, "pk", None),
                }, now=now,
            )
    except IntegrityError:
        # Another application of the same kind won the race.
        raise ERRORS.error("application_exists")
    return application


def application_withdraw(*, actor: User, application: Application, now: datetime.datetime | None = None) -> Application:
    """退考: the candidate withdraws, until the ticket has been printed once (ticket_printed)."""
    person = _person_of(actor)
    if application.candidate_id != person.pk:
        raise ERRORS.error("application_not_found")
    with transaction.atomic():
        return application_transition(application=application, to=S.WITHDRAWN, actor=actor, now=now)


def ticket_print(*, actor: User, application: Application, now: datetime.datetime | None = None) -> Application:
    """The candidate downloads the ticket: the first download moves an approved application to
    printed, after which it can no longer be withdrawn or cancelled. Refused: ticket_not_ready."""
    person = _person_of(actor)
    if application.candidate_id != person.pk:
        raise ERRORS.error("application_not_found")
    if application.status == S.PRINTED:
        return application
    if application.status != S.APPROVED:
        raise ERRORS.error("ticket_not_ready")
    with transaction.atomic():
        return application_transition(application=application, to=S.PRINTED, actor=actor, now=now)


# The enterprise ---------------------------------------------------------------------------------


def application_verify(
    *,
    actor: User,
    application: Application,
    handler_name: str,
    handler_mobile: str,
    sitting: Sitting | None,
    insurance_proof: bytes | None = None,
    safety_trained_on: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> Application:
    """The enterprise verifies the candidate's archive, fills in the handler (经办人), uploads the
    social-insurance proof when the platform has none on record, attests its annual safety
    training (`safety_trained_on`, recorded through lms.services.safety_training unless already on
    record), chooses the sitting period and submits. Refused, changing nothing: not_application_enterprise (403), handler_name_required,
    handler_mobile_invalid, sitting_required, sitting_out_of_region, the sitting's refusals,
    insurance_proof_required, proof_type_invalid, proof_too_large, training_date_invalid and each
    failed rule."""
    now = now or timezone.now()
    if not policies.can_verify_application(actor, application):
        raise ERRORS.error("not_application_enterprise")
    handler_name = (handler_name or "").strip()
    if not handler_name or len(handler_name) > 50:
        raise ERRORS.error("handler_name_required", field="handler_name")
    try:
        handler_mobile = validate_mobile(handler_mobile or "")
    except ValidationError:
        raise ERRORS.error("handler_mobile_invalid", field="handler_mobile")
    if sitting is None:
        raise ERRORS.error("sitting_required", field="sitting")
    enterprise = application.enterprise
    _check_sitting_open(sitting, application.credential, now)
    if not enterprise.region.path.startswith(sitting.authority.region.path):
        raise ERRORS.error("sitting_out_of_region", field="sitting")
    _check_capacity(sitting)
    proof = None
    if insurance_proof:
        if len(insurance_proof) > PROOF_MAX_BYTES:
            raise ERRORS.error("proof_too_large", field="insurance_proof", mb=PROOF_MAX_BYTES // (1024 * 1024))
        proof_type = sniff_document(insurance_proof)
        if proof_type is None:
            raise ERRORS.error("proof_type_invalid", field="insurance_proof")
        proof = (insurance_proof, proof_type)
    elif not application.insurance_proof and not reads.insurance_on_record(
        application.candidate, enterprise, timezone.localdate(now)
    ):
        raise ERRORS.error("insurance_proof_required", field="insurance_proof")
    with transaction.atomic():
        if safety_trained_on is not None:
            # The enterprise attests its annual safety training here; refused with the rest if any
            # rule fails, since the whole verification is one transaction.
            safety_training_record(
                actor=actor, enterprise=enterprise, person_ids=[application.candidate_id], passed_on=safety_trained_on, now=now
            )
        _check_eligible(
            application, person=application.candidate, credential=application.credential, enterprise=enterprise,
            sitting=sitting, now=now,
        )
        changes = {"handler_name": handler_name, "handler_mobile": handler_mobile, "sitting": sitting}
        if proof is not None:
            stored = Application(pk=application.pk)
            stored.insurance_proof.save("proof", ContentFile(proof[0]), save=False)
            changes.update(insurance_proof=stored.insurance_proof.name, insurance_proof_type=proof[1])
        return application_transition(application=application, to=S.ENTERPRISE_SUBMITTED, actor=actor, changes=changes, now=now)


# The authority ----------------------------------------------------------------------------------


def application_decide(
    *, actor: User, application: Application, approve: bool, reason: str = "", now: datetime.datetime | None = None
) -> Application:
    """An authority of the application's region approves (eligibility checked again, a seat given
    under the sitting's lock) or rejects with a reason. An application through an enterprise is
    reviewed once the enterprise has submitted it."""
    now = now or timezone.now()
    if not policies.can_review_application(actor, application):
        raise ERRORS.error("not_application_reviewer")
    if application.path == ApplicationPath.INSTITUTION:
        # Reviewed by the institution, checked for insurance, approved with its exam plan.
        target = S.APPROVED if approve else S.REJECTED
        raise ERRORS.error("application_move_illegal", **{"from": APPLICATION_MACHINE.label(application.status), "to": APPLICATION_MACHINE.label(target)})
    if application.path == ApplicationPath.ENTERPRISE and application.status == S.SUBMITTED and approve:
        raise ERRORS.error("application_move_illegal", **{"from": APPLICATION_MACHINE.label(S.SUBMITTED), "to": APPLICATION_MACHINE.label(S.APPROVED)})
    reason = reason_clean(reason, required=not approve)
    if approve:
        _check_eligible(
            application, person=application.candidate, credential=application.credential,
            enterprise=application.enterprise, sitting=application.sitting, now=now,
        )
    with transaction.atomic():
        return application_transition(
            application=application, to=S.APPROVED if approve else S.REJECTED, actor=actor, reason=reason, now=now
        )


def application_cancel(
    *, actor: User, application: Application, reason: str, now: datetime.datetime | None = None
) -> Application:
    """The authority cancels an application until its ticket is printed (ticket_printed)."""
    if not policies.can_review_application(actor, application):
        raise ERRORS.error("not_application_reviewer")
    reason = reason_clean(reason)
    with transaction.atomic():
        return application_transition(application=application, to=S.CANCELLED, actor=actor, reason=reason, now=now)


@dataclass
class BulkReport:
    approved: list[int] = field(default_factory=list)
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # (id, code, message)


def applications_approve(
    *, actor: User, ids: Iterable[int], now: datetime.datetime | None = None
) -> BulkReport:
    """Bulk approval, as application_decide approves one: each application's eligibility checked
    again, each refusal named, the rest approved in one transition (one lock of each sitting, one
    UPDATE, one INSERT of audit rows). Ids the actor cannot see are refused as
    application_not_found, never approved."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    wanted = list(dict.fromkeys(int(pk) for pk in ids))
    if len(wanted) > MAX_BULK:
        raise ERRORS.error("too_many_applications", count=MAX_BULK)
    visible = reads.applications_for(actor).filter(pk__in=wanted).select_related(
        "candidate", "credential", "enterprise__region", "sitting__authority"
    ).in_bulk()
    refusals: dict[int, DomainError] = {}
    candidates = []
    for pk in wanted:
        application = visible.get(pk)
        if application is None:
            refusals[pk] = ERRORS.error("application_not_found")
        elif not policies.can_review_application(actor, application):
            refusals[pk] = ERRORS.error("not_application_reviewer")
        elif application.path == ApplicationPath.ENTERPRISE and application.status == S.SUBMITTED:
            refusals[pk] = ERRORS.error(
                "application_move_illegal", **{"from": APPLICATION_MACHINE.label(S.SUBMITTED), "to": APPLICATION_MACHINE.label(S.APPROVED)}
            )
        else:
            candidates.append(application)
    questions = [
        reads.Question(a.candidate, a.credential, a.enterprise, a.sitting, exclude_id=a.pk) for a in candidates
    ]
    eligible = []
    for application, facts in zip(candidates, reads.eligibility_facts_many(questions, today=today)):
        if error := _failures_error(admission.failures(facts, today)):
            refusals[application.pk] = error
        else:
            eligible.append(application)
    moved: list[Application] = []
    if eligible:
        with transaction.atomic():
            moved, refused = applications_transition(applications=eligible, to=S.APPROVED, actor=actor, reason="", now=now)
        refusals.update(refused)
    approved = {application.pk for application in moved}
    report = BulkReport()
    for pk in wanted:
        if pk in approved:
            report.approved.append(pk)
        else:
            error = refusals[pk]
            report.refused.append((pk, error.code, str(error.message)))
    return report


# The Qinghai path (003): the institution and the social-insurance check -------------------------


def application_institution_decide(
    *, actor: User, application: Application, accept: bool, reason: str = "", now: datetime.datetime | None = None
) -> Application:
    """The training institution the candidate chose reviews the application: accepts it (then an
    authority of the employer's region checks the social insurance; eligibility is checked again)
    or rejects it with a reason. Refused: not_institution_path, not_application_institution (403),
    reason_required, application_move_illegal (a replay), each failed eligibility rule."""
    now = now or timezone.now()
    if application.path != ApplicationPath.INSTITUTION:
        raise ERRORS.error("not_institution_path")
    if not policies.can_accept_application(actor, application):
        raise ERRORS.error("not_application_institution")
    reason = reason_clean(reason, required=not accept)
    _require_status(application, S.SUBMITTED, S.INSTITUTION_ACCEPTED if accept else S.REJECTED)
    if accept:
        _check_eligible(
            application, person=application.candidate, credential=application.credential,
            enterprise=application.enterprise, sitting=None, now=now,
        )
    with transaction.atomic():
        return application_transition(
            application=application, to=S.INSTITUTION_ACCEPTED if accept else S.REJECTED, actor=actor, reason=reason,
            now=now,
        )


def application_insurance_check(
    *, actor: User, application: Application, passed: bool, reason: str = "", now: datetime.datetime | None = None
) -> Application:
    """社保核查: a reviewer of an authority covering the candidate's employer's region (the
    application's region) confirms the social insurance that proves the employment, or rejects the
    application with a reason. Refused: not_institution_path, not_application_reviewer (403),
    reason_required, application_move_illegal (a replay, or not yet accepted by the institution)."""
    if application.path != ApplicationPath.INSTITUTION:
        raise ERRORS.error("not_institution_path")
    if not policies.can_review_application(actor, application):
        raise ERRORS.error("not_application_reviewer")
    reason = reason_clean(reason, required=not passed)
    _require_status(application, S.INSTITUTION_ACCEPTED, S.INSURANCE_CHECKED if passed else S.REJECTED)
    with transaction.atomic():
        return application_transition(
            application=application, to=S.INSURANCE_CHECKED if passed else S.REJECTED, actor=actor, reason=reason,
            now=now,
        )


def _require_status(application: Application, source: str, to: str) -> None:
    """A party's decision is taken from its own step only (the machine allows the same target from
    other steps for other parties): a replay or a wrong step is application_move_illegal."""
    if application.status != source:
        raise ERRORS.error(
            "application_move_illegal", details={"from": application.status, "to": to},
            **{"from": APPLICATION_MACHINE.label(application.status), "to": APPLICATION_MACHINE.label(to)},
        )
