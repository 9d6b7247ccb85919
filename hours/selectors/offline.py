"""Reads of offline training batches and of the hours an authority may adjust, scoped to the
acting user: an institution's staff see their institution's batches, an authority the batches of
its regions, a superuser all of them; anything else is a 404."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from cms.models import KnowledgeCategory
from kernel.errors import NotFoundError
from lms.models import Person, User

from .. import policies
from ..models import HoursEntry, HoursSource, OfflineBatch, OfflineRow


def batches_for(actor: User) -> QuerySet[OfflineBatch]:
    return policies.batches_visible(actor).select_related("institution", "region", "uploaded_by", "decided_by").annotate(
        row_count=Count("rows"), bad_count=Count("rows", filter=~Q(rows__errors=[]))
    ).order_by("-uploaded_at", "-pk")


def batch_get(actor: User, pk) -> OfflineBatch:
    try:
        return batches_for(actor).get(pk=pk)
    except (OfflineBatch.DoesNotExist, ValueError, TypeError):
        raise NotFoundError.default()


@dataclass(frozen=True)
class BatchReport:
    rows: list[OfflineRow]

    @property
    def bad_rows(self) -> list[OfflineRow]:
        return [row for row in self.rows if row.errors]

    @property
    def good(self) -> int:
        return len(self.rows) - len(self.bad_rows)

    @property
    def bad(self) -> int:
        return len(self.bad_rows)

    @property
    def good_hours(self) -> Decimal:
        return sum((row.hours for row in self.rows if not row.errors and row.hours is not None), Decimal("0"))


def batch_report(batch: OfflineBatch) -> BatchReport:
    """Every row of a batch with its errors, in file order."""
    labels = dict(KnowledgeCategory.choices)
    rows = list(batch.rows.select_related("person", "credential").order_by("line"))
    for row in rows:
        row.category_label = labels.get(row.category, row.raw.get("category", ""))
    return BatchReport(rows=rows)



def adjustable_person(actor: User, pk) -> Person:
    """A person whose hours the actor may adjust: one an authority oversees, or a 404."""
    try:
        return policies.adjustable_people(actor).get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise NotFoundError.default()


@dataclass(frozen=True)
class HoursBalance:
    credential: str
    category: str
    hours: Decimal


def hours_balances(person: Person) -> list[HoursBalance]:
    """What a person holds, kept apart by credential and knowledge category."""
    totals: dict[tuple[str, str], Decimal] = {}
    for entry in HoursEntry.objects.filter(person=person).select_related("credential"):
        key = (str(entry.credential) if entry.credential else "—", entry.get_category_display())
        totals[key] = totals.get(key, Decimal("0")) + entry.hours
    return [HoursBalance(credential=c, category=k, hours=h) for (c, k), h in sorted(totals.items())]


def recent_adjustments(person: Person, limit: int = 20) -> QuerySet[HoursEntry]:
    return (
        HoursEntry.objects.filter(person=person, source=HoursSource.ADJUSTMENT)
        .select_related("credential", "recorded_by")
        .order_by("-created_at")[:limit]
    )
