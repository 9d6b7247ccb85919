"""An authority reviewer, in a real browser: filters the capture log to one learner, opens the
learner's dossier, views a snapshot, dismisses a study refusal with a reason, and sees the hours
re-credited; at 360 px wide too."""

from decimal import Decimal

import pytest

from hours.models import HoursEntry
from proctor.models import Snapshot
from tests.factories import PASSWORD
from tests.hours.test_credit import study
from tests.study import at, course, learner, lessons  # noqa: F401  (fixtures)

from .test_exam_room_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def refused_lesson(world, learner, course, testdata, settings, monkeypatch):
    """The learner's lesson with a mismatch at 60 s, decided as scripted (the engine's own check
    after commit is not run: the test decides each snapshot itself)."""
    from hours import services
    from tests.faces import give_face_profile

    monkeypatch.setattr("proctor.services.snapshots._check_later", lambda snapshot_id: None)
    settings.STUDY_HEARTBEAT_SECONDS = 10
    settings.EVIDENCE_CHALLENGE_SHARE = 0
    course.snapshot_min_seconds = course.snapshot_max_seconds = 600
    course.save_revision().publish()
    give_face_profile(learner)
    progress = study(learner, lessons(course)[0], {0: "verified", 60: "mismatch", 90: "verified", 120: "verified"})
    services.lesson_hours_credit(progress_id=progress.pk, now=at(200))
    return Snapshot.objects.get(person=learner, decision="mismatch")


@pytest.mark.parametrize("width", [1280, 360])
def test_a_reviewer_filters_opens_the_dossier_views_a_snapshot_and_dismisses_a_refusal(page, live_server, world, learner, refused_lesson, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.set_default_timeout(90_000)  # the shared machine is slow; each wait is for an event
    log_in(page, live_server.url, world.gz_reviewer.username, PASSWORD)
    if width < 800:  # on a phone the menu is a drawer
        page.click("#menu-toggle")
    page.click("#nav-audit")
    page.wait_for_url("**/exam/audit/")
    assert page.locator("h1").inner_text() == "抓拍记录"

    # the log, filtered to the learner by ID number
    page.fill("#id_person", learner.id_number)
    page.click("#log-filter-submit")
    page.wait_for_url("**person=**")
    people = set(page.locator("#log tbody tr").evaluate_all("rows => rows.map(r => r.dataset.person)"))
    assert people == {str(learner.pk)}

    # the dossier, from the log
    page.locator("#log .person-link").first.click()
    page.wait_for_url(f"**/exam/audit/people/{learner.pk}/")
    assert "张广州" in page.locator("h1").inner_text()
    # What the lesson earned before the review (live deliveries may credit it before the last check)
    before = sum(HoursEntry.objects.filter(person=learner).values_list("hours", flat=True), Decimal("0"))
    assert Decimal("0") < before < Decimal("1.00")
    assert page.locator("#dossier-hours").inner_text() == str(before)

    # a snapshot of the strip opens as an image the reviewer may see
    refused = page.locator(f'li.snapshot[data-snapshot="{refused_lesson.pk}"]')
    image = refused.locator("img")
    image.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
    with page.expect_navigation():
        refused.locator("a.snapshot-view").click()
    assert page.evaluate("document.contentType") == "image/jpeg"
    page.go_back()

    # dismiss the refusal with a reason: the stretch is re-credited
    refused = page.locator(f'li.snapshot[data-snapshot="{refused_lesson.pk}"]')
    refused.locator(".review-reason").fill("光线不足，本人在场")
    with page.expect_navigation():
        refused.locator(".review-dismiss").click()
    assert page.locator(f'li.snapshot[data-snapshot="{refused_lesson.pk}"] .review-state').get_attribute("data-status") == "dismissed"
    assert page.locator("#dossier-hours").inner_text() == "1.00"
    assert page.locator('#dossier-ledger tr[data-source="adjustment"] .hours').inner_text() == str(Decimal("1.00") - before)
    # the dossier's sections fit the screen (wide tables scroll inside their box)
    assert page.evaluate("[...document.querySelectorAll('#dossier, #dossier-study, #dossier-ledger')].every(s => s.scrollWidth <= s.clientWidth + 1)")
