"""API for enrolment and the study player. The player talks only to these endpoints."""

import datetime
import uuid

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from pydantic import Field

from cms.models import CoursePage, LessonPage
from kernel.api import ERROR_RESPONSES
from kernel.images import upload_frames
from lms.selectors.organisations import organisation_get
from lms.selectors.people import person_of

from . import services
from .errors import ERRORS
from .selectors import study as selectors

router = Router(tags=["learning"])


class EnrolmentOut(Schema):
    id: int
    course_id: int
    course_title: str
    source: str
    enrolled_at: datetime.datetime
    completed_at: datetime.datetime | None

    @staticmethod
    def resolve_course_title(enrolment) -> str:
        return enrolment.course.title


class AssignmentIn(Schema):
    course_id: int
    person_ids: list[int] = Field(max_length=500)


class SessionIn(Schema):
    lesson_id: int


class EvidenceOut(Schema):
    """A request for a snapshot the player must answer now: a burst of `frames` frames (with a
    head-turn `challenge` when not empty: the first half before the prompt, the rest after it),
    sent with the one-time `nonce` before `expires_at`."""

    id: uuid.UUID
    nonce: str
    frames: int
    challenge: str
    expires_at: datetime.datetime


class SessionOut(Schema):
    session_id: uuid.UUID
    lesson_id: int
    video_url: str
    duration: float
    resume_position: float
    furthest: float
    forbid_seeking: bool
    heartbeat_seconds: float
    snapshot_min_seconds: int
    snapshot_max_seconds: int
    face_ready: bool
    evidence: EvidenceOut | None = None


class HeartbeatIn(Schema):
    sequence: int = Field(ge=1, le=10_000_000)
    position: float = Field(ge=-1e9, le=1e9)
    playing: bool


class HeartbeatOut(Schema):
    credited_seconds: float
    position: float
    furthest: float
    watched_ratio: float
    study_seconds: float
    lesson_complete: bool
    course_complete: bool
    evidence: EvidenceOut | None = None


@router.post("/courses/{int:course_id}/enrolment", response={200: EnrolmentOut, 201: EnrolmentOut, **ERROR_RESPONSES}, summary=_("Enrol in a course"))
def enrol(request, course_id: int):
    person = person_of(request.user)
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    enrolment, created = services.enrol(person=person, course=course)
    return Status(201 if created else 200, enrolment)


@router.get("/enrolments", response=list[EnrolmentOut], summary=_("My course enrolments"))
def enrolments(request):
    person = person_of(request.user)
    return [item.enrolment for item in selectors.my_courses(person)]


@router.post("/enterprises/{int:enterprise_id}/assignments", response={201: list[EnrolmentOut], **ERROR_RESPONSES}, summary=_("Assign a course to an enterprise's employees"))
def assign(request, enterprise_id: int, payload: AssignmentIn):
    enterprise = organisation_get(request.user, enterprise_id)
    employees = selectors.assignable_employees(request.user, enterprise.pk)
    course = get_object_or_404(CoursePage.objects.live(), pk=payload.course_id)
    people = list(employees.filter(pk__in=payload.person_ids))
    if len(people) != len(set(payload.person_ids)):
        # Someone who is not this enterprise's employee, or not visible at all: refuse the whole request.
        raise ERRORS.error("not_an_employee")
    enrolments = services.course_assign(actor=request.user, enterprise=enterprise, course=course, people=people)
    return Status(201, enrolments)


@router.post("/study/sessions", response={201: SessionOut, **ERROR_RESPONSES}, summary=_("Start studying"))
def session_open(request, payload: SessionIn):
    person = person_of(request.user)
    lesson = get_object_or_404(LessonPage.objects.live(), pk=payload.lesson_id)
    start = services.study_session_open(person=person, lesson=lesson)
    return Status(
        201,
        {
            "session_id": start.session.pk,
            "lesson_id": lesson.pk,
            "video_url": lesson.video_source,
            "duration": lesson.duration_seconds,
            "resume_position": start.resume_position,
            "furthest": start.furthest,
            "forbid_seeking": start.forbid_seeking,
            "heartbeat_seconds": start.heartbeat_seconds,
            "snapshot_min_seconds": start.snapshot_min_seconds,
            "snapshot_max_seconds": start.snapshot_max_seconds,
            "face_ready": start.face_ready,
            "evidence": start.evidence,
        },
    )


@router.post("/study/sessions/{session_id}/heartbeats", response={200: HeartbeatOut, **ERROR_RESPONSES}, summary=_("Study heartbeat"))
def heartbeat(request, session_id: str, payload: HeartbeatIn):
    person = person_of(request.user)
    return services.heartbeat_record(
        person=person,
        session_id=session_id,
        sequence=payload.sequence,
        position=payload.position,
        playing=payload.playing,
    )


class SnapshotAcceptedOut(Schema):
    id: uuid.UUID
    status: str


@router.post(
    "/study/sessions/{session_id}/snapshots", response={202: SnapshotAcceptedOut, **ERROR_RESPONSES}, url_name="study_snapshot", summary=_("Upload a study snapshot"))
def snapshot(request, session_id: str):
    """A burst answering the server's request: the frames as repeated multipart fields `frame`
    (small JPEGs, in the order taken) and the request's `nonce`. Any time the client sends is
    ignored: the server's clock dates the snapshot."""
    person = person_of(request.user)
    item = services.study_snapshot_record(
        person=person, session_id=session_id, frames=upload_frames(request), nonce=request.POST.get("nonce", "")
    )
    item.refresh_from_db(fields=["status"])  # decided already when checks run inline
    return Status(202, {"id": item.pk, "status": item.status})


@router.post("/study/sessions/{session_id}/close", response={204: None, **ERROR_RESPONSES}, summary=_("Stop studying"))
def session_close(request, session_id: str):
    services.study_session_close(person=person_of(request.user), session_id=session_id)
    return Status(204, None)
