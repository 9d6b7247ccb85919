"""Writes for old certificates (原持证人员信息备案, issue 15): an enterprise registers the old paper or
provincial certificate of a current employee; one that matches the platform's register is checked
against it and confirmed at once, any other waits for a reviewer of the enterprise's region, who
confirms or rejects it with a reason. The exchange for an electronic certificate (换证) issues a
certificate, so it lives beside issuing: `hours.services.certificates.legacy_holding_exchange`.

Every status change goes through `legacy_holding_transition`, which locks the row, checks the move
against LEGACY_HOLDING_MACHINE, stamps it and writes the audit row."""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel import audit
from kernel.audit import AuditEventType
from kernel.events import after_commit
from kernel.reasons import reason_clean, reason_of_platform
from lms.models import Credential, Organisation, Person, User

from .. import policies
from ..errors import ERRORS
from ..models import Certificate, LegacyHolding, LegacyHoldingStatus
from ..models.legacy import LEGACY_HOLDING_MACHINE

logger = logging.getLogger(__name__)

L = LegacyHoldingStatus

NUMBER_MAX = 32
ISSUER_MAX = 100


def legacy_holding_transition(
    *,
    holding: LegacyHolding,
    to: str,
    actor: User | None,
    reason: str = "",
    authority: Organisation | None = None,
    now: datetime.datetime | None = None,
    extra: dict | None = None,
) -> LegacyHolding:
    """Move an old certificate record to `to`: the one place its status changes. Confirming and
    rejecting stamp the decision (and, confirming, the authority that will issue); exchanging
    stamps the time. Illegal moves (a replay, a decided record decided again) raise
    `legacy_move_illegal` (409). Callers decide who may."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = LegacyHolding.objects.select_for_update().get(pk=holding.pk)
        source = locked.status
        LEGACY_HOLDING_MACHINE.check(source, to)
        fields = ["status"]
        if to in (L.CONFIRMED, L.REJECTED):
            locked.decided_by, locked.decided_at, locked.reason = actor, now, reason
            fields += ["decided_by", "decided_at", "reason"]
            if authority is not None:
                locked.authority = authority
                fields.append("authority")
        elif to == L.EXCHANGED:
            locked.exchanged_at = now
            fields.append("exchanged_at")
        locked.status = to
        locked.save(update_fields=fields)
        audit.record(
            event_type=AuditEventType.DECIDED if to in (L.CONFIRMED, L.REJECTED) else AuditEventType.STATUS_CHANGED,
            target=locked, actor=actor, old_state=source, new_state=to,
            extra={"reason": reason, "number": locked.number, **(extra or {})}, now=now,
        )
        after_commit(lambda: logger.info("old certificate %s: %s -> %s", locked.number, source, to))
    holding.status = locked.status
    return locked


def _clean_number(value: str) -> str:
    number = " ".join(str(value or "").split()).upper()
    if not number or len(number) > NUMBER_MAX:
        raise ERRORS.error("legacy_number_invalid", field="number")
    return number


def _check_against_register(certificate: Certificate, *, person: Person, credential: Credential,
                            issued_on: datetime.date, expires_on: datetime.date) -> None:
    """A number of the platform's register must be the same person's, of the same credential and
    with the same dates; else the registration is refused and says which differs."""
    number = certificate.number
    if certificate.holder_id != person.pk:
        raise ERRORS.error("legacy_register_other_holder", number=number)
    if certificate.credential_id != credential.pk:
        raise ERRORS.error("legacy_register_other_credential", number=number, credential=certificate.credential.name)
    if (certificate.issued_on, certificate.expires_on) != (issued_on, expires_on):
        raise ERRORS.error(
            "legacy_register_dates_differ", number=number,
            issued=certificate.issued_on.isoformat(),
            # A certificate of the register with no end of validity (长期有效) never matches an old one's dates.
            expires=certificate.expires_on.isoformat() if certificate.expires_on else "—",
        )


def legacy_holding_register(
    *,
    actor: User,
    enterprise: Organisation,
    person: Person,
    credential: Credential,
    number: str,
    issued_on: datetime.date,
    expires_on: datetime.date,
    issuer_name: str,
    now: datetime.datetime | None = None,
) -> LegacyHolding:
    """An enterprise administrator registers an old certificate of a current employee (原持证人员
    信息备案). A number found in the platform's register is checked against it and, matching,
    confirmed at once (linked to it); any other waits for the authority. Refusals: another
    enterprise's or a former employee (`not_an_employee`, 404), a bad number, issuer or dates, a
    number already registered (`legacy_duplicate`), a register mismatch (`legacy_register_*`)."""
    now = now or timezone.now()
    if not policies.can_register_legacy(actor, enterprise):
        raise ERRORS.error("legacy_not_enterprise_admin")
    if not person.employments.filter(enterprise=enterprise, end_date__isnull=True).exists():
        raise ERRORS.error("not_an_employee")
    number = _clean_number(number)
    issuer_name = " ".join(str(issuer_name or "").split())
    if not issuer_name or len(issuer_name) > ISSUER_MAX:
        raise ERRORS.error("legacy_issuer_required", field="issuer_name")
    if expires_on <= issued_on:
        raise ERRORS.error("legacy_dates_invalid", field="expires_on")
    if issued_on > timezone.localdate(now):
        raise ERRORS.error("legacy_issued_in_future", field="issued_on")
    with transaction.atomic():
        registered = Certificate.objects.select_related("credential").filter(number=number).first()
        if registered is not None:
            _check_against_register(
                registered, person=person, credential=credential, issued_on=issued_on, expires_on=expires_on
            )
        live = LegacyHolding.objects.filter(credential=credential, number=number).exclude(status=L.REJECTED)
        if live.exists():
            raise ERRORS.error("legacy_duplicate", number=number)
        try:
            with transaction.atomic():
                holding = LegacyHolding.objects.create(
                    person=person, enterprise=enterprise, credential=credential, number=number,
                    issued_on=issued_on, expires_on=expires_on, issuer_name=issuer_name,
                    register_certificate=registered, submitted_by=actor, submitted_at=now,
                )
        except IntegrityError:  # registered at the same moment by someone else
            raise ERRORS.error("legacy_duplicate", number=number) from None
        audit.record(
            event_type=AuditEventType.CREATED, target=holding, actor=actor, new_state=holding.status,
            extra={"number": number, "credential": credential.code, "enterprise": enterprise.pk}, now=now,
        )
        if registered is not None:
            holding = legacy_holding_transition(
                holding=holding, to=L.CONFIRMED, actor=actor, authority=registered.authority, now=now,
                reason=reason_of_platform(_("Matches the platform's certificate register")),
                extra={"register_certificate": registered.pk},
            )
    return holding


def legacy_holding_decide(
    *, actor: User, holding: LegacyHolding, confirm: bool, reason: str = "", now: datetime.datetime | None = None
) -> LegacyHolding:
    """A reviewer of an authority covering the enterprise's region confirms (the nearest such
    authority of theirs will issue the electronic certificate) or rejects, with a reason, an old
    certificate waiting for confirmation. Others do not find it (`legacy_not_found`)."""
    if not policies.can_decide_legacy(actor, holding):
        raise ERRORS.error("legacy_not_found")
    reason = reason_clean(reason, required=not confirm)
    authority = None
    if confirm:
        authority = policies.legacy_confirming_authority(actor, holding)
        if authority is None:
            raise ERRORS.error("legacy_no_authority")
    return legacy_holding_transition(
        holding=holding, to=L.CONFIRMED if confirm else L.REJECTED, actor=actor, reason=reason,
        authority=authority, now=now,
    )
