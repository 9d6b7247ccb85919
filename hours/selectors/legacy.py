"""Reads of old certificates (原持证人员信息备案), each scoped to the acting user: the enterprise's
own, the reviewer's region's, the holder's own with whether and why (not) it can be exchanged."""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from kernel.errors import NotFoundError
from lms.models import Organisation, Person, User

from .. import policies
from ..errors import ERRORS
from ..models import LegacyHolding, LegacyHoldingStatus
from ..rules import eligibility
from ..rules.legacy import exchange_refusal
from . import ledger

_RELATED = ("person", "enterprise__region", "credential", "authority", "register_certificate", "exchanged_certificate")


def enterprise_holdings(actor: User, enterprise: Organisation) -> QuerySet[LegacyHolding]:
    return policies.enterprise_legacy_holdings(actor, enterprise).select_related(*_RELATED)


def employees_of(enterprise: Organisation) -> QuerySet[Person]:
    """The enterprise's current employees, whose old certificates it may register."""
    return Person.objects.filter(employments__enterprise=enterprise, employments__end_date__isnull=True).order_by(
        "real_name", "pk"
    )


def holdings_to_review(actor: User, *, status: str | None = LegacyHoldingStatus.SUBMITTED) -> QuerySet[LegacyHolding]:
    queryset = policies.legacy_holdings_reviewed(actor).select_related(*_RELATED, "submitted_by", "decided_by")
    return queryset.filter(status=status) if status else queryset


def holding_to_review_get(actor: User, pk) -> LegacyHolding:
    """An old certificate of the actor's regions; another region's is not found."""
    try:
        return holdings_to_review(actor, status=None).get(pk=pk)
    except (LegacyHolding.DoesNotExist, ValueError, TypeError):
        raise NotFoundError.default()


def own_holding_get(actor: User, pk) -> LegacyHolding:
    """One of the holder's own old certificates; anyone else's is not found."""
    try:
        return policies.legacy_holdings_own(actor).select_related(*_RELATED).get(pk=pk)
    except (LegacyHolding.DoesNotExist, ValueError, TypeError):
        raise NotFoundError.default()


@dataclass(frozen=True)
class HoldingRow:
    holding: LegacyHolding
    standing: eligibility.Standing
    refusal: str | None  # the code of why it cannot be exchanged now, None when it can
    why_not: str  # the same in words

    @property
    def exchangeable(self) -> bool:
        return self.refusal is None


def holding_rows(holdings, *, as_of: datetime.date) -> list[HoldingRow]:
    """Each old certificate with its hours standing and what its exchange would answer now."""
    rows = []
    for holding in holdings:
        standing = ledger.legacy_standing(holding, as_of=as_of)
        code = exchange_refusal(
            status=holding.status, in_register=holding.register_certificate_id is not None,
            standing_status=standing.status,
        )
        if code == "hours_not_met" and standing.explanation:
            why = standing.explanation
        else:
            why = ERRORS.message(code) if code else ""
        rows.append(HoldingRow(holding, standing, code, why))
    return rows


def own_holding_rows(actor: User, *, as_of: datetime.date) -> list[HoldingRow]:
    holdings = policies.legacy_holdings_own(actor).select_related(*_RELATED).order_by("credential__code", "issued_on", "pk")
    return holding_rows(holdings, as_of=as_of)


def waiting_count(actor: User) -> int:
    return holdings_to_review(actor).count()
