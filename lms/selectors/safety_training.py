"""Reads of the enterprise's annual safety training (企业年度安全生产教育培训合格): a person's latest
record by an enterprise, and an enterprise's current employees with theirs."""

import datetime

from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from ..models import Employment, Organisation, Person, SafetyTraining
from ..rules.dates import training_holds


def latest_training(person: Person, enterprise: Organisation | None) -> SafetyTraining | None:
    if enterprise is None:
        return None
    return SafetyTraining.objects.filter(person=person, enterprise=enterprise).order_by("-passed_on", "-pk").first()


def holds(training: SafetyTraining | None, today: datetime.date | None = None) -> bool:
    """Whether a record still counts: passed within the last twelve months (as admission checks)."""
    return training_holds(training.passed_on if training else None, today or timezone.localdate())


def employees_with_training(enterprise: Organisation):
    """The enterprise's current employees, each with `trained_on`: the day of its latest record of
    their training by this enterprise (None: none), in one query."""
    latest = (
        SafetyTraining.objects.filter(enterprise=enterprise, person=OuterRef("person"))
        .values("person").annotate(day=Max("passed_on")).values("day")
    )
    return (
        Employment.objects.filter(enterprise=enterprise, end_date__isnull=True)
        .select_related("person").annotate(trained_on=Subquery(latest)).order_by("person__real_name", "pk")
    )
