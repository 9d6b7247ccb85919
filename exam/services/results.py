"""Writes of scores by part: an examiner enters a practical or venue score (or an absence), the
authority uploads a table of them with a row-level report, locks the sheet (scores final), and
compiles the pass list of those who passed every part for the province's confirmation (through
hours.services.passes). `score_sheet_transition` is the one place a sheet's status changes."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from hours.services import passes as pass_services
from kernel import audit
from kernel.audit import AuditEventType
from kernel.tables import cell_text, header_key, read_rows
from lms.models import Person, User

from .. import policies
from ..errors import ERRORS
from ..models import (
    Part,
    PartScore,
    ScoreSheet,
    ScoreSheetStatus,
    Sitting,
    SittingCandidate,
    TheoryMode,
)
from ..models.results import SCORE_SHEET_MACHINE
from ..rules import results as rules
from ..selectors import results as selectors

MAX_ROWS = 5000
# The refusal _parse_score names (exam/errors.py).
SCORE_CODES = ("score_out_of_range",)
ABSENT_WORDS = {"缺考", "缺席", "absent"}
# The columns of a score table: the canonical name, then every header accepted for it.
COLUMNS = {
    "id_number": ("身份证号", "身份证号码", "准考证号", "id_number", "ticket"),
    "name": ("姓名", "name"),
    "theory": ("理论成绩", "理论", "theory"),
    "practical": ("实操成绩", "实操", "practical"),
}


def _parts_scored_here(sitting: Sitting) -> dict[str, Decimal]:
    """The parts of the sitting's exam whose scores come from outside the room, with their maximum."""
    exam = sitting.exam
    parts = {}
    if exam.theory_mode == TheoryMode.VENUE:
        parts[Part.THEORY] = exam.theory_max_score
    if exam.has_practical:
        parts[Part.PRACTICAL] = exam.practical_max_score
    return parts


def _sheet_open(sitting: Sitting, *, lock: bool = False) -> ScoreSheet:
    sheet, _created = ScoreSheet.objects.get_or_create(sitting=sitting)
    if lock:
        sheet = ScoreSheet.objects.select_for_update().get(pk=sheet.pk)
    if sheet.status != ScoreSheetStatus.OPEN:
        raise ERRORS.error("scores_locked")
    return sheet


def _parse_score(text: str, maximum: Decimal) -> tuple[Decimal | None, bool, str]:
    """(score, absent, error code) of one cell."""
    text = (text or "").strip()
    if text.lower() in ABSENT_WORDS:
        return None, True, ""
    try:
        score = Decimal(text)
    except (InvalidOperation, ValueError):
        return None, False, "score_out_of_range"
    if not score.is_finite() or not rules.score_in_range(score, maximum) or score != score.quantize(Decimal("0.01")):
        return None, False, "score_out_of_range"
    return score, False, ""


def _store(*, sitting, person_id, part, score, absent, actor, source, now) -> None:
    old = PartScore.objects.filter(sitting=sitting, person_id=person_id, part=part).first()
    PartScore.objects.update_or_create(
        sitting=sitting, person_id=person_id, part=part,
        defaults={"score": score, "absent": absent, "source": source, "entered_by": actor, "entered_at": now},
    )
    audit.record(
        event_type=AuditEventType.CHANGED, target=sitting, actor=actor,
        old_state="" if old is None else ("absent" if old.absent else str(old.score)),
        new_state="absent" if absent else str(score),
        extra={"part": part, "person": person_id, "source": source}, now=now,
    )


def part_score_enter(
    *, actor: User, sitting: Sitting, person: Person, part: str, value: str, now: datetime.datetime | None = None
) -> None:
    """An examiner of the sitting enters one candidate's score of one part ("缺考" for absent)."""
    now = now or timezone.now()
    if not policies.can_proctor(actor, sitting):
        raise ERRORS.error("not_examiner")
    parts = _parts_scored_here(sitting)
    if part not in parts:
        raise ERRORS.error("part_not_in_exam")
    if not SittingCandidate.objects.filter(sitting=sitting, person=person).exists():
        raise ERRORS.error("candidate_unknown")
    score, absent, code = _parse_score(value, parts[part])
    if code:
        raise ERRORS.error(code, max=parts[part])
    with transaction.atomic():
        _sheet_open(sitting, lock=True)
        _store(sitting=sitting, person_id=person.pk, part=part, score=score, absent=absent, actor=actor,
               source=PartScore.Source.ENTERED, now=now)


@dataclass
class ScoreRow:
    line: int
    label: str
    outcome: str  # "stored", "absent" or "refused"
    problems: list[dict] = field(default_factory=list)


@dataclass
class ScoreUploadReport:
    rows: list[ScoreRow] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return sum(1 for row in self.rows if row.outcome != "refused")

    @property
    def refused(self) -> list[ScoreRow]:
        return [row for row in self.rows if row.outcome == "refused"]


def scores_upload(
    *, actor: User, sitting: Sitting, file_name: str, data: bytes, now: datetime.datetime | None = None
) -> ScoreUploadReport:
    """The authority uploads a table of scores (XLSX or CSV, read by kernel.tables): 身份证号 (or
    准考证号), 姓名, 理论成绩 and/or 实操成绩, "缺考" for an absence. Every row is reported: stored,
    absent, or refused with its problems (unknown candidate, score out of range, duplicate); the
    valid rows are stored, the others change nothing."""
    now = now or timezone.now()
    if not policies.can_manage_sitting(actor, sitting):
        raise ERRORS.error("not_examiner")
    parts = _parts_scored_here(sitting)
    if not parts:
        raise ERRORS.error("part_not_in_exam")
    rows = read_rows(file_name=file_name, data=data, max_rows=MAX_ROWS)
    header = [header_key(value) for value in rows[0][1]] if rows else []
    index = {}
    for key, names in COLUMNS.items():
        for position, value in enumerate(header):
            if value in {header_key(name) for name in names}:
                index[key] = position
                break
    if "id_number" not in index or not any(part in index for part in parts):
        raise ERRORS.error("score_columns_missing")
    candidates = {
        person.id_number: person
        for person in Person.objects.filter(sitting_candidates_of(sitting))
    }
    report = ScoreUploadReport()
    seen: dict[str, int] = {}
    with transaction.atomic():
        _sheet_open(sitting, lock=True)
        for line, values in rows[1:]:
            cells = [cell_text(value) for value in values]

            def cell(key):
                return cells[index[key]] if key in index and index[key] < len(cells) else ""

            number = cell("id_number").strip().upper()
            person = candidates.get(number)
            label = f"{cell('name') or number}"
            problems = []
            if person is None:
                problems.append(ERRORS.row("candidate_unknown"))
            elif number in seen:
                problems.append(ERRORS.row("duplicate_candidate_row", line=seen[number]))
            else:
                seen[number] = line
                label = f"{person.real_name} ({person.masked_id_number})"
            parsed = {}
            for part, maximum in parts.items():
                if part not in index or not cell(part).strip():
                    continue
                score, absent, code = _parse_score(cell(part), maximum)
                if code:
                    problems.append(ERRORS.row(code, max=maximum))
                else:
                    parsed[part] = (score, absent)
            if problems:
                report.rows.append(ScoreRow(line, label, "refused", problems))
                continue
            for part, (score, absent) in parsed.items():
                _store(sitting=sitting, person_id=person.pk, part=part, score=score, absent=absent, actor=actor,
                       source=PartScore.Source.UPLOADED, now=now)
            absent_any = any(absent for _score, absent in parsed.values())
            report.rows.append(ScoreRow(line, label, "absent" if absent_any else "stored"))
    return report


def sitting_candidates_of(sitting: Sitting) -> Q:
    return Q(pk__in=SittingCandidate.objects.filter(sitting=sitting).values("person_id"))


def score_sheet_transition(*, sitting: Sitting, to: str, actor: User, now: datetime.datetime | None = None) -> ScoreSheet:
    """Lock a sitting's scores (the one move): from then on they are final."""
    now = now or timezone.now()
    if not policies.can_manage_sitting(actor, sitting):
        raise ERRORS.error("not_examiner")
    with transaction.atomic():
        sheet, _created = ScoreSheet.objects.get_or_create(sitting=sitting)
        sheet = ScoreSheet.objects.select_for_update().get(pk=sheet.pk)
        source = sheet.status
        SCORE_SHEET_MACHINE.check(source, to)
        sheet.status, sheet.locked_by, sheet.locked_at = to, actor, now
        sheet.save(update_fields=["status", "locked_by", "locked_at"])
        audit.record(event_type=AuditEventType.STATUS_CHANGED, target=sheet, actor=actor, old_state=source, new_state=to,
                     extra={"sitting": sitting.pk}, now=now)
    return sheet


def pass_list_compile(*, actor: User, sitting: Sitting, now: datetime.datetime | None = None):
    """The city authority lists the sitting's candidates who passed every part, for the province
    to confirm (省厅确认成绩名单). Scores must be locked first."""
    now = now or timezone.now()
    if not policies.can_manage_sitting(actor, sitting):
        raise ERRORS.error("not_examiner")
    if _parts_scored_here(sitting) and selectors.score_sheet_status(sitting) != ScoreSheetStatus.LOCKED:
        raise ERRORS.error("scores_not_locked")
    passed = selectors.passed_candidates(sitting, now=now)
    if not passed:
        raise ERRORS.error("nobody_passed")
    passed_on = timezone.localdate(sitting.ends_at)
    return pass_services.pass_list_submit(
        actor=actor,
        authority=sitting.authority,
        credential=sitting.exam.credential,
        source=f"exam.sitting:{sitting.pk}",
        institution=sitting.institution,
        label=f"{sitting.exam.title} · {timezone.localtime(sitting.starts_at):%Y-%m-%d}",
        passers=[
            pass_services.Passer(
                person=row.person,
                passed_on=passed_on,
                theory_score=row.theory.score if row.theory else None,
                practical_score=row.practical.score if row.practical else None,
            )
            for row in passed
        ],
        now=now,
    )
