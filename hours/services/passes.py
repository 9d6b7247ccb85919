"""Writes of pass lists: the city authority submits (or, after a return, resubmits) the list of a
sitting's passers; the province confirms it or returns it with reasons. `pass_list_transition` is
the one place a list's status changes: it locks the row, checks PASS_LIST_MACHINE, writes the
audit row and publishes `hours.pass_list_decided` after commit."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kernel import audit
from kernel.audit import AuditEventType
from kernel.events import publish
from kernel.reasons import reason_clean
from lms.models import Credential, Organisation, OrganisationKind, Person, User

from .. import policies
from ..errors import ERRORS
from ..models import Pass, PassList, PassListStatus
from ..models.passes import PASS_LIST_MACHINE
from ..rules import eligibility
from ..rules.passes import add_months
from ..selectors import ledger

DEFAULT_KEPT_MONTHS = 12


@dataclass(frozen=True)
class Passer:
    person: Person
    passed_on: datetime.date
    theory_score: Decimal | None = None
    practical_score: Decimal | None = None


def kept_months(credential: Credential, authority: Organisation, on: datetime.date) -> int:
    rule = eligibility.rule_in_force(ledger.rules_for(credential.pk), on, ledger.province_id_of(authority.region.path))
    return rule.score_kept_months if rule is not None else DEFAULT_KEPT_MONTHS


def pass_list_submit(
    *,
    actor: User,
    authority: Organisation,
    credential: Credential,
    source: str,
    label: str,
    passers: list[Passer],
    now: datetime.datetime | None = None,
    institution: Organisation | None = None,
) -> PassList:
    """The city authority submits the passers of `source` for the province's confirmation. A list
    returned by the province is replaced and submitted again; a waiting or confirmed one is not.
    `institution` is the training institution whose candidates sat (exam.Sitting.institution): it
    issues the certificates where the scheme says so."""
    now = now or timezone.now()
    if authority.kind != OrganisationKind.AUTHORITY or not policies.can_issue_for(actor, authority):
        raise ERRORS.error("not_authority_reviewer")
    if not passers:
        raise ERRORS.error("pass_list_empty")
    with transaction.atomic():
        existing = PassList.objects.select_for_update().filter(source=source, credential=credential).first()
        if existing is not None and existing.status != PassListStatus.RETURNED:
            raise ERRORS.error("pass_list_exists")
        if existing is None:
            pass_list = PassList.objects.create(
                authority=authority, credential=credential, source=source, label=label[:200], institution=institution,
                status=PassListStatus.SUBMITTED, compiled_by=actor, compiled_at=now,
            )
            audit.record(event_type=AuditEventType.CREATED, target=pass_list, actor=actor,
                         new_state=pass_list.status, extra={"passes": len(passers), "source": source}, now=now)
        else:
            existing.passes.filter(certificate__isnull=True).delete()
            PassList.objects.filter(pk=existing.pk).update(
                compiled_by=actor, compiled_at=now, label=label[:200], institution=institution
            )
            pass_list = pass_list_transition(pass_list=existing, to=PassListStatus.SUBMITTED, actor=actor, now=now)
        months = kept_months(credential, authority, timezone.localdate(now))
        Pass.objects.bulk_create(
            [
                Pass(
                    pass_list=pass_list, person=p.person, theory_score=p.theory_score, practical_score=p.practical_score,
                    passed_on=p.passed_on, keep_until=add_months(p.passed_on, months),
                )
                for p in {p.person.pk: p for p in passers}.values()
            ]
        )
    return pass_list


def pass_list_transition(
    *, pass_list: PassList, to: str, actor: User, reason: str = "", now: datetime.datetime | None = None
) -> PassList:
    """Move a pass list along PASS_LIST_MACHINE: confirmed or returned (with a reason) by a
    provincial reviewer covering the compiling authority, submitted again by the city."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = PassList.objects.select_for_update().select_related("authority__region").get(pk=pass_list.pk)
        source = locked.status
        PASS_LIST_MACHINE.check(source, to)
        if to in (PassListStatus.CONFIRMED, PassListStatus.RETURNED):
            if not policies.can_confirm_pass_list(actor, locked):
                raise ERRORS.error("not_confirming_authority")
            reason = reason_clean(reason, required=to == PassListStatus.RETURNED)
            locked.decided_by, locked.decided_at, locked.reason = actor, now, reason
        else:
            if not policies.can_issue_for(actor, locked.authority):
                raise ERRORS.error("not_authority_reviewer")
            locked.decided_by, locked.decided_at, locked.reason = None, None, ""
        locked.status = to
        locked.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        audit.record(
            event_type=AuditEventType.STATUS_CHANGED if to == PassListStatus.SUBMITTED else AuditEventType.DECIDED,
            target=locked, actor=actor, old_state=source, new_state=to, extra={"reason": reason}, now=now,
        )
        publish("hours.pass_list_decided", pass_list_id=locked.pk)
    pass_list.status = locked.status
    return locked
