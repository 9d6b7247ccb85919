"""Reads of the audit portal: which people a filter of the capture log means, and the dossiers of a
person, an institution and a sitting. Every read takes the acting reviewer and is scoped to the
people and organisations of their regions; anything else is not found (ids reveal nothing).

The portal lives in exam because a dossier spans exam, hours and proctor; the capture log's list
and its evidence are proctor's (proctor.selectors.portal)."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from cms.models import CoursePage
from hours.models import (
    Certificate,
    Enrolment,
    HoursEntry,
    LessonProgress,
    OfflineBatch,
    StudySession,
)
from hours.selectors.study import lesson_verification
from kernel.errors import NotFoundError
from lms.models import Employment, Organisation, OrganisationKind, Person, User
from lms.policies import people_overseen
from proctor.models import Decision, Snapshot, VideoClip
from proctor.policies import can_see_evidence_of
from proctor.selectors.portal import LogFilter

from .. import policies
from ..errors import ERRORS
from ..models import Attempt, Incident, Review, ReviewStatus, Sitting


def require_auditor(actor: User) -> None:
    if not policies.can_audit(actor):
        raise ERRORS.error("audit_reviewers_only")


def organisations(actor: User, kind: str) -> QuerySet[Organisation]:
    return Organisation.objects.filter(policies.audited_organisations(actor), kind=kind).order_by("name")


def sittings(actor: User) -> QuerySet[Sitting]:
    return Sitting.objects.filter(policies.audited_sittings(actor)).select_related("exam").order_by("-starts_at")


def courses(actor: User) -> QuerySet[CoursePage]:
    return CoursePage.objects.filter(institution__in=organisations(actor, OrganisationKind.INSTITUTION)).order_by("title")


def person_matches(actor: User, text: str) -> QuerySet[Person]:
    """People the actor oversees whose ID number or real name is `text`."""
    text = text.strip()
    return people_overseen(actor).filter(Q(id_number=text.upper()) | Q(real_name=text))


def log_filter(
    actor: User, *, person: str = "", person_id: int | None = None, enterprise: int | None = None,
    institution: int | None = None, course: int | None = None, sitting: int | None = None,
    kind: str = "", decision: str = "", since: datetime.date | None = None, until: datetime.date | None = None,
) -> LogFilter:
    """The capture log's filter for what the form asked: the person, enterprise, institution, course
    and sitting filters each narrow the people (an organisation or a sitting of another region
    matches nobody); kind, decision and dates narrow the entries."""
    groups: list[QuerySet] = []
    if person_id:
        groups.append(people_overseen(actor).filter(pk=person_id).values("pk"))
    if person:
        groups.append(person_matches(actor, person).values("pk"))
    if enterprise:
        scope = organisations(actor, OrganisationKind.ENTERPRISE).filter(pk=enterprise)
        groups.append(Employment.objects.filter(enterprise__in=scope).values("person"))
    if institution:
        scope = organisations(actor, OrganisationKind.INSTITUTION).filter(pk=institution)
        groups.append(Enrolment.objects.filter(course__institution__in=scope).values("person"))
    if course:
        groups.append(Enrolment.objects.filter(course__in=courses(actor).filter(pk=course)).values("person"))
    if sitting:
        groups.append(Attempt.objects.filter(sitting__in=sittings(actor).filter(pk=sitting)).values("candidate"))
    people = None
    for group in groups:
        people = (people if people is not None else Person.objects.all()).filter(pk__in=group)
    person_ids = people.values("pk") if people is not None else None
    moment = datetime.datetime.combine
    tz = datetime.UTC
    zone = timezone.get_current_timezone()
    return LogFilter(
        person_ids=person_ids,
        kinds=(kind,) if kind else (),
        decision=decision,
        since=moment(since, datetime.time.min, tzinfo=zone).astimezone(tz) if since else None,
        until=moment(until + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone).astimezone(tz) if until else None,
    )


# Dossiers ----------------------------------------------------------------------------------------


def person_get(actor: User, person_id: int) -> Person:
    person = people_overseen(actor).select_related("user").filter(pk=person_id).first()
    if person is None:
        raise NotFoundError.default()
    return person


@dataclass
class SessionRecord:
    session: StudySession
    snapshots: list[Snapshot]


@dataclass
class LessonRecord:
    progress: LessonProgress
    sessions: list[SessionRecord]
    studied_seconds: float
    verified_seconds: float
    required_seconds: float
    entries: list[HoursEntry]


@dataclass
class AttemptRecord:
    attempt: Attempt
    events: list
    incidents: list[Incident]
    snapshots: list[Snapshot]


@dataclass
class PersonDossier:
    person: Person
    lessons: list[LessonRecord]
    ledger: list[HoursEntry]
    attempts: list[AttemptRecord]
    certificates: list[Certificate]
    reviews: dict = field(default_factory=dict)  # snapshot id or ("incident", id) -> Review

    @property
    def total_hours(self):
        return sum((entry.hours for entry in self.ledger), 0)


def person_dossier(actor: User, person_id: int) -> PersonDossier:
    person = person_get(actor, person_id)
    progresses = list(
        LessonProgress.objects.filter(enrolment__person=person)
        .select_related("enrolment__course", "lesson")
        .prefetch_related("sessions", "hours_entries")
        .order_by("enrolment__course__title", "lesson__path")
    )
    session_ids = [str(session.pk) for progress in progresses for session in progress.sessions.all()]
    snapshots: dict[str, list[Snapshot]] = {}
    for snapshot in Snapshot.objects.filter(person=person, context_kind="study", context_id__in=session_ids).order_by("received_at"):
        snapshots.setdefault(snapshot.context_id, []).append(snapshot)
    lessons = []
    for progress in progresses:
        tally = lesson_verification(progress)
        lessons.append(
            LessonRecord(
                progress=progress,
                sessions=[
                    SessionRecord(session=session, snapshots=snapshots.get(str(session.pk), []))
                    for session in sorted(progress.sessions.all(), key=lambda item: item.started_at)
                ],
                studied_seconds=tally.studied_seconds,
                verified_seconds=tally.verified_seconds,
                required_seconds=tally.required_seconds,
                entries=list(progress.hours_entries.all()),
            )
        )
    ledger = list(
        HoursEntry.objects.filter(person=person)
        .select_related("credential", "recorded_by", "offline_row__batch__institution", "offline_row__batch__decided_by",
                        "progress__lesson", "progress__enrolment__course")
        .order_by("-earned_on", "-id")
    )
    attempts = []
    attempt_rows = list(
        Attempt.objects.filter(candidate=person).select_related("sitting__exam", "sitting__authority", "identity_verified_by")
        .prefetch_related("events", "incidents").order_by("-created_at")
    )
    exam_snapshots: dict[str, list[Snapshot]] = {}
    for snapshot in Snapshot.objects.filter(
        person=person, context_kind__in=("exam", "exam_identity"), context_id__in=[str(a.pk) for a in attempt_rows]
    ).order_by("received_at"):
        exam_snapshots.setdefault(snapshot.context_id, []).append(snapshot)
    for attempt in attempt_rows:
        attempts.append(
            AttemptRecord(
                attempt=attempt, events=list(attempt.events.all()), incidents=list(attempt.incidents.all()),
                snapshots=exam_snapshots.get(str(attempt.pk), []),
            )
        )
    certificates = list(
        Certificate.objects.filter(holder=person).select_related("credential", "authority").prefetch_related("events")
    )
    reviews = {}
    for review in Review.objects.filter(person=person).select_related("decided_by", "appeal_decided_by"):
        reviews[str(review.snapshot_id) if review.snapshot_id else f"incident:{review.incident_id}"] = review
    # Each flag carries its review, if any, for the page.
    for record in lessons:
        for session in record.sessions:
            for snapshot in session.snapshots:
                snapshot.audit_review = reviews.get(str(snapshot.pk))
    for record in attempts:
        for incident in record.incidents:
            incident.audit_review = reviews.get(f"incident:{incident.pk}")
    return PersonDossier(person=person, lessons=lessons, ledger=ledger, attempts=attempts, certificates=certificates, reviews=reviews)


REFUSALS = frozenset(set(Decision.values) - {Decision.VERIFIED})


@dataclass
class InstitutionDossier:
    institution: Organisation
    courses: list[CoursePage]
    batches: list[OfflineBatch]
    learners: int


def institution_dossier(actor: User, organisation_id: int) -> InstitutionDossier:
    institution = organisations(actor, OrganisationKind.INSTITUTION).filter(pk=organisation_id).first()
    if institution is None:
        raise NotFoundError.default()
    batches = list(
        OfflineBatch.objects.filter(institution=institution).select_related("uploaded_by", "decided_by", "region")
        .prefetch_related("rows").order_by("-uploaded_at")
    )
    return InstitutionDossier(
        institution=institution,
        courses=list(CoursePage.objects.filter(institution=institution).order_by("title")),
        batches=batches,
        learners=Enrolment.objects.filter(course__institution=institution).values("person").distinct().count(),
    )


@dataclass
class SittingDossier:
    sitting: Sitting
    attempts: list[Attempt]


def sitting_dossier(actor: User, sitting_id: int) -> SittingDossier:
    sitting = sittings(actor).select_related("authority", "institution").filter(pk=sitting_id).first()
    if sitting is None:
        raise NotFoundError.default()
    attempts = list(
        Attempt.objects.filter(sitting=sitting).select_related("candidate").prefetch_related("incidents").order_by("candidate__real_name")
    )
    return SittingDossier(sitting=sitting, attempts=attempts)


def reviews_waiting(actor: User) -> QuerySet[Review]:
    """Voidings and revocations awaiting a second reviewer and appeals awaiting a decision, in the
    actor's regions."""
    waiting = (ReviewStatus.VOID_PROPOSED, ReviewStatus.REVOKE_PROPOSED, ReviewStatus.APPEALED)
    return (
        Review.objects.filter(person__in=people_overseen(actor).values("pk"), status__in=waiting)
        .select_related("person", "decided_by", "incident__attempt__sitting__exam")
        .order_by("opened_at")
    )


def my_reviews(person: Person) -> QuerySet[Review]:
    return Review.objects.filter(person=person).order_by("-opened_at")


def review_attachment_get(actor: User, review_id) -> Review:
    """A review whose appeal carries an attachment, for a reviewer overseeing the person; else 404."""
    review = (
        Review.objects.filter(pk=review_id, person__in=people_overseen(actor).values("pk")).exclude(appeal_attachment="").first()
        if str(review_id).isdigit() else None
    )
    if review is None:
        raise NotFoundError.default()
    return review


@dataclass(frozen=True)
class EntryClip:
    clip: VideoClip
    attempt_id: int

    @property
    def retained(self) -> bool:
        return bool(self.clip.file and not self.clip.purged_at)


def entry_clip(actor: User, entry) -> EntryClip | None:
    """The video clip a capture-log entry names (`video_clip`, `video_clip_viewed`), for an actor
    who may see the candidate's identity evidence; None otherwise."""
    clip_id = (entry.payload or {}).get("clip")
    kind, _, attempt_id = (entry.subject or "").partition(":")
    if not clip_id or kind != "attempt" or not attempt_id.isdigit() or not can_see_evidence_of(actor, entry.person_id):
        return None
    try:
        clip = VideoClip.objects.filter(pk=clip_id, person_id=entry.person_id, context_kind="exam", context_id=attempt_id).first()
    except Exception:  # noqa: BLE001  (not a uuid: nothing to show)
        return None
    return EntryClip(clip=clip, attempt_id=int(attempt_id)) if clip else None
