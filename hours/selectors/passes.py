"""Reads of pass lists and passes, scoped to the acting user (hours.policies.pass_lists_visible)."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils import timezone

from kernel.errors import NotFoundError
from lms.models import Person, User

from .. import policies
from ..models import Pass, PassList, PassListStatus
from ..rules.passes import pass_state


def pass_lists_for(actor: User, *, status: str = "") -> QuerySet[PassList]:
    queryset = (
        policies.pass_lists_visible(actor)
        .select_related("authority__region", "institution", "credential", "compiled_by", "decided_by")
        .annotate(pass_count=Count("passes"))
    )
    return queryset.filter(status=status) if status else queryset


def pass_list_get(actor: User, pk) -> PassList:
    try:
        return pass_lists_for(actor).get(pk=pk)
    except (PassList.DoesNotExist, ValueError, TypeError):
        raise NotFoundError.default()


def waiting_for_confirmation(actor: User) -> list[PassList]:
    """Lists the actor's province must still confirm (for its home page)."""
    return [item for item in pass_lists_for(actor, status=PassListStatus.SUBMITTED) if policies.can_confirm_pass_list(actor, item)]


@dataclass(frozen=True)
class PassRow:
    item: Pass
    state: str  # hours.rules.passes.pass_state


def pass_rows(pass_list: PassList, *, on: datetime.date | None = None) -> list[PassRow]:
    on = on or timezone.localdate()
    items = pass_list.passes.select_related("person", "certificate").order_by("person__real_name", "pk")
    return [
        PassRow(item, pass_state(list_status=pass_list.status, keep_until=item.keep_until, certificate_id=item.certificate_id, on=on))
        for item in items
    ]


def passes_of(person: Person, *, on: datetime.date | None = None) -> list[PassRow]:
    """A candidate's own passes, each with its state and the date it lapses."""
    on = on or timezone.localdate()
    items = Pass.objects.filter(person=person).select_related("pass_list__credential", "certificate").order_by("-passed_on")
    return [
        PassRow(item, pass_state(list_status=item.pass_list.status, keep_until=item.keep_until, certificate_id=item.certificate_id, on=on))
        for item in items
    ]
