"""Reads of invitations and personnel change requests (人员变更申请), scoped to the acting user:
another tenant's request is not found."""

import datetime

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from kernel.errors import NotFoundError

from ..models import (
    OPEN_REQUEST_STATUSES,
    EmploymentRequest,
    EmploymentRequestStatus,
    User,
)
from ..policies import (
    CONFIRMED_REQUEST_STATUSES,
    administered_enterprises,
    employment_requests_visible,
    is_reviewer,
    reviewer_region_scope,
)

S = EmploymentRequestStatus
# How long the old enterprise's home page tells it that an employee has moved on.
LEFT_RECENTLY_DAYS = 30


def _open_first(queryset: QuerySet[EmploymentRequest]) -> QuerySet[EmploymentRequest]:
    return queryset.annotate(
        _open=Case(When(status__in=OPEN_REQUEST_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("_open", "-created_at", "-id")


def invitations_of(actor: User) -> QuerySet[EmploymentRequest]:
    """The acting person's own invitations, those waiting for them first."""
    return _open_first(employment_requests_visible(actor).filter(person__user=actor))


def requests_made_by(actor: User, enterprise_id: int) -> QuerySet[EmploymentRequest]:
    """The invitations and change requests an enterprise made (only its administrators')."""
    return _open_first(
        employment_requests_visible(actor).filter(enterprise_id=enterprise_id, enterprise__in=administered_enterprises(actor))
    )


def requests_leaving(actor: User, enterprise_id: int) -> QuerySet[EmploymentRequest]:
    """人员变更 seen from the old side: confirmed requests taking an employee of this enterprise away."""
    return _open_first(
        employment_requests_visible(actor).filter(
            previous_employment__enterprise_id=enterprise_id,
            previous_employment__enterprise__in=administered_enterprises(actor),
            status__in=CONFIRMED_REQUEST_STATUSES,
        )
    )


def requests_to_review(actor: User, *, status: str = "") -> QuerySet[EmploymentRequest]:
    """人员变更审核: the change requests of the reviewer's regions (all of them for a superuser)."""
    if not is_reviewer(actor):
        return EmploymentRequest.objects.none()
    queryset = employment_requests_visible(actor).filter(
        reviewer_region_scope(actor, "enterprise__region__path"), status__in=CONFIRMED_REQUEST_STATUSES
    )
    if status in CONFIRMED_REQUEST_STATUSES:
        queryset = queryset.filter(status=status)
    return _open_first(queryset)


# Which requests an action may name: any other id is not found, whoever else may see it.
def _actionable(actor: User, action: str) -> QuerySet[EmploymentRequest]:
    if action in ("accept", "decline"):
        return employment_requests_visible(actor).filter(person__user=actor)
    if action == "cancel":
        return employment_requests_visible(actor).filter(enterprise__in=administered_enterprises(actor))
    if action in ("approve", "reject"):
        return requests_to_review(actor)
    return EmploymentRequest.objects.none()


def request_for_action(actor: User, pk, action: str) -> EmploymentRequest:
    try:
        return _actionable(actor, action).get(pk=pk)
    except (EmploymentRequest.DoesNotExist, ValueError, TypeError):
        raise NotFoundError.default()


def home_counts(actor: User) -> dict[str, int]:
    """What waits, for the home page: the person's invitations, the enterprise's employees leaving
    (waiting for review, or moved on lately), the reviewer's change requests."""
    counts: dict[str, int] = {}
    visible = employment_requests_visible(actor)
    if getattr(actor, "person", None) is not None:
        counts["invitations"] = visible.filter(person__user=actor, status=S.PENDING).count()
    enterprises = administered_enterprises(actor)
    if enterprises.exists():
        leaving = visible.filter(previous_employment__enterprise__in=enterprises)
        counts["leaving"] = leaving.filter(status=S.REVIEW).count()
        since = timezone.now() - datetime.timedelta(days=LEFT_RECENTLY_DAYS)
        counts["left"] = leaving.filter(status=S.APPROVED, decided_at__gte=since).count()
    if is_reviewer(actor):
        counts["to_review"] = requests_to_review(actor, status=S.REVIEW).count()
    return counts
