"""Online hours credited to the certificate the study is for (issue 16, defect a): a course of
several credentials credits the one the learner chose, by default the only one they hold, never
the first by code; hours credited to a credential not held move once, by the learner, with an
audit row; the repair migration moves existing entries where the person holds exactly one."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from hours import services
from hours.models import Certificate, Enrolment, HoursEntry
from hours.rules.crediting import credential_for, may_reassign
from kernel.audit import trail_of
from kernel.errors import DomainError
from lms.models import Credential
from tests.faces import give_face_profile
from tests.study import at, course, lessons  # noqa: F401  (fixtures)

from .test_credit import _beat, _requests_only_where_scripted, study  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def cred(code: str) -> Credential:
    return Credential.objects.get(code=code)


def hold(world, person, code: str, number: str = "") -> Certificate:
    return Certificate.objects.create(
        number=number or f"T{person.pk}{code}", holder=person, credential=cred(code), authority=world.gz_authority,
        issued_on=datetime.date(2025, 1, 1), expires_on=datetime.date(2028, 1, 1),
    )


class TestRule:
    def test_the_choice_the_only_held_or_the_only_served(self):
        assert credential_for(served={1, 2}, held={2}, chosen=None) == 2
        assert credential_for(served={1, 2}, held={2}, chosen=1) == 1
        assert credential_for(served={1, 2}, held={1, 2}, chosen=None) is None
        assert credential_for(served={1, 2}, held=set(), chosen=None) is None
        assert credential_for(served={3}, held=set(), chosen=None) == 3
        assert credential_for(served={1, 2}, held=set(), chosen=9) is None  # not served

    def test_reassign_only_once_only_away_from_a_credential_not_held(self):
        assert may_reassign(current=1, target=2, served={1, 2}, held={2}, reassigned=False) == ""
        assert may_reassign(current=1, target=2, served={1, 2}, held={2}, reassigned=True) == "hours_already_reassigned"
        assert may_reassign(current=2, target=1, served={1, 2}, held={1, 2}, reassigned=False) == "hours_credential_held"
        assert may_reassign(current=1, target=3, served={1, 2}, held={3}, reassigned=False) == "credential_not_served"
        assert may_reassign(current=1, target=2, served={1, 2}, held=set(), reassigned=False) == "credential_not_held"
        assert may_reassign(current=None, target=2, served={1, 2}, held=set(), reassigned=False) == ""


class TestCrediting:
    def test_a_b_holder_gets_the_hours_of_an_a_and_b_course_on_b(self, world, course, testdata):
        """On main the hours went to A, the course's first credential by code."""
        learner = world.gz_worker
        hold(world, learner, "B")
        enrolment, _created = services.enrol(person=learner, course=course)
        assert enrolment.credential.code == "B"
        give_face_profile(learner)
        progress = study(learner, lessons(course)[0], {0: "verified", 60: "verified", 120: "verified"})
        entry = services.lesson_hours_credit(progress_id=progress.pk, now=at(200))
        assert entry.credential.code == "B"

    def test_the_learners_choice_wins_and_is_audited(self, world, course, testdata):
        learner = world.gz_worker
        hold(world, learner, "B")
        enrolment, _created = services.enrol(person=learner, course=course)
        services.enrolment_credential_choose(person=learner, enrolment=enrolment, credential=cred("A"))
        enrolment.refresh_from_db()
        assert enrolment.credential.code == "A"
        assert trail_of(enrolment).filter(event_type="changed").count() == 1
        give_face_profile(learner)
        progress = study(learner, lessons(course)[0], {0: "verified", 60: "verified", 120: "verified"})
        assert services.lesson_hours_credit(progress_id=progress.pk, now=at(200)).credential.code == "A"

    def test_a_credential_the_course_does_not_serve_is_refused(self, world, course):
        enrolment, _created = services.enrol(person=world.gz_worker, course=course)
        with pytest.raises(DomainError) as caught:
            services.enrolment_credential_choose(person=world.gz_worker, enrolment=enrolment, credential=cred("C"))
        assert caught.value.code == "credential_not_served"

    def test_undecided_hours_go_to_no_credential_and_the_learner_is_asked(self, client, world, course):
        learner = world.gz_worker
        client.force_login(learner.user)
        response = client.post(reverse("hours:enrol", args=[course.pk]))
        assert response.url == reverse("hours:course_credential", args=[course.pk])
        assert Enrolment.objects.get(person=learner).credential is None
        page = client.get(response.url)
        assert "安全生产法规" in page.content.decode()
        client.post(response.url, {"credential": cred("B").pk})
        assert Enrolment.objects.get(person=learner).credential.code == "B"
        lesson = lessons(course)[0]
        assert "B" in client.get(reverse("hours:study", args=[lesson.pk])).content.decode()

    def test_another_learners_enrolment_is_not_found(self, client, world, course):
        services.enrol(person=world.gz_worker, course=course)
        client.force_login(world.sz_worker.user)
        assert client.get(reverse("hours:course_credential", args=[course.pk])).status_code == 404


def online_entry(learner, course, code: str | None, hours="1.00") -> HoursEntry:
    enrolment = Enrolment.objects.filter(person=learner, course=course).first() or Enrolment.objects.create(
        person=learner, course=course, source="self"
    )
    progress = enrolment.progress.create(lesson=lessons(course)[len(enrolment.progress.all())])
    return HoursEntry.objects.create(
        person=learner, credential=cred(code) if code else None, category="general", hours=Decimal(hours),
        earned_on=datetime.date(2026, 3, 1), source="online_study", progress=progress,
    )


class TestReassign:
    def test_hours_on_a_credential_not_held_move_once_with_an_audit_row(self, client, world, course):
        learner = world.gz_worker
        hold(world, learner, "B")
        entry = online_entry(learner, course, "A")
        client.force_login(learner.user)
        page = client.get(reverse("hours:my_hours")).content.decode()
        assert f'data-entry="{entry.pk}"' in page
        client.post(reverse("hours:hours_reassign", args=[entry.pk]), {"credential": cred("B").pk})
        entry.refresh_from_db()
        assert entry.credential.code == "B" and entry.reassigned_at is not None
        row = trail_of(entry).get()
        assert row.actor == learner.user and row.old_state == str(cred("A").pk) and row.new_state == str(cred("B").pk)
        with pytest.raises(DomainError) as caught:
            services.hours_entry_reassign(person=learner, entry_id=entry.pk, credential=cred("A"))
        assert caught.value.code == "hours_already_reassigned"
        assert f'data-entry="{entry.pk}"' not in client.get(reverse("hours:my_hours")).content.decode()

    def test_hours_on_a_held_credential_stay(self, world, course):
        learner = world.gz_worker
        hold(world, learner, "A")
        hold(world, learner, "B")
        entry = online_entry(learner, course, "A")
        with pytest.raises(DomainError) as caught:
            services.hours_entry_reassign(person=learner, entry_id=entry.pk, credential=cred("B"))
        assert caught.value.code == "hours_credential_held"

    def test_another_persons_hours_are_not_found(self, client, world, course):
        hold(world, world.sz_worker, "B")
        entry = online_entry(world.gz_worker, course, "A")
        with pytest.raises(DomainError) as caught:
            services.hours_entry_reassign(person=world.sz_worker, entry_id=entry.pk, credential=cred("B"))
        assert caught.value.code == "hours_entry_not_found"
        client.force_login(world.sz_worker.user)
        client.post(reverse("hours:hours_reassign", args=[entry.pk]), {"credential": cred("B").pk})
        entry.refresh_from_db()
        assert entry.credential.code == "A"


class TestRepairMigration:
    def test_entries_move_where_exactly_one_of_the_courses_credentials_is_held(self, world, course):
        repair = importlib.import_module("hours.migrations.0006_repair_online_hours_credential").repair
        one = world.gz_worker
        hold(world, one, "B")
        wrong = online_entry(one, course, "A")
        both = world.sz_worker
        hold(world, both, "A", "X1")
        hold(world, both, "B", "X2")
        ambiguous = online_entry(both, course, "A")
        none = world.loner
        untouched = online_entry(none, course, "A")
        repair(django_apps, None)
        for entry in (wrong, ambiguous, untouched):
            entry.refresh_from_db()
        assert wrong.credential.code == "B"
        assert wrong.progress.enrolment.credential.code == "B"
        assert ambiguous.credential.code == "A" and untouched.credential.code == "A"
        assert trail_of(wrong).get().extra["by"] == "migration hours.0006"
        repair(django_apps, None)  # safe to run twice
        assert trail_of(wrong).count() == 1
