"""What the browser tests of the study player share: reads of the record the live server writes,
a course of lessons with real (generated) videos, and driving the page's video."""

import time
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import OperationalError
from wagtail.documents import get_document_model

from cms.demo_video import lesson_video
from lms.services.organisations import organisation_create
from tests.factories import RegionFactory, course_publish, lesson_add


def db_read(read, attempts=50):
    """Read the record while the live server writes it. The test database is in-memory SQLite, whose
    one connection the server's threads share with this one: a read that meets a write in progress
    fails with "database table is locked" at once instead of waiting, so wait here."""
    for attempt in range(attempts):
        try:
            return read()
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.1)


def poll(check, timeout=30.0):
    """Wait until `check` returns a true value; return it, or the last false one after `timeout`.
    (The record is written by the live server on the browser's requests: another process's doing,
    with no event this thread could wait on.)"""
    deadline = time.monotonic() + timeout
    while not (value := db_read(check)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return value


def video_course(institution_name: str, title: str, summary: str, lessons: list[tuple[str, str]], *, seconds: int,
                 credit_hours: Decimal, lesson_hours: Decimal = Decimal("0.5"), **fields):
    """A live course of lessons (title, label shown in the video) of `seconds` each, their videos
    generated and stored in the institution's collection."""
    institution = organisation_create(kind="institution", name=institution_name, region=RegionFactory())
    course = course_publish(institution, title, summary=summary, credentials=(), credit_hours=credit_hours, **fields)
    made = []
    for lesson_title, label in lessons:
        video = get_document_model().objects.create(
            title=lesson_title,
            collection=institution.workspace.collection,
            file=ContentFile(lesson_video(seconds=seconds, label=label), name="lesson.webm"),
        )
        made.append(
            lesson_add(course, lesson_title, video=video, video_url="", minutes=Decimal(seconds) / 60, credit_hours=lesson_hours)
        )
    return course, made


def play(page):
    # Muted playback needs no user gesture, even in headless Chromium.
    page.evaluate("() => { const video = document.getElementById('video'); video.muted = true; return video.play(); }")


def play_refused(page):
    """Press play on a locked player and return once the player has paused the video again (its
    answer to the play event), not after a while."""
    page.evaluate(
        """() => new Promise((resolve) => {
            const video = document.getElementById('video');
            video.addEventListener('pause', () => resolve(), { once: true });
            video.muted = true;
            video.play().catch(() => {});
        })"""
    )
