"""Offline training hours and authority adjustments.

A training institution uploads a batch of offline training rows (XLSX or CSV). Every row is
checked at upload and keeps its list of errors, so the institution and the authority see a report
of every bad row. An authority reviewer whose region covers the batch's region approves or rejects
the batch; approval writes one ledger entry per valid row, in the same transaction, and nothing of
a rejected batch ever counts. An authority may also adjust a person's hours directly, with a
reason; the ledger entry itself is the record of who did it and why.
"""

import datetime
import hashlib
import logging
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cms.models import CoursePage, KnowledgeCategory
from kernel import audit
from kernel.audit import AuditEventType
from kernel.reasons import reason_clean
from kernel.tables import Table, read_table
from kernel.validators import validate_id_number
from lms.models import (
    Credential,
    Employment,
    Organisation,
    OrganisationKind,
    Person,
    User,
)
from lms.policies import region_paths

from .. import policies
from ..errors import ERRORS
from ..models import BatchStatus, HoursEntry, HoursSource, OfflineBatch, OfflineRow
from ..models.offline import BATCH_MACHINE
from .standing import standings_refresh

log = logging.getLogger(__name__)

MAX_ROWS = 5000
MAX_COLUMNS = 30
MAX_ROW_HOURS = Decimal("40")  # more than a working week of training in one row is not believable
MAX_ADJUSTMENT_HOURS = Decimal("200")
MIN_REASON_LENGTH = 4
HUNDREDTH = Decimal("0.01")

# The columns of a batch file: the canonical name, then every header accepted for it (compared
# without spaces, underscores and case). The first header of each is the one the template uses.
COLUMNS: dict[str, tuple[str, ...]] = {
    "id_number": ("身份证号", "身份证号码", "证件号码", "身份证", "id_number", "idnumber", "id"),
    "name": ("姓名", "name"),
    "course": ("课程", "课程名称", "course"),
    "credential": ("证书类别", "证书", "证书类型", "credential"),
    "category": ("学时类别", "知识类别", "category"),
    "hours": ("学时", "学时数", "hours"),
    "date": ("日期", "培训日期", "date"),
}
REQUIRED_COLUMNS = ("id_number", "name", "course", "hours", "date")

# What a category cell may say, for each knowledge category.
CATEGORY_WORDS: dict[str, str] = {
    "专业岗位知识": KnowledgeCategory.PROFESSIONAL,
    "专业": KnowledgeCategory.PROFESSIONAL,
    "professional": KnowledgeCategory.PROFESSIONAL,
    "通用": KnowledgeCategory.GENERAL,
    "通用安全知识": KnowledgeCategory.GENERAL,
    "通用知识": KnowledgeCategory.GENERAL,
    "general": KnowledgeCategory.GENERAL,
}


def template_headers() -> list[str]:
    """The header row of a blank batch file, in the order the columns are documented."""
    return [aliases[0] for aliases in COLUMNS.values()]


# ---------------------------------------------------------------------------------------------
# Reading the file


def _read_table(file_name: str, data: bytes) -> Table:
    table = read_table(file_name=file_name, data=data, aliases=COLUMNS, max_rows=MAX_ROWS)
    missing = [COLUMNS[column][0] for column in REQUIRED_COLUMNS if column not in table.columns]
    if missing:
        raise ERRORS.error("columns_missing", details={"columns": missing}, columns="、".join(missing))
    if not table.rows:
        raise ERRORS.error("file_has_no_rows")
    return table


# ---------------------------------------------------------------------------------------------
# Checking the rows


def _parse_hours(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        hours = Decimal(str(value).strip()) if not isinstance(value, float) else Decimal(repr(value))
    except (InvalidOperation, ValueError):
        return None
    if not hours.is_finite():
        return None
    return hours


def _parse_date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # An Excel serial day number in a cell that was not formatted as a date.
        if 20000 <= value <= 80000:
            from openpyxl.utils.datetime import from_excel

            return from_excel(value).date()
        return None
    text = str(value or "").strip()
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]00:00(?::00)?)?", text)
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


@dataclass
class _Catalogue:
    """The institution's live courses, looked up by id or by title."""

    by_id: dict[int, CoursePage]
    by_title: dict[str, CoursePage]
    credentials: dict[int, list[Credential]]

    @classmethod
    def of(cls, institution: Organisation) -> "_Catalogue":
        courses = list(
            CoursePage.objects.live().filter(institution=institution).order_by("path").prefetch_related("credentials")
        )
        by_title: dict[str, CoursePage] = {}
        for course in courses:
            by_title.setdefault(course.title.strip(), course)
        return cls(
            by_id={course.pk: course for course in courses},
            by_title=by_title,
            credentials={course.pk: sorted(course.credentials.all(), key=lambda c: c.code) for course in courses},
        )

    def find(self, text: str) -> CoursePage | None:
        if text.isdigit() and int(text) in self.by_id:
            return self.by_id[int(text)]
        return self.by_title.get(text)


def _row_key(person_id: int, course_id: int, earned_on: datetime.date, hours: Decimal) -> tuple:
    return (person_id, course_id, earned_on, hours.quantize(HUNDREDTH))


def _counted_keys(person_ids: set[int]) -> set[tuple]:
    """The rows of these people that already count: rows of approved batches with a ledger entry."""
    keys = set()
    counted = OfflineRow.objects.filter(person_id__in=person_ids, entry__isnull=False).values_list(
        "person_id", "raw", "earned_on", "hours"
    )
    for person_id, raw, earned_on, hours in counted:
        if raw.get("course_id") and earned_on and hours is not None:
            keys.add(_row_key(person_id, raw["course_id"], earned_on, hours))
    return keys


def _check_rows(table: Table, institution: Organisation, region_path: str, today: datetime.date) -> list[OfflineRow]:
    catalogue = _Catalogue.of(institution)
    credentials = {credential.code.upper(): credential for credential in Credential.objects.all()}
    credentials_by_name = {credential.name: credential for credential in credentials.values()}

    ids: dict[int, str | None] = {}
    for line, values in table.rows:
        try:
            ids[line] = validate_id_number(table.text(values, "id_number"))
        except ValidationError:
            ids[line] = None
    people = {person.id_number: person for person in Person.objects.filter(id_number__in=[i for i in ids.values() if i])}
    person_ids = {person.pk for person in people.values()}
    employed_here = set(
        Employment.objects.filter(
            person_id__in=person_ids, end_date__isnull=True, enterprise__region__path__startswith=region_path
        ).values_list("person_id", flat=True)
    )
    counted = _counted_keys(person_ids)
    seen: dict[tuple, int] = {}

    rows = []
    for line, values in table.rows:
        raw = {column: table.text(values, column) for column in COLUMNS}
        errors: list[dict] = []
        row = OfflineRow(line=line, raw=raw)

        id_text = raw["id_number"]
        if ids[line] is None:
            try:
                validate_id_number(id_text)
            except ValidationError as invalid:
                errors.append(ERRORS.row("id_number_invalid", message=" ".join(str(m) for m in invalid.messages)))
        else:
            row.person = people.get(ids[line])
            if row.person is None:
                errors.append(ERRORS.row("person_unknown"))
        if row.person is not None:
            if raw["name"].replace(" ", "") != row.person.real_name.replace(" ", ""):
                errors.append(ERRORS.row("name_mismatch"))
            if row.person.pk not in employed_here:
                errors.append(ERRORS.row("not_employed_in_region"))

        course = catalogue.find(raw["course"])
        if course is None:
            errors.append(ERRORS.row("course_unknown"))
        else:
            raw["course_id"] = course.pk

        served = catalogue.credentials.get(course.pk, []) if course else []
        credential_text = raw["credential"]
        if credential_text:
            row.credential = credentials.get(credential_text.upper()) or credentials_by_name.get(credential_text)
            if row.credential is None:
                errors.append(ERRORS.row("credential_unknown"))
            elif course is not None and row.credential not in served:
                errors.append(ERRORS.row("credential_not_served"))
        elif course is not None:
            row.credential = served[0] if served else None
            if row.credential is None:
                errors.append(ERRORS.row("credential_missing"))

        category_text = raw["category"]
        if category_text:
            row.category = CATEGORY_WORDS.get(category_text.replace(" ", "").lower(), "")
            if not row.category:
                errors.append(ERRORS.row("category_invalid"))
        elif course is not None:
            row.category = course.category

        hours = _parse_hours(table.cell(values, "hours"))
        if hours is None or hours <= 0 or hours > MAX_ROW_HOURS or hours != hours.quantize(HUNDREDTH):
            errors.append(ERRORS.row("hours_invalid", max=MAX_ROW_HOURS))
        else:
            row.hours = hours.quantize(HUNDREDTH)

        earned_on = _parse_date(table.cell(values, "date"))
        if earned_on is None:
            errors.append(ERRORS.row("date_invalid"))
        elif earned_on > today:
            errors.append(ERRORS.row("date_in_future"))
        else:
            row.earned_on = earned_on

        # Only a row without other errors is compared: a bad row is reported for what is wrong with it.
        if not errors:
            key = _row_key(row.person.pk, course.pk, row.earned_on, row.hours)
            if key in seen:
                errors.append(ERRORS.row("duplicate_row", line=seen[key]))
            elif key in counted:
                errors.append(ERRORS.row("hours_already_approved"))
            else:
                seen[key] = line
        row.errors = errors
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------------------------
# Services


def offline_batch_upload(
    *, actor: User, institution: Organisation, file_name: str, data: bytes, now: datetime.datetime | None = None
) -> OfflineBatch:
    """Store an institution's batch with every row and its errors. The batch waits for an
    authority of the institution's region."""
    now = now or timezone.now()
    if institution.kind != OrganisationKind.INSTITUTION or not (
        policies.uploading_institutions(actor).filter(pk=institution.pk).exists()
    ):
        raise ERRORS.error("not_institution_staff")
    file_name = PurePath(file_name or "").name[:200]
    digest = hashlib.sha256(data).hexdigest()
    table = _read_table(file_name, data)
    if OfflineBatch.objects.filter(
        institution=institution, file_sha256=digest, status__in=[BatchStatus.SUBMITTED, BatchStatus.APPROVED]
    ).exists():
        raise ERRORS.error("batch_already_uploaded")
    region = institution.region
    rows = _check_rows(table, institution, region.path, timezone.localdate(now))
    with transaction.atomic():
        batch = OfflineBatch.objects.create(
            institution=institution,
            region=region,
            uploaded_by=actor,
            file_name=file_name,
            file_sha256=digest,
            uploaded_at=now,
        )
        for row in rows:
            row.batch = batch
        OfflineRow.objects.bulk_create(rows)
        audit.record(
            event_type=AuditEventType.CREATED, target=batch, actor=actor, new_state=batch.status,
            extra={"rows": len(rows), "bad_rows": sum(1 for row in rows if row.errors), "sha256": digest}, now=now,
        )
    return batch


def offline_batch_decide(
    *, actor: User, batch: OfflineBatch, approve: bool, reason: str = "", now: datetime.datetime | None = None
) -> OfflineBatch:
    """An authority of the batch's region approves it (its valid rows enter the ledger) or rejects
    it with a reason (nothing of it counts)."""
    to = BatchStatus.APPROVED if approve else BatchStatus.REJECTED
    return batch_transition(actor=actor, batch=batch, to=to, reason=reason, now=now)


def batch_transition(
    *, actor: User, batch: OfflineBatch, to: str, reason: str = "", now: datetime.datetime | None = None
) -> OfflineBatch:
    """The one place a batch's status changes: locks it, checks the actor's region and the move
    against BATCH_MACHINE, writes the ledger entries of an approval and the audit row."""
    now = now or timezone.now()
    with transaction.atomic():
        batch = OfflineBatch.objects.select_for_update().select_related("region").get(pk=batch.pk)
        if not policies.covers_batch_region(actor, batch.region.path):
            raise ERRORS.error("not_batch_authority")
        source = batch.status
        BATCH_MACHINE.check(source, to)
        reason = reason_clean(reason, required=to == BatchStatus.REJECTED)
        entries = _ledger_entries(batch, actor) if to == BatchStatus.APPROVED else []
        batch.status = to
        batch.decided_by = actor
        batch.decided_at = now
        batch.reason = reason
        batch.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        audit.record(
            event_type=AuditEventType.DECIDED, target=batch, actor=actor, old_state=source, new_state=to,
            extra={"reason": reason, "ledger_entries": len(entries)}, now=now,
        )
    return batch


def _ledger_entries(batch: OfflineBatch, actor: User) -> list[HoursEntry]:
    """One ledger entry for each valid row. A row that has since become a duplicate of hours
    approved in another batch is marked so and left out."""
    rows = [row for row in batch.rows.select_for_update().order_by("line") if row.valid]
    person_ids = {row.person_id for row in rows}
    # Another batch with rows of the same people waits until this one is settled, so that the
    # same hours are never approved twice by two decisions at once.
    list(Person.objects.select_for_update().filter(pk__in=person_ids).order_by("pk").values_list("pk", flat=True))
    counted = _counted_keys(person_ids)
    entries = []
    for row in rows:
        key = _row_key(row.person_id, row.raw["course_id"], row.earned_on, row.hours)
        if key in counted:
            row.errors = [ERRORS.row("hours_already_approved")]
            row.save(update_fields=["errors"])
            continue
        counted.add(key)
        entries.append(
            HoursEntry(
                person_id=row.person_id,
                credential_id=row.credential_id,
                category=row.category,
                hours=row.hours,
                earned_on=row.earned_on,
                source=HoursSource.OFFLINE,
                offline_row=row,
                evidence={
                    "batch": batch.pk,
                    "line": row.line,
                    "course": row.raw["course_id"],
                    "institution": batch.institution_id,
                    "file_sha256": batch.file_sha256,
                },
                recorded_by=actor,
            )
        )
    if not entries:
        raise ERRORS.error("batch_has_no_valid_rows")
    created = HoursEntry.objects.bulk_create(entries)
    standings_refresh(pairs=[(entry.person_id, entry.credential_id) for entry in created])
    return created


def hours_adjust(
    *,
    actor: User,
    person: Person,
    credential: Credential,
    category: str,
    hours: Decimal,
    earned_on: datetime.date,
    reason: str,
    now: datetime.datetime | None = None,
) -> HoursEntry:
    """An authority overseeing the person adds (or, with negative hours, removes) hours of one
    credential, with a reason. The ledger entry records who, when and why."""
    now = now or timezone.now()
    if not policies.adjustable_people(actor).filter(pk=person.pk).exists():
        raise ERRORS.error("not_overseeing_authority")
    reason = reason_clean(reason, minimum=MIN_REASON_LENGTH)
    if credential is None:
        raise ERRORS.error("credential_required")
    if category not in KnowledgeCategory.values:
        raise ERRORS.error("category_invalid")
    hours = _parse_hours(hours)
    if hours is None or hours == 0 or abs(hours) > MAX_ADJUSTMENT_HOURS or hours != hours.quantize(HUNDREDTH):
        raise ERRORS.error("adjustment_hours_invalid", max=MAX_ADJUSTMENT_HOURS)
    if earned_on > timezone.localdate(now):
        raise ERRORS.error("date_in_future")
    with transaction.atomic():
        Person.objects.select_for_update().get(pk=person.pk)
        if hours < 0:
            held = sum(
                HoursEntry.objects.filter(person=person, credential=credential, category=category).values_list(
                    "hours", flat=True
                ),
                Decimal("0"),
            )
            if held + hours < 0:
                raise ERRORS.error("hours_below_zero", held=held)
        entry = HoursEntry.objects.create(
            person=person,
            credential=credential,
            category=category,
            hours=hours.quantize(HUNDREDTH),
            earned_on=earned_on,
            source=HoursSource.ADJUSTMENT,
            reason=reason,
            recorded_by=actor,
            evidence={"adjusted_at": now.isoformat(), "authority_regions": region_paths(actor)},
        )
        standings_refresh(pairs=[(person.pk, credential.pk)])
    log.info(
        "hours adjusted by user %s for person %s: %s hours of credential %s (%s) on %s; reason: %s",
        actor.pk, person.pk, entry.hours, credential.code, category, earned_on, reason,
    )
    return entry
