"""The audit portal's reads of the capture log: a page of entries under filters, one entry and the
evidence it points at. Scoped to the people the acting reviewer oversees (lms.policies); what they
may not see is not found.

The list is keyset-paginated: newest first, each page the entries with an id below the last one
shown, LIMIT page size + 1 to know whether there is a next page. No COUNT of the log, ever: every
filter has an index ending in id (proctor.models.capturelog), so a page costs an index range scan
whatever the log's size (bench/audit_portal.py, docs/performance.md)."""

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import QuerySet

from kernel.errors import NotFoundError
from lms.models import User
from lms.policies import is_superuser, people_overseen

from ..errors import ERRORS
from ..models import CaptureLogEntry, Snapshot


@dataclass(frozen=True)
class LogFilter:
    person_ids: QuerySet | list[int] | None = None  # None: everyone the actor oversees
    kinds: tuple[str, ...] = ()
    decision: str = ""
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None
    subjects: tuple[str, ...] = ()


@dataclass(frozen=True)
class LogPage:
    entries: list[CaptureLogEntry]
    next_before: int | None  # the cursor of the next (older) page, or None at the end


def entries_visible(actor: User) -> QuerySet[CaptureLogEntry]:
    """The entries about the people the actor oversees (every entry for a superuser)."""
    if is_superuser(actor):
        return CaptureLogEntry.objects.all()
    return CaptureLogEntry.objects.filter(person__in=people_overseen(actor).values("pk"))


def log_page(actor: User, filters: LogFilter, *, before: int | None = None, size: int = 50) -> LogPage:
    if before is not None and before <= 0:
        raise ERRORS.error("log_cursor_invalid")
    queryset = entries_visible(actor)
    if filters.person_ids is not None:
        queryset = queryset.filter(person__in=filters.person_ids)
    if filters.kinds:
        queryset = queryset.filter(kind__in=filters.kinds)
    if filters.decision:
        queryset = queryset.filter(kind=CaptureLogEntry.Kind.SNAPSHOT_DECIDED, payload__decision=filters.decision)
    if filters.subjects:
        queryset = queryset.filter(subject__in=filters.subjects)
    if filters.since:
        queryset = queryset.filter(created_at__gte=filters.since)
    if filters.until:
        queryset = queryset.filter(created_at__lt=filters.until)
    if before is not None:
        queryset = queryset.filter(id__lt=before)
    rows = list(queryset.select_related("person").order_by("-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return LogPage(entries=rows, next_before=rows[-1].id if more and rows else None)


def entry_get(actor: User, entry_id: int) -> CaptureLogEntry:
    entry = entries_visible(actor).select_related("person").filter(pk=entry_id).first()
    if entry is None:
        raise NotFoundError.default()
    return entry


@dataclass(frozen=True)
class Evidence:
    snapshot: Snapshot | None
    frames: list
    purge: CaptureLogEntry | None
    related: list[CaptureLogEntry]

    @property
    def retained(self) -> bool:
        return bool(self.snapshot and self.snapshot.image and not self.snapshot.purged_at)


def _snapshot_id(subject: str):
    kind, _, value = subject.partition(":")
    if kind != "snapshot":
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def entry_evidence(actor: User, entry: CaptureLogEntry) -> Evidence:
    """What an entry is evidence of: its snapshot (the images while retained, else the hashes and
    the purge entry) and the other entries about the same subject."""
    related = list(
        entries_visible(actor).filter(subject=entry.subject).exclude(pk=entry.pk).order_by("id")[:50]
    ) if entry.subject else []
    snapshot_id = _snapshot_id(entry.subject)
    snapshot = Snapshot.objects.filter(pk=snapshot_id, person_id=entry.person_id).first() if snapshot_id else None
    frames = list(snapshot.frames.order_by("index")) if snapshot else []
    purge = next((item for item in related if item.kind == CaptureLogEntry.Kind.SNAPSHOT_PURGED), None)
    return Evidence(snapshot=snapshot, frames=frames, purge=purge, related=related)


def export_file(export):
    """The zip of a ready export, or the refusal `export_not_ready`."""
    if not export.file:
        raise ERRORS.error("export_not_ready")
    return export.file
