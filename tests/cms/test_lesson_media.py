"""Lesson media (Wagtail documents used by lessons) are served only to enrolled learners and staff,
with HTTP Range so long videos seek (issue 13)."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from wagtail.documents.models import Document

from cms.models import CoursePage, LessonPage
from hours import services
from lms.models import Credential
from lms.services.organisations import organisation_create
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

CONTENT = bytes(range(256)) * 64  # 16 KiB whose every offset is recognisable


@pytest.fixture
def media(world):
    institution = organisation_create(kind="institution", name="媒体培训学校", region=world.guangzhou)
    workspace = institution.workspace
    video = Document(title="第一课视频", collection=workspace.collection)
    video.file.save("lesson.mp4", ContentFile(CONTENT), save=False)
    video.save()
    course = CoursePage(title="安全生产法规", summary="法规", category="general", credit_hours=Decimal("2"))
    workspace.catalogue.add_child(instance=course)
    course.credentials.set(Credential.objects.filter(code__in=["A"]))
    course.save_revision().publish()
    lesson = LessonPage(title="第一课", video=video, minutes=Decimal("2"), credit_hours=Decimal("1"))
    course.add_child(instance=lesson)
    lesson.save_revision().publish()
    return {"video": video, "course": course, "workspace": workspace, "url": video.url}


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_video_url_is_the_permission_checked_view(media):
    assert media["url"].startswith("/documents/")


def test_an_anonymous_visitor_gets_nothing(client, media):
    response = client.get(media["url"])
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_learner_who_is_not_enrolled_is_refused(client, media):
    client.force_login(PersonFactory().user)
    assert client.get(media["url"]).status_code == 403


def test_an_enrolled_learner_gets_the_whole_video(client, world, media):
    services.enrol(person=world.gz_worker, course=media["course"])
    client.force_login(world.gz_worker.user)
    response = client.get(media["url"])
    assert response.status_code == 200 and body(response) == CONTENT
    assert response["Accept-Ranges"] == "bytes" and response["Content-Type"] == "video/mp4"


def test_a_range_request_gets_206_with_exactly_those_bytes(client, world, media):
    services.enrol(person=world.gz_worker, course=media["course"])
    client.force_login(world.gz_worker.user)
    response = client.get(media["url"], HTTP_RANGE="bytes=1000-1999")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 1000-1999/{len(CONTENT)}"
    assert response["Content-Length"] == "1000" and body(response) == CONTENT[1000:2000]
    tail = client.get(media["url"], HTTP_RANGE="bytes=-100")
    assert tail.status_code == 206 and body(tail) == CONTENT[-100:]
    open_ended = client.get(media["url"], HTTP_RANGE="bytes=16000-")
    assert body(open_ended) == CONTENT[16000:]
    beyond = client.get(media["url"], HTTP_RANGE=f"bytes={len(CONTENT)}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(CONTENT)}"


def test_the_institutions_staff_and_superusers_get_it(client, world, media):
    staff = PersonFactory().user
    media["workspace"].group.user_set.add(staff)
    for user in (staff, world.superuser):
        client.force_login(user)
        assert client.get(media["url"], HTTP_RANGE="bytes=0-9").status_code == 206
    # Another institution's staff does not.
    client.force_login(world.gz_staff)
    assert client.get(media["url"]).status_code == 403
