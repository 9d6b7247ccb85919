"""A real Celery worker decides snapshots end to end: the upload commits, the task goes through
the broker (Redis in CI's service run; Celery's in-process transport on the embedded defaults) to a
worker consuming the face queue, the decision is stored and logged, and the lesson is credited."""

from decimal import Decimal

import pytest

from hours import services
from hours.models import HoursEntry, LessonProgress
from proctor.models import Snapshot, SnapshotStatus
from proctor.selectors.capturelog import verify
from tests.faces import answer, give_live_profile, live_burst
from tests.study import Player, at, course, lessons  # noqa: F401  (fixtures)


@pytest.mark.django_db(transaction=True)
def test_a_worker_decides_the_snapshots_of_a_lesson_and_it_is_credited(wagtail_tree, world, course, testdata, face_worker, settings):
    settings.STUDY_HEARTBEAT_SECONDS = 10
    settings.EVIDENCE_CHALLENGE_SHARE = 0
    # Live bursts of the shared clip at the start and the end of a two-minute lesson; the server's
    # next request after the first falls later than the lesson.
    course.snapshot_min_seconds = course.snapshot_max_seconds = 600
    course.save_revision().publish()
    learner = world.gz_worker
    services.enrol(person=learner, course=course)
    give_live_profile(learner)
    player = Player(learner, lessons(course)[0], start=0)
    bursts = {0: live_burst(0), 120: live_burst(1)}
    for second in range(0, 121, 10):
        if second in bursts:
            snapshot = answer(learner, "study", player.session.pk, bursts[second], now=at(second))
            # The worker decides it meanwhile; this thread writes again only once it has finished
            # (on the embedded defaults the two share one in-memory SQLite database, which does
            # not wait).
            assert face_worker.tasks.wait_done()
            assert Snapshot.objects.filter(pk=snapshot.pk, status=SnapshotStatus.DECIDED).exists()
        if second:
            player.beat(second, second)
    services.study_session_close(person=learner, session_id=player.session.pk, now=at(121))

    assert face_worker.tasks.wait_done()
    assert not Snapshot.objects.filter(status=SnapshotStatus.PENDING).exists()
    assert set(Snapshot.objects.values_list("decision", flat=True)) == {"verified"}
    progress = LessonProgress.objects.get(sessions=player.session)
    assert HoursEntry.objects.get(progress=progress).hours == Decimal("1.00")
    assert verify().ok
