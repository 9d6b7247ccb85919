"""Reviews and appeals: a dismissed study refusal re-credits the stretch; voiding an attempt needs
two reviewers; an appeal is lodged once, within its window, and decided by someone else; every step
is in the capture log and the evidence is held from retention while under review."""

import datetime
from decimal import Decimal

import pytest
from django.test import override_settings

from exam.models import AttemptStatus, Incident, IncidentKind, Review, ReviewStatus
from exam.services.attempts import (
    attempt_create,
    attempt_start,
    attempt_submit,
    attempt_verify_identity,
)
from exam.services.reviews import (
    review_appeal,
    review_appeal_decide,
    review_decide,
    review_void_confirm,
)
from exam.testing import make_bank, make_exam, make_sitting
from hours import services
from hours.models import HoursEntry, HoursSource
from kernel.errors import DomainError
from lms.models import Credential, Role
from proctor.models import CaptureLogEntry, Snapshot
from proctor.services.retention import snapshots_purge
from tests.faces import give_face_profile
from tests.factories import MembershipFactory
from tests.hours.test_credit import _beat, _requests_only_where_scripted, study  # noqa: F401  (fixtures)
from tests.study import at, course, learner, lessons  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
R = ReviewStatus


def refused(code, call, **kwargs):
    with pytest.raises(DomainError) as error:
        call(**kwargs)
    assert error.value.code == code, error.value.message
    return error.value


@pytest.fixture
def refusal(world, learner, course, testdata):
    """A lesson whose mismatch at 60 s cost it the minute before 90 s: 0.27 hours credited."""
    give_face_profile(learner)
    progress = study(learner, lessons(course)[0], {0: "verified", 60: "mismatch", 90: "verified", 120: "verified"})
    entry = services.lesson_hours_credit(progress_id=progress.pk, now=at(200))
    assert entry.hours == Decimal("0.27")
    return Snapshot.objects.get(person=learner, decision="mismatch")


def held(learner) -> Decimal:
    return sum(HoursEntry.objects.filter(person=learner).values_list("hours", flat=True), Decimal("0"))


class TestStudyRefusals:
    def test_dismissing_a_refusal_re_credits_the_stretch(self, world, learner, refusal):
        review = review_decide(actor=world.gz_reviewer, snapshot_id=refusal.pk, outcome="dismiss", reason="光线问题，本人在场")
        assert review.status == R.DISMISSED and review.decided_by == world.gz_reviewer
        # the whole lesson now verifies: 1.00 hour, the 0.73 difference as an adjustment by the reviewer
        assert held(learner) == Decimal("1.00")
        line = HoursEntry.objects.get(person=learner, source=HoursSource.ADJUSTMENT)
        assert line.hours == Decimal("0.73") and line.recorded_by == world.gz_reviewer and line.evidence["review"] == review.pk
        refusal.refresh_from_db()
        assert refusal.decision == "mismatch" and refusal.effective_decision == "verified"
        step = CaptureLogEntry.objects.filter(kind=CaptureLogEntry.Kind.REVIEW_STEP).get()
        assert step.payload["to"] == R.DISMISSED and step.person_id == learner.pk and step.payload["reason"] == "光线问题，本人在场"

    def test_upholding_credits_nothing_and_a_decided_review_is_not_decided_again(self, world, learner, refusal):
        review_decide(actor=world.gz_reviewer, snapshot_id=refusal.pk, outcome="uphold", reason="非本人")
        assert held(learner) == Decimal("0.27")
        refused("review_move_illegal", review_decide, actor=world.gz_reviewer, snapshot_id=refusal.pk, outcome="dismiss", reason="改判")

    def test_another_regions_reviewer_or_an_employer_cannot_review(self, world, learner, refusal):
        for actor in (world.sz_reviewer, world.gz_admin, world.gz_staff):
            refused("flag_not_found", review_decide, actor=actor, snapshot_id=refusal.pk, outcome="dismiss", reason="x")
        assert not Review.objects.exists()

    def test_a_verified_snapshot_is_not_a_flag_and_study_cannot_be_voided(self, world, learner, refusal):
        verified = Snapshot.objects.filter(person=learner, decision="verified").first()
        refused("flag_not_a_refusal", review_decide, actor=world.gz_reviewer, snapshot_id=verified.pk, outcome="dismiss", reason="x")
        refused("void_not_for_study", review_decide, actor=world.gz_reviewer, snapshot_id=refusal.pk, outcome="void", reason="x")
        refused("reason_required", review_decide, actor=world.gz_reviewer, snapshot_id=refusal.pk, outcome="dismiss", reason=" ")

    def test_evidence_under_appeal_is_held_from_retention_then_purged(self, world, learner, refusal, settings):
        review = review_decide(actor=world.gz_reviewer, snapshot_id=refusal.pk, outcome="uphold", reason="非本人")
        refusal.refresh_from_db()
        # decided: held for the appeal window and the hold period after the decision
        hold = datetime.timedelta(days=settings.APPEAL_WINDOW_DAYS + settings.RETENTION_REVIEW_HOLD_DAYS)
        assert refusal.held_until == review.decided_at + hold
        review_appeal(person=learner, review_id=review.pk, statement="申诉")
        later = refusal.received_at + datetime.timedelta(days=settings.SNAPSHOT_RETENTION_DAYS + 400)
        assert snapshots_purge(now=later) == 3  # the lesson's three verified snapshots, not the one appealed
        refusal.refresh_from_db()
        assert refusal.image and refusal.purged_at is None
        done = review_appeal_decide(actor=world.province_reviewer, review_id=review.pk, grant=False, reason="维持")
        assert done.appeal_decided_at + datetime.timedelta(days=settings.RETENTION_REVIEW_HOLD_DAYS) < later
        assert snapshots_purge(now=later) == 1  # decided, and its hold is over


class TestAppeals:
    def test_an_appeal_granted_by_another_reviewer_re_credits(self, world, learner, refusal):
        review = review_decide(actor=world.gz_reviewer, snapshot_id=refusal.pk, outcome="uphold", reason="非本人")
        review_appeal(person=learner, review_id=review.pk, statement="当时是我本人，戴了眼镜")
        # the reviewer who decided may not decide the appeal
        refused("appeal_same_reviewer", review_appeal_decide, actor=world.gz_reviewer, review_id=review.pk, grant=True, reason="x")
        done = review_appeal_decide(actor=world.province_reviewer, review_id=review.pk, grant=True, reason="复核为本人")
        assert done.status == R.APPEAL_GRANTED and held(learner) == Decimal("1.00")

    def test_one_appeal_per_decision(self, world, learner, refusal):
        review = review_decide(actor=world.gz_reviewer, snapshot_id=refusal.pk, outcome="uphold", reason="非本人")
        review_appeal(person=learner, review_id=review.pk, statement="申诉")
        refused("appeal_not_allowed", review_appeal, person=learner, review_id=review.pk, statement="再次申诉")
        review_appeal_decide(actor=world.province_reviewer, review_id=review.pk, grant=False, reason="维持")
        refused("appeal_not_allowed", review_appeal, person=learner, review_id=review.pk, statement="第三次")

    def test_the_appeal_window(self, world, learner, refusal, settings):
        review = review_decide(actor=world.gz_reviewer, snapshot_id=refusal.pk, outcome="uphold", reason="非本人")
        late = review.decided_at + datetime.timedelta(days=settings.APPEAL_WINDOW_DAYS, seconds=1)
        refused("appeal_window_closed", review_appeal, person=learner, review_id=review.pk, statement="申诉", now=late)
        in_time = review.decided_at + datetime.timedelta(days=settings.APPEAL_WINDOW_DAYS)
        assert review_appeal(person=learner, review_id=review.pk, statement="申诉", now=in_time).status == R.APPEALED

    def test_a_dismissal_cannot_be_appealed_nor_someone_elses_review(self, world, learner, refusal):
        review = review_decide(actor=world.gz_reviewer, snapshot_id=refusal.pk, outcome="dismiss", reason="本人")
        refused("appeal_not_allowed", review_appeal, person=learner, review_id=review.pk, statement="申诉")
        refused("review_not_found", review_appeal, person=world.sz_worker, review_id=review.pk, statement="申诉")


@pytest.fixture
def graded(world):
    T0 = datetime.datetime(2025, 6, 1, 9, 0, tzinfo=datetime.UTC)
    credential = Credential.objects.get(code="C")
    make_bank(credential, per_topic=3)
    sitting = make_sitting(make_exam(credential, duration_minutes=60), world.gz_authority, [world.gz_worker], starts_at=T0, hours=2)
    attempt = attempt_create(sitting=sitting, candidate=world.gz_worker, now=T0)
    attempt_verify_identity(attempt=attempt, method="face", evidence={"distance": 0.31}, now=T0)
    attempt_start(attempt=attempt, candidate=world.gz_worker, now=T0 + datetime.timedelta(minutes=1))
    with override_settings(EVENTS_DELIVER_AT_PUBLISH=True):
        attempt = attempt_submit(attempt=attempt, candidate=world.gz_worker, now=T0 + datetime.timedelta(minutes=5))
    incident = Incident.objects.create(attempt=attempt, kind=IncidentKind.PAGE_HIDDEN, detail={}, at=T0 + datetime.timedelta(minutes=2))
    return attempt, incident


class TestExamIncidents:
    def test_voiding_needs_a_second_reviewer(self, world, graded):
        attempt, incident = graded
        review = review_decide(actor=world.gz_reviewer, incident_id=incident.pk, outcome="void", reason="考试中切出页面查资料")
        assert review.status == R.VOID_PROPOSED
        attempt.refresh_from_db()
        assert attempt.status == AttemptStatus.GRADED
        refused("second_reviewer_required", review_void_confirm, actor=world.gz_reviewer, review_id=review.pk, confirm=True, reason="x")
        second = MembershipFactory(organisation=world.gz_authority, role=Role.AUTHORITY_REVIEWER).user
        done = review_void_confirm(actor=second, review_id=review.pk, confirm=True, reason="同意作废")
        attempt.refresh_from_db()
        assert done.status == R.VOIDED and attempt.status == AttemptStatus.VOIDED
        steps = CaptureLogEntry.objects.filter(kind=CaptureLogEntry.Kind.REVIEW_STEP).order_by("id")
        assert [step.payload["to"] for step in steps] == [R.VOID_PROPOSED, R.VOIDED]
        # the candidate appeals; a third reviewer grants it and the graded attempt is restored
        review_appeal(person=world.gz_worker, review_id=review.pk, statement="我没有查资料")
        refused("appeal_same_reviewer", review_appeal_decide, actor=second, review_id=review.pk, grant=True, reason="x")
        review_appeal_decide(actor=world.province_reviewer, review_id=review.pk, grant=True, reason="证据不足")
        attempt.refresh_from_db()
        assert attempt.status == AttemptStatus.GRADED and attempt.score is not None

    def test_upholding_an_incident_without_voiding(self, world, graded):
        attempt, incident = graded
        review = review_decide(actor=world.gz_reviewer, incident_id=incident.pk, outcome="uphold", reason="属实，警告")
        attempt.refresh_from_db()
        assert review.status == R.UPHELD and attempt.status == AttemptStatus.GRADED
        refused("flag_not_found", review_decide, actor=world.sz_reviewer, incident_id=incident.pk, outcome="void", reason="x")


@pytest.fixture
def credited(world, learner, course, testdata):
    """A lesson verified throughout: 1.00 hour credited. Its snapshot at 60 s is the doubted one."""
    give_face_profile(learner)
    progress = study(learner, lessons(course)[0], {0: "verified", 60: "verified", 90: "verified", 120: "verified"})
    entry = services.lesson_hours_credit(progress_id=progress.pk, now=at(200))
    assert entry.hours == Decimal("1.00")
    return sorted(Snapshot.objects.filter(person=learner, decision="verified"), key=lambda s: s.received_at)[1]


class TestHoursRevocation:
    def test_revoking_credited_hours_needs_a_second_reviewer_then_an_appeal_can_restore_them(self, world, learner, credited):
        # One reviewer doubts a verified check (a photo that passed): a proposal, nothing revoked yet
        review = review_decide(actor=world.gz_reviewer, snapshot_id=credited.pk, outcome="revoke", reason="疑似翻拍照片")
        assert review.status == R.REVOKE_PROPOSED and review.kind == "study_credit"
        assert held(learner) == Decimal("1.00")
        # the same reviewer cannot confirm their own proposal
        refused("second_reviewer_required", review_void_confirm, actor=world.gz_reviewer, review_id=review.pk, confirm=True, reason="确认")
        # A second reviewer confirms: the check counts as not showing the live learner, and the
        # lesson's hours come down to what the rest of its evidence earns, by an adjustment line
        review = review_void_confirm(actor=world.province_reviewer, review_id=review.pk, confirm=True, reason="复核确认翻拍")
        assert review.status == R.REVOKED
        assert held(learner) == Decimal("0.27")
        line = HoursEntry.objects.get(person=learner, source=HoursSource.ADJUSTMENT)
        assert line.hours == Decimal("-0.73") and line.recorded_by == world.province_reviewer and line.evidence["review"] == review.pk
        credited.refresh_from_db()
        assert credited.decision == "verified" and credited.effective_decision == "not_live"  # the engine's word stays
        steps = CaptureLogEntry.objects.filter(kind=CaptureLogEntry.Kind.REVIEW_STEP).order_by("id")
        assert [s.payload["to"] for s in steps] == [R.REVOKE_PROPOSED, R.REVOKED]
        # The learner appeals; a reviewer who took no part grants it: the hours are back
        review_appeal(person=learner, review_id=review.pk, statement="本人学习，未使用照片")
        refused("appeal_same_reviewer", review_appeal_decide, actor=world.province_reviewer, review_id=review.pk, grant=True, reason="x")
        third = MembershipFactory(organisation=world.gz_authority, role=Role.AUTHORITY_REVIEWER).user
        review_appeal_decide(actor=third, review_id=review.pk, grant=True, reason="申诉成立")
        assert held(learner) == Decimal("1.00")
        credited.refresh_from_db()
        assert credited.effective_decision == "verified"

    def test_the_second_reviewer_may_let_the_credit_stand(self, world, learner, credited):
        review = review_decide(actor=world.gz_reviewer, snapshot_id=credited.pk, outcome="revoke", reason="疑似翻拍照片")
        review = review_void_confirm(actor=world.province_reviewer, review_id=review.pk, confirm=False, reason="确为本人")
        assert review.status == R.DISMISSED and held(learner) == Decimal("1.00")
        assert not HoursEntry.objects.filter(person=learner, source=HoursSource.ADJUSTMENT).exists()
        refused("appeal_not_allowed", review_appeal, person=learner, review_id=review.pk, statement="x")

    def test_a_refused_check_has_nothing_to_revoke(self, world, learner, refusal):
        refused("revoke_not_credited", review_decide, actor=world.gz_reviewer, snapshot_id=refusal.pk, outcome="revoke", reason="x")
        assert not Review.objects.exists()

    def test_only_the_regions_reviewers_may_propose_a_revocation(self, world, learner, credited):
        for actor in (world.sz_reviewer, world.gz_admin):
            refused("flag_not_found", review_decide, actor=actor, snapshot_id=credited.pk, outcome="revoke", reason="x")
        assert not Review.objects.exists() and held(learner) > 0


def test_the_dossier_proposes_and_the_reviews_page_confirms_a_revocation(client, world, learner, credited):
    from bs4 import BeautifulSoup
    from django.urls import reverse

    # The reviewer opens the learner's dossier: the verified check carries a form to doubt it
    client.force_login(world.gz_reviewer)
    page = BeautifulSoup(client.get(reverse("exam:audit_person", args=[learner.pk])).content.decode(), "html.parser")
    item = page.select_one(f'li.snapshot[data-snapshot="{credited.pk}"]')
    assert item.select_one("button.review-revoke") is not None and item.select_one("button.review-dismiss") is None
    client.post(reverse("exam:audit_review_decide"), {"snapshot": credited.pk, "outcome": "revoke", "reason": "疑似翻拍照片"})
    review = Review.objects.get(snapshot=credited)
    assert review.status == R.REVOKE_PROPOSED
    # A second reviewer finds it waiting and confirms it
    client.force_login(world.province_reviewer)
    page = BeautifulSoup(client.get(reverse("exam:audit_reviews")).content.decode(), "html.parser")
    assert page.select_one(f'[data-review="{review.pk}"] button.confirm-revoke') is not None
    client.post(reverse("exam:audit_review_second", args=[review.pk]), {"step": "void", "answer": "yes", "reason": "复核确认"})
    review.refresh_from_db()
    assert review.status == R.REVOKED and held(learner) == Decimal("0.27")


def test_the_reviewers_download_an_appeals_attachment_and_no_one_else(client, world, learner, refusal):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    review = review_decide(actor=world.gz_reviewer, snapshot_id=refusal.pk, outcome="uphold", reason="非本人")
    proof = b"%PDF-1.4 statement of the learner"
    review_appeal(person=learner, review_id=review.pk, statement="当时光线不足", attachment=SimpleUploadedFile("证明.pdf", proof))
    url = reverse("exam:audit_review_attachment", args=[review.pk])
    # The reviewers' list links it, and it downloads, never rendered in the page
    client.force_login(world.province_reviewer)
    assert url in client.get(reverse("exam:audit_reviews")).content.decode()
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == proof
    assert response["Content-Type"] == "application/octet-stream" and response["Content-Disposition"].startswith("attachment")
    # Another region's reviewer and the learner's employer do not reach it
    client.force_login(world.sz_reviewer)
    assert client.get(url).status_code == 404
    client.force_login(world.gz_admin)
    assert client.get(url).status_code == 403
    client.force_login(world.province_reviewer)
    assert client.get(reverse("exam:audit_review_attachment", args=[999999])).status_code == 404


def test_the_learner_appeals_from_their_data_page_once_and_not_someone_elses_review(client, world, learner, refusal):
    from django.contrib.messages import get_messages
    from django.urls import reverse

    review = review_decide(actor=world.gz_reviewer, snapshot_id=refusal.pk, outcome="uphold", reason="非本人")
    url = reverse("exam:my_appeal", args=[review.pk])
    # The appeal is lodged and the learner is told so, back on their data page
    client.force_login(learner.user)
    response = client.post(url, {"statement": "当时是我本人，戴了眼镜"})
    assert response.status_code == 302 and response["Location"] == reverse("exam:my_data")
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["success"]
    review.refresh_from_db()
    assert review.status == R.APPEALED
    # A second appeal is refused with a message on the same page, not an error page
    response = client.post(url, {"statement": "再次申诉"})
    assert response.status_code == 302 and response["Location"] == reverse("exam:my_data")
    assert [m.level_tag for m in get_messages(response.wsgi_request)][-1] == "error"  # after the first, not yet shown
    # Someone else's review stays not found
    client.force_login(world.sz_worker.user)
    assert client.post(url, {"statement": "申诉"}).status_code == 404
