"""What the study tests share (tests of hours' study and crediting, of the proctor's pages, of the
face worker, of the catalogue pages): a published course of two two-minute lessons, an enrolled
learner, and a player that drives the study services on an explicit clock.

Modules import the fixtures they use from here (`from tests.study import course, learner`)."""

import datetime
from decimal import Decimal

import pytest

from cms.models import LessonPage
from hours import services
from lms.services.organisations import organisation_create

from .factories import course_publish, lesson_add


@pytest.fixture
def course(world):
    institution = organisation_create(kind="institution", name="测试培训学校", region=world.guangzhou)
    course = course_publish(institution, "安全生产法规", summary="法规", credentials=("A", "B"))
    for title in ["第一课", "第二课"]:
        lesson_add(course, title, video_url="https://video.example.com/a.webm", minutes=Decimal("2"))
    return course


def lessons(course):
    return list(LessonPage.objects.child_of(course).live().order_by("path"))


@pytest.fixture
def learner(world, course):
    services.enrol(person=world.gz_worker, course=course)
    return world.gz_worker


T0 = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.timezone.utc)


def at(seconds: float) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=seconds)


class Player:
    """Drives the services as the browser player would, with an explicit clock."""

    def __init__(self, person, lesson, start=0.0):
        self.person = person
        self.start = services.study_session_open(person=person, lesson=lesson, now=at(start))
        self.session = self.start.session
        self.sequence = 0

    def beat(self, when, position, playing=True, sequence=None):
        self.sequence = sequence if sequence is not None else self.sequence + 1
        return services.heartbeat_record(
            person=self.person, session_id=self.session.pk, sequence=self.sequence, position=position,
            playing=playing, now=at(when),
        )


def miss(session, when):
    """The session's open request (one due at `when` if none is open) is left unanswered."""
    from proctor.models import EvidenceRequest, RequestStatus
    from proctor.services.requests import evidence_request_schedule, request_transition

    request = EvidenceRequest.objects.filter(context_id=str(session.pk), status=RequestStatus.SCHEDULED).first()
    if request is None:
        request = evidence_request_schedule(
            person=session.person, context_kind="study", context_id=str(session.pk), earliest=when, latest=when,
            challenge="", now=when,
        )
    EvidenceRequest.objects.filter(pk=request.pk).update(due_at=when)
    request.refresh_from_db()
    request_transition(request=request, to=RequestStatus.MISSED, now=when)
