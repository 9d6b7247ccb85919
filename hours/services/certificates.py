"""Writes for certificates: issue in batches, the one status transition, extensions and the daily
review that expires and voids them by the rules.

Every status change (and every extension) goes through `certificate_transition`, which locks the
row, checks the move against CERTIFICATE_MACHINE, stamps it and writes a `CertificateEvent` and
the audit row. Extension requests move through `extension_transition` the same way.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kernel import audit
from kernel.audit import AuditEventType
from kernel.errors import DomainError
from kernel.events import after_commit
from kernel.reasons import reason_clean, reason_of_platform
from lms.models import (
    Credential,
    Organisation,
    OrganisationKind,
    Person,
    User,
)

from .. import policies
from ..errors import ERRORS
from ..models import (
    Certificate,
    CertificateEvent,
    CertificateStatus,
    ExtensionRequest,
    ExtensionStatus,
    LegacyHolding,
    LegacyHoldingStatus,
    Pass,
    PassListStatus,
)
from ..models.certificates import CERTIFICATE_MACHINE, EXTENSION_MACHINE
from ..rules import eligibility
from ..rules import legacy as legacy_rules
from ..rules.pass_list import PassRow
from ..rules.passes import pass_state
from ..selectors import ledger
from .legacy import legacy_holding_transition
from .standing import standings_refresh_certificates

logger = logging.getLogger(__name__)

S = CertificateStatus

DEFAULT_VALIDITY_YEARS = 3


def _stored(text) -> str:
    """A reason as it is kept: in the platform's language (Chinese), whoever's request wrote it."""
    return reason_of_platform(text)


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def scheme_in_force(credential: Credential, authority: Organisation, on: datetime.date) -> eligibility.Rule | None:
    """The credit-hour scheme version in force on `on` in the authority's province."""
    return eligibility.rule_in_force(ledger.rules_for(credential.pk), on, ledger.province_id_of(authority.region.path))


def validity_years(credential: Credential, authority: Organisation, on: datetime.date) -> int:
    """The validity of the credit-hour scheme in force on `on` in the authority's province."""
    rule = scheme_in_force(credential, authority, on)
    return rule.validity_years if rule is not None and rule.validity_years else DEFAULT_VALIDITY_YEARS


def issued_by_institution(credential: Credential, authority: Organisation, on: datetime.date) -> bool:
    """Whether the scheme in force says the training institution issues (notice 003)."""
    rule = scheme_in_force(credential, authority, on)
    return rule is not None and rule.issued_by == "institution"


# The transition --------------------------------------------------------------------------------


def certificate_transition(
    *,
    certificate: Certificate,
    to: str,
    reason: str,
    actor: User | None = None,
    now: datetime.datetime | None = None,
    expires_on: datetime.date | None = None,
) -> Certificate:
    """Move a certificate to `to` (or, valid to valid with a later `expires_on`, extend it). The
    one place a certificate's status or expiry changes. Illegal moves raise
    `certificate_move_illegal`, an extension that does not move the expiry later
    `extension_not_later`, a new expiry without an extension `expiry_change_not_extension` (409)."""
    now = now or timezone.now()
    reason = reason_clean(reason)
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        source = locked.status
        CERTIFICATE_MACHINE.check(source, to)
        if to == source:
            # valid -> valid: an extension, which must move the expiry later. A certificate with
            # no end of validity has nothing to extend.
            if locked.expires_on is None:
                raise ERRORS.error("extension_not_applicable")
            if expires_on is None or expires_on <= locked.expires_on:
                raise ERRORS.error("extension_not_later")
            locked.expires_on = expires_on
        elif expires_on is not None:
            raise ERRORS.error("expiry_change_not_extension")
        locked.status = to
        locked.save(update_fields=["status", "expires_on"])
        standings_refresh_certificates(certificate_ids=[locked.pk], as_of=timezone.localdate(now))
        CertificateEvent.objects.create(
            certificate=locked,
            from_status=source,
            to_status=to,
            expires_on=locked.expires_on,
            reason=reason,
            actor=actor,
            at=now,
        )
        audit.record(
            event_type=AuditEventType.STATUS_CHANGED, target=locked, actor=actor, old_state=source, new_state=to,
            extra={"reason": reason, "expires_on": locked.expires_on}, now=now,
        )
        after_commit(
            lambda: logger.info("certificate %s: %s -> %s (%s)", locked.number, source, to, reason)
        )
    certificate.status, certificate.expires_on = locked.status, locked.expires_on
    return locked


# Issue ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Skipped:
    label: str  # the name and masked ID number, or the line as given
    reason: str


@dataclass
class IssueReport:
    issued: list[Certificate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Everyone was issued: only then is the report a success."""
        return bool(self.issued) and not self.skipped


def _pass_refusal(passes: list[Pass], on: datetime.date) -> tuple[Pass | None, str]:
    """The pass a certificate may come of, or why none may (in the platform's words)."""
    states = [(p, pass_state(list_status=p.pass_list.status, keep_until=p.keep_until, certificate_id=p.certificate_id, on=on)) for p in passes]
    for item, state in states:
        if state == "confirmed":
            return item, ""
    waiting = [item for item, state in states if state == "waiting"]
    if waiting:
        return None, _("Passed, but the province has not yet confirmed the pass list (%(list)s).") % {"list": waiting[0].pass_list.label}
    lapsed = sorted((item for item, state in states if state == "lapsed"), key=lambda p: p.keep_until)
    if lapsed:
        return None, _("The pass lapsed on %(date)s: the score was kept only until then.") % {"date": lapsed[-1].keep_until.isoformat()}
    return None, _("No confirmed exam pass for this credential: a name and an ID number are not enough.")


def _legacy_refusal(holdings: list[LegacyHolding], on: datetime.date) -> tuple[LegacyHolding | None, str]:
    """The confirmed old certificate a certificate may come of instead of a pass (原持证换发: its
    continuing-education hours met on `on`), or why none may ("" when the person has none)."""
    reason = ""
    for holding in holdings:
        standing = ledger.legacy_standing(holding, as_of=on)
        if standing.status == "met":
            return holding, ""
        reason = _(
            "Holds a confirmed old certificate of this credential (%(number)s), but its continuing-education hours are not met: %(explanation)s"
        ) % {"number": holding.number, "explanation": standing.explanation}
    return None, reason


def _next_sequence(prefix: str, credential: Credential) -> int:
    numbers = Certificate.objects.filter(credential=credential, number__startswith=prefix).values_list(
        "number", flat=True
    )
    suffixes = [int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit()]
    return max(suffixes, default=0) + 1


def certificates_issue(
    *,
    actor: User,
    authority: Organisation,
    credential: Credential,
    people: list[Person],
    issued_on: datetime.date,
    now: datetime.datetime | None = None,
) -> IssueReport:
    """An authority issues certificates of one credential to people who passed. Each person is
    checked: someone who already holds a valid certificate of this credential, who is not
    overseen by the authority's region, or who has no confirmed, unlapsed pass of the credential
    (hours.models.passes) is skipped with the reason; the pass records the certificate. Numbers read
    <region code><year><credential code><sequence>, e.g. 4401002026C000001.

    The one exception to the pass (notice 002, 004): a person who holds a confirmed old certificate
    of the credential (hours.LegacyHolding, 原持证人员信息备案) whose continuing-education hours are
    met is issued a certificate marked as exchanged from it (`Certificate.legacy_holding`, 原持证换发),
    and the old one becomes exchanged in the same transaction."""
    if authority.kind != OrganisationKind.AUTHORITY or not policies.can_issue_for(actor, authority):
        raise ERRORS.error("not_authority_reviewer")
    if issued_by_institution(credential, authority, issued_on):
        raise ERRORS.error("certificate_issued_by_institution")
    return _issue(
        actor=actor, authority=authority, credential=credential, people=people, issued_on=issued_on, now=now
    )


def _issue(
    *,
    actor: User,
    authority: Organisation,
    credential: Credential,
    people: list[Person],
    issued_on: datetime.date,
    now: datetime.datetime | None = None,
    exchange: LegacyHolding | None = None,
    institution: Organisation | None = None,
) -> IssueReport:
    """Issue, once the caller has decided the actor may: an authority's reviewer
    (certificates_issue), the holder exchanging `exchange`, their own confirmed old certificate
    (legacy_holding_exchange), whose certificate comes of that old certificate only, or the staff of
    `institution` (certificates_issue_by_institution), whose certificates come only of confirmed
    passes of lists of their institution's sittings and record it as the issuer.

    The scheme in force sets the validity: `open_ended` issues with no end of validity (长期有效,
    `expires_on` None)."""
    now = now or timezone.now()
    report = IssueReport()
    rule = scheme_in_force(credential, authority, issued_on)
    if rule is not None and rule.open_ended:
        expires_on = None
    else:
        expires_on = add_years(issued_on, rule.validity_years if rule is not None and rule.validity_years else DEFAULT_VALIDITY_YEARS)
    prefix = f"{authority.region.code}{issued_on:%Y}{credential.code}"
    with transaction.atomic():
        # One issuer at a time per authority, so two batches never take the same number.
        Organisation.objects.select_for_update().get(pk=authority.pk)
        overseen = set(
            Person.objects.filter(policies.people_issuable_by(authority), pk__in=[p.pk for p in people]).values_list(
                "pk", flat=True
            )
        )
        holding = set(
            Certificate.objects.filter(
                credential=credential, status=S.VALID, holder__in=[p.pk for p in people]
            ).values_list("holder_id", flat=True)
        )
        passes_of: dict[int, list[Pass]] = {}
        pass_scope = {"pass_list__institution": institution} if institution is not None else {}
        for item in (
            Pass.objects.select_for_update(of=("self",))
            .filter(person__in=[p.pk for p in people], pass_list__credential=credential, **pass_scope)
            .select_related("pass_list")
            .order_by("keep_until", "pk")
        ):
            passes_of.setdefault(item.person_id, []).append(item)
        holdings_of: dict[int, list[LegacyHolding]] = {}
        if exchange is not None:
            passes_of = {}
            holdings_of = {exchange.person_id: [exchange]}
        elif institution is None:  # an institution issues on its own passes only, never on old certificates
            for old in (
                LegacyHolding.objects.select_for_update(of=("self",))
                .filter(
                    person__in=[p.pk for p in people], credential=credential, status=LegacyHoldingStatus.CONFIRMED,
                    register_certificate__isnull=True,
                )
                .select_related("enterprise__region")
                .order_by("decided_at", "pk")
            ):
                holdings_of.setdefault(old.person_id, []).append(old)
        sequence = _next_sequence(prefix, credential)
        seen: set[int] = set()
        for person in people:
            label = f"{person.real_name} ({person.masked_id_number})"
            if person.pk in seen:
                report.skipped.append(Skipped(label, _("Listed twice: issued once.")))
                continue
            seen.add(person.pk)
            if person.pk in holding:
                report.skipped.append(
                    Skipped(label, _("Already holds a valid certificate of this credential."))
                )
                continue
            if person.pk not in overseen:
                report.skipped.append(
                    Skipped(label, _("Not employed or working in this authority's region."))
                )
                continue
            legacy = None
            exam_pass, refusal = (None, "") if exchange is not None else _pass_refusal(passes_of.get(person.pk, []), issued_on)
            if exam_pass is None:
                legacy, legacy_refusal = _legacy_refusal(holdings_of.get(person.pk, []), issued_on)
                if legacy is None:
                    report.skipped.append(Skipped(label, legacy_refusal or refusal))
                    continue
            fields = {
                "holder": person, "credential": credential, "authority": authority, "institution": institution, "issued_on": issued_on,
                "expires_on": expires_on, "status": S.VALID, "legacy_holding": legacy,
            }
            try:
                with transaction.atomic():
                    certificate = Certificate.objects.create(number=f"{prefix}{sequence:06d}", **fields)
            except IntegrityError:  # the number was taken outside this lock (a manual entry)
                sequence = _next_sequence(prefix, credential)
                certificate = Certificate.objects.create(number=f"{prefix}{sequence:06d}", **fields)
            sequence += 1
            if exam_pass is not None:
                exam_pass.certificate = certificate
                exam_pass.save(update_fields=["certificate"])
                basis = {"pass_list": exam_pass.pass_list_id, "pass": exam_pass.pk}
                if institution is not None:
                    basis["institution"] = institution.pk
                reason = _stored(_("Issued"))
            else:
                basis = {"legacy_holding": legacy.pk, "legacy_number": legacy.number}
                reason = _stored(_("Issued in exchange for old certificate %(number)s") % {"number": legacy.number})
            audit.record(
                event_type=AuditEventType.CREATED, target=certificate, actor=actor, new_state=S.VALID,
                extra=basis, now=now,
            )
            CertificateEvent.objects.create(
                certificate=certificate,
                from_status="",
                to_status=S.VALID,
                expires_on=expires_on,
                reason=reason,
                actor=actor,
                at=now,
            )
            if legacy is not None:
                legacy_holding_transition(
                    holding=legacy, to=LegacyHoldingStatus.EXCHANGED, actor=actor, now=now,
                    reason=_stored(_("Exchanged for electronic certificate %(number)s") % {"number": certificate.number}),
                    extra={"certificate": certificate.number},
                )
            report.issued.append(certificate)
        standings_refresh_certificates(certificate_ids=[c.pk for c in report.issued], as_of=timezone.localdate(now))
    return report


def certificates_issue_by_institution(
    *, actor: User, pass_list, issued_on: datetime.date, now: datetime.datetime | None = None
) -> IssueReport:
    """A training institution's staff issue, under the institution's own name and seal, the
    certificates of a credential whose scheme says the institution issues them (Qinghai's technical
    workers: 人员证书由培训机构统一发放，加盖培训机构公章, notice 003), to the passers of a confirmed
    list of a sitting their institution organised (`PassList.institution`, from
    exam.Sitting.institution). The certificate records the institution as issuer and the list's
    authority as the one overseeing it. Refusals change nothing: a list of another institution, or
    of none, is not found (`pass_list_not_found`, 404); not confirmed; a scheme under which the
    authority issues (`certificate_issued_by_authority`)."""
    if not policies.can_issue_as_institution(actor, pass_list):
        raise ERRORS.error("pass_list_not_found")
    if pass_list.status != PassListStatus.CONFIRMED:
        raise ERRORS.error("pass_list_not_confirmed")
    if not issued_by_institution(pass_list.credential, pass_list.authority, issued_on):
        raise ERRORS.error("certificate_issued_by_authority")
    people = [item.person for item in pass_list.passes.select_related("person").filter(certificate__isnull=True)]
    if not people:
        raise ERRORS.error("pass_list_empty")
    return _issue(
        actor=actor, authority=pass_list.authority, institution=pass_list.institution, credential=pass_list.credential,
        people=people, issued_on=issued_on, now=now,
    )


def legacy_holding_exchange(
    *, actor: User, holding: LegacyHolding, now: datetime.datetime | None = None
) -> Certificate:
    """The holder exchanges their confirmed old certificate for an electronic one (换证, "更新"): in
    one transaction the authority that confirmed it issues a certificate (through the issuing
    service, with its CertificateEvent) and the old certificate becomes exchanged (its own audit
    row). Each old certificate is exchanged on its own, against its own credential's hours.
    Refusals change nothing: another person's (`legacy_not_found`, 404), not confirmed, rejected,
    already exchanged (a replay), already in the register, hours not met (`hours_not_met`, with
    what is missing), or a reason of the issuing service (`legacy_exchange_refused`)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not policies.legacy_holdings_own(actor).filter(pk=holding.pk).exists():
        raise ERRORS.error("legacy_not_found")
    try:
        with transaction.atomic():
            # The issuer first, as every batch takes it, then the row: a replay waits here and then
            # finds the old certificate exchanged.
            if holding.authority_id is not None:
                Organisation.objects.select_for_update().get(pk=holding.authority_id)
            locked = (
                LegacyHolding.objects.select_for_update(of=("self",))
                .select_related("enterprise__region", "authority__region", "credential", "person")
                .get(pk=holding.pk)
            )
            standing = ledger.legacy_standing(locked, as_of=today)
            code = legacy_rules.exchange_refusal(
                status=locked.status, in_register=locked.register_certificate_id is not None,
                standing_status=standing.status,
            )
            if code == "hours_not_met":
                raise ERRORS.error(code, message=standing.explanation or None)
            if code is not None:
                raise ERRORS.error(code)
            report = _issue(
                actor=actor, authority=locked.authority, credential=locked.credential, people=[locked.person],
                issued_on=today, now=now, exchange=locked,
            )
            if not report.issued:
                raise ERRORS.error("legacy_exchange_refused", message=report.skipped[0].reason)
    except IntegrityError:  # a second certificate of this old one: the unique constraint refused it
        raise ERRORS.error("legacy_already_exchanged") from None
    holding.status = LegacyHoldingStatus.EXCHANGED
    return report.issued[0]


def certificates_issue_from_list(
    *,
    actor: User,
    authority: Organisation,
    credential: Credential,
    rows: list[PassRow],
    issued_on: datetime.date,
    now: datetime.datetime | None = None,
) -> IssueReport:
    """Issue from a pass list of (ID number, name) rows: rows that match no registered person, or
    whose name differs from the registered one, are skipped with the reason."""
    if not rows:
        raise ERRORS.error("pass_list_empty")
    wanted = {row.id_number.strip().upper() for row in rows}
    by_number = {person.id_number: person for person in Person.objects.filter(id_number__in=wanted)}
    people: list[Person] = []
    refused: list[Skipped] = []
    for row in rows:
        number = row.id_number.strip().upper()
        person = by_number.get(number)
        if person is None:
            refused.append(Skipped(row.name or number, _("No registered person has this ID number.")))
        elif row.name and row.name.strip() != person.real_name:
            refused.append(
                Skipped(f"{row.name} ({person.masked_id_number})", _("The name differs from the registered real name."))
            )
        else:
            people.append(person)
    report = certificates_issue(
        actor=actor, authority=authority, credential=credential, people=people, issued_on=issued_on, now=now
    )
    report.skipped = refused + report.skipped
    return report


# Revocation -------------------------------------------------------------------------------------


def certificate_revoke(
    *, actor: User, certificate: Certificate, reason: str, now: datetime.datetime | None = None
) -> Certificate:
    """An authority overseeing the issuer withdraws a certificate (fraud, a wrong record)."""
    if not policies.can_manage_certificate(actor, certificate):
        raise ERRORS.error("certificate_not_found")
    return certificate_transition(certificate=certificate, to=S.REVOKED, reason=reason, actor=actor, now=now)


# Extension --------------------------------------------------------------------------------------


def extension_apply(
    *, holder: Person, certificate: Certificate, now: datetime.datetime | None = None, actor: User | None = None
) -> ExtensionRequest:
    """The holder (or `actor`, their enterprise, through extension_apply_for) applies to extend a
    valid certificate whose hours are met."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if certificate.holder_id != holder.pk:
        raise ERRORS.error("certificate_not_found")
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().select_related("authority__region").get(pk=certificate.pk)
        if certificate.status != S.VALID:
            raise ERRORS.error("certificate_not_valid")
        if certificate.expires_on is None:  # 长期有效: nothing to extend
            raise ERRORS.error("extension_not_applicable")
        if certificate.expires_on < today:
            raise ERRORS.error("certificate_not_valid")
        if certificate.extension_requests.filter(status=ExtensionStatus.PENDING).exists():
            raise ERRORS.error("extension_pending")
        standing = ledger.certificate_standing(certificate, as_of=today)
        if standing.status != "met":
            raise ERRORS.error("hours_not_met", message=standing.explanation or None)
        # Kept in the platform's language for the authority, whatever language the holder reads.
        with translation.override(settings.LANGUAGE_CODE):
            explanation = eligibility.explain(standing)
        extension = ExtensionRequest.objects.create(certificate=certificate, requested_at=now, explanation=explanation)
        audit.record(
            event_type=AuditEventType.CREATED, target=extension, actor=actor or holder.user, new_state=extension.status,
            extra={"certificate": certificate.number, "on_behalf": actor is not None}, now=now,
        )
        return extension


def extension_apply_for(
    *, actor: User, certificate: Certificate, now: datetime.datetime | None = None
) -> ExtensionRequest:
    """An enterprise administrator applies on behalf of a current employee (延期申请)."""
    if not policies.can_apply_extension_for(actor, certificate):
        raise ERRORS.error("certificate_not_found")
    return extension_apply(holder=certificate.holder, certificate=certificate, now=now, actor=actor)


def extension_transition(
    *, request: ExtensionRequest, to: str, actor: User, reason: str = "", now: datetime.datetime | None = None
) -> ExtensionRequest:
    """Decide an extension request: the one place its status changes. Locks the row, checks the move
    against EXTENSION_MACHINE, extends the certificate on approval, writes the audit row."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            ExtensionRequest.objects.select_for_update()
            .select_related("certificate__authority__region", "certificate__credential")
            .get(pk=request.pk)
        )
        certificate = locked.certificate
        if not policies.can_manage_certificate(actor, certificate):
            raise ERRORS.error("extension_not_found")
        source = locked.status
        EXTENSION_MACHINE.check(source, to)
        if to == ExtensionStatus.APPROVED:
            reason = reason_clean(reason, required=False)
            years = validity_years(certificate.credential, certificate.authority, timezone.localdate(now))
            certificate_transition(
                certificate=certificate,
                to=S.VALID,
                reason=reason or _stored(_("Extension approved")),
                actor=actor,
                now=now,
                expires_on=add_years(certificate.expires_on, years),
            )
        else:
            reason = reason_clean(reason)
        locked.status = to
        locked.decided_at = now
        locked.decided_by = actor
        locked.reason = reason
        locked.save(update_fields=["status", "decided_at", "decided_by", "reason"])
        audit.record(
            event_type=AuditEventType.DECIDED, target=locked, actor=actor, old_state=source, new_state=to,
            extra={"reason": reason, "certificate": certificate.number}, now=now,
        )
    request.status = locked.status
    return locked


def extension_decide(
    *,
    actor: User,
    request: ExtensionRequest,
    approve: bool,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> ExtensionRequest:
    """An authority overseeing the issuer approves (the expiry moves by the scheme's validity) or
    rejects (with a reason) a pending extension request."""
    to = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    return extension_transition(request=request, to=to, actor=actor, reason=reason, now=now)


# The daily review -------------------------------------------------------------------------------


@dataclass
class ReviewReport:
    expired: int = 0
    voided: int = 0
    failed: int = 0


def certificates_review(*, today: datetime.date | None = None, now: datetime.datetime | None = None) -> ReviewReport:
    """Expire valid certificates past their expiry date and void those whose hours rule voids
    them. Each change is its own transaction with its reason; one failure does not stop the rest."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    report = ReviewReport()
    valid = Certificate.objects.filter(status=S.VALID).select_related("authority__region", "credential")
    for certificate in valid.filter(expires_on__lt=today).iterator():
        try:
            certificate_transition(
                certificate=certificate, to=S.EXPIRED, reason=_stored(_("The validity period has ended")), now=now
            )
            report.expired += 1
        except DomainError:
            report.failed += 1
            logger.exception("certificate %s could not expire", certificate.number)
    # Certificates with no end of validity never expire by date, but the rules may void them.
    for certificate in valid.filter(Q(expires_on__gte=today) | Q(expires_on__isnull=True)).iterator():
        with translation.override(settings.LANGUAGE_CODE):
            standing = ledger.certificate_standing(certificate, as_of=today)
        if standing.status != "void":
            continue
        try:
            certificate_transition(
                certificate=certificate,
                to=S.VOID,
                reason=standing.explanation or _stored(_("The credit-hour rule voids this certificate")),
                now=now,
            )
            report.voided += 1
        except DomainError:
            report.failed += 1
            logger.exception("certificate %s could not be voided", certificate.number)
    return report


def certificates_issue_from_pass_list(
    *, actor: User, pass_list, issued_on: datetime.date, now: datetime.datetime | None = None
) -> IssueReport:
    """Issue to the passers of a list the province has confirmed, by the authority that compiled it."""
    if pass_list.status != PassListStatus.CONFIRMED:
        raise ERRORS.error("pass_list_not_confirmed")
    people = [item.person for item in pass_list.passes.select_related("person").filter(certificate__isnull=True)]
    if not people:
        raise ERRORS.error("pass_list_empty")
    return certificates_issue(
        actor=actor, authority=pass_list.authority, credential=pass_list.credential, people=people,
        issued_on=issued_on, now=now,
    )
