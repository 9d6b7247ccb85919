"""Invitations confirmed by the person and personnel change requests (人员变更申请 / 人员变更审核):
an enterprise never attaches anyone by name and ID number alone."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kernel.audit import trail_of
from kernel.errors import DomainError
from kernel.models import AuditEvent
from lms.models import Employment, EmploymentRequest
from lms.policies import employment_requests_visible
from lms.services import employment as services
from lms.services.employment import (
    employee_add,
    employment_end,
    employment_request_accept,
    employment_request_approve,
    employment_request_cancel,
    employment_request_decline,
    employment_request_reject,
)
from tests.factories import make_id_number

pytestmark = pytest.mark.django_db

MAY = datetime.date(2024, 5, 1)


def invite(world, person, *, admin=None, enterprise=None, start_date=MAY, position="安全员"):
    return employee_add(
        actor=admin or world.gz_admin,
        enterprise=enterprise or world.gz_enterprise,
        id_number=person.id_number,
        real_name=person.real_name,
        start_date=start_date,
        position=position,
    )


def change_request(world, **overrides):
    """Shenzhen invites the Guangzhou worker, who confirms: a change request waiting for review."""
    request = invite(world, world.gz_worker, admin=world.sz_admin, enterprise=world.sz_enterprise, **overrides)
    return employment_request_accept(actor=world.gz_worker.user, request=request)


def refused(code, call, **kwargs):
    with pytest.raises(DomainError) as error:
        call(**kwargs)
    assert error.value.code == code, error.value.message
    return error.value


# The invitation ---------------------------------------------------------------------------------


class TestInvitation:
    def test_an_invitation_is_pending_and_attaches_nobody(self, world):
        request = invite(world, world.loner)
        assert request.status == "pending" and request.enterprise == world.gz_enterprise
        assert not world.loner.employments.exists()
        assert [(row.event_type, row.new_state) for row in trail_of(request)] == [("created", "pending")]

    def test_the_person_accepts_and_the_employment_starts(self, world):
        request = employment_request_accept(actor=world.loner.user, request=invite(world, world.loner))
        assert request.status == "accepted" and request.responded_at is not None
        employment = world.loner.employments.get()
        assert request.employment == employment
        assert (employment.enterprise, employment.start_date, employment.position) == (world.gz_enterprise, MAY, "安全员")
        assert [row.new_state for row in trail_of(request)] == ["pending", "accepted"]
        assert [row.event_type for row in trail_of(employment)] == ["created"]

    def test_a_replayed_accept_does_nothing_twice(self, world):
        request = employment_request_accept(actor=world.loner.user, request=invite(world, world.loner))
        audit_rows = AuditEvent.objects.count()
        refused("employment_request_move_illegal", employment_request_accept, actor=world.loner.user, request=request)
        assert world.loner.employments.count() == 1 and AuditEvent.objects.count() == audit_rows

    def test_the_person_declines(self, world):
        request = employment_request_decline(actor=world.loner.user, request=invite(world, world.loner))
        assert request.status == "declined"
        refused("employment_request_move_illegal", employment_request_accept, actor=world.loner.user, request=request)
        assert not world.loner.employments.exists()
        # Declined is settled: the enterprise may invite again.
        assert invite(world, world.loner).status == "pending"

    def test_the_enterprise_cancels_and_the_person_can_no_longer_accept(self, world):
        request = invite(world, world.loner)
        refused("not_enterprise_admin", employment_request_cancel, actor=world.sz_admin, request=request)
        refused("not_enterprise_admin", employment_request_cancel, actor=world.loner.user, request=request)
        request = employment_request_cancel(actor=world.gz_admin, request=request)
        assert request.status == "cancelled" and request.decided_by == world.gz_admin
        refused("employment_request_move_illegal", employment_request_accept, actor=world.loner.user, request=request)
        assert not world.loner.employments.exists()

    def test_only_the_invited_person_answers(self, world):
        request = invite(world, world.loner)
        for actor in (world.gz_admin, world.gz_worker.user, world.gz_reviewer, world.superuser):
            refused("employment_request_not_yours", employment_request_accept, actor=actor, request=request)
            refused("employment_request_not_yours", employment_request_decline, actor=actor, request=request)
        request.refresh_from_db()
        assert request.status == "pending" and not world.loner.employments.exists()

    def test_a_second_open_invitation_is_refused(self, world):
        invite(world, world.loner)
        refused("employment_request_exists", invite, world=world, person=world.loner)
        assert EmploymentRequest.objects.filter(person=world.loner).count() == 1

    def test_the_same_answer_for_an_unknown_number_and_a_wrong_name(self, world):
        for id_number, name in [(world.loner.id_number, "别人"), (make_id_number(sequence=999), world.loner.real_name)]:
            error = refused(
                "person_not_found", employee_add, actor=world.gz_admin, enterprise=world.gz_enterprise,
                id_number=id_number, real_name=name, start_date=MAY,
            )
            assert error.field == "id_number"
        assert not EmploymentRequest.objects.exists()

    @pytest.mark.parametrize(
        "overrides, code",
        [
            ({"id_number": "1234"}, "id_number_format"),
            ({"start_date": "tomorrow"}, "start_date_future"),
            ({"enterprise": "institution"}, "not_an_enterprise"),
            ({"actor": "sz_admin"}, "not_enterprise_admin"),
            ({"id_number": "gz_worker"}, "already_employed"),
        ],
    )
    def test_bad_input_is_refused_and_changes_nothing(self, world, overrides, code):
        fields = dict(
            actor=world.gz_admin, enterprise=world.gz_enterprise, id_number=world.loner.id_number,
            real_name=world.loner.real_name, start_date=MAY,
        )
        fields.update(overrides)
        if overrides.get("start_date") == "tomorrow":
            fields["start_date"] = timezone.localdate() + datetime.timedelta(days=1)
        if overrides.get("enterprise") == "institution":
            fields["enterprise"] = world.gz_institution
        if overrides.get("actor") == "sz_admin":
            fields["actor"] = world.sz_admin
        if overrides.get("id_number") == "gz_worker":
            fields.update(id_number=world.gz_worker.id_number, real_name=world.gz_worker.real_name)
        refused(code, employee_add, **fields)
        assert not EmploymentRequest.objects.exists() and not world.loner.employments.exists()

    def test_a_start_inside_an_earlier_employment_is_refused(self, world):
        old = world.gz_worker.employments.get()
        employment_end(actor=world.gz_admin, employment=old, end_date=datetime.date(2024, 6, 30))
        refused(
            "start_in_earlier_employment", invite, world=world, person=world.gz_worker, admin=world.sz_admin,
            enterprise=world.sz_enterprise, start_date=datetime.date(2024, 6, 30),
        )
        request = invite(
            world, world.gz_worker, admin=world.sz_admin, enterprise=world.sz_enterprise,
            start_date=datetime.date(2024, 7, 1),
        )
        # Nobody's employee any more: accepting starts the employment, no review needed.
        assert employment_request_accept(actor=world.gz_worker.user, request=request).status == "accepted"


# The personnel change request (人员变更申请 / 人员变更审核) --------------------------------------------


class TestChangeRequest:
    def test_a_person_employed_elsewhere_confirms_and_the_request_waits_for_review(self, world):
        request = change_request(world)
        assert request.status == "review"
        assert request.previous_employment == world.gz_worker.employments.get()
        assert world.gz_worker.employments.get().is_current  # nothing changed yet

    def test_approval_ends_the_old_employment_the_day_before_and_starts_the_new_one(self, world):
        request = change_request(world)
        old = request.previous_employment
        request = employment_request_approve(actor=world.sz_reviewer, request=request)
        assert request.status == "approved" and request.decided_by == world.sz_reviewer
        old.refresh_from_db()
        assert old.end_date == datetime.date(2024, 4, 30)
        new = Employment.objects.get(person=world.gz_worker, end_date__isnull=True)
        assert new == request.employment and new.enterprise == world.sz_enterprise and new.start_date == MAY
        assert [row.new_state for row in trail_of(request)] == ["pending", "review", "approved"]
        assert trail_of(request).last().event_type == "decided"
        assert [(row.event_type, row.new_state) for row in trail_of(old)] == [("changed", "ended")]
        assert [(row.event_type, row.new_state) for row in trail_of(new)] == [("created", "current")]

    def test_a_reviewer_of_a_region_above_may_decide(self, world):
        request = employment_request_approve(actor=world.province_reviewer, request=change_request(world))
        assert request.status == "approved"

    def test_only_a_reviewer_of_the_new_enterprises_region_decides(self, world):
        request = change_request(world)
        for actor in (world.gz_reviewer, world.sz_admin, world.gz_admin, world.gz_worker.user):
            refused("not_change_reviewer", employment_request_approve, actor=actor, request=request)
            refused("not_change_reviewer", employment_request_reject, actor=actor, request=request, reason="不符")
        request.refresh_from_db()
        assert request.status == "review" and world.gz_worker.employments.get().is_current

    def test_a_replayed_approval_does_nothing_twice(self, world):
        request = employment_request_approve(actor=world.sz_reviewer, request=change_request(world))
        audit_rows = AuditEvent.objects.count()
        refused("employment_request_move_illegal", employment_request_approve, actor=world.sz_reviewer, request=request)
        assert world.gz_worker.employments.count() == 2 and AuditEvent.objects.count() == audit_rows

    def test_a_rejection_needs_a_reason_and_changes_no_employment(self, world):
        request = change_request(world)
        refused("reason_required", employment_request_reject, actor=world.sz_reviewer, request=request, reason="  ")
        request = employment_request_reject(actor=world.sz_reviewer, request=request, reason="劳动合同未提供")
        assert request.status == "rejected" and request.reason == "劳动合同未提供"
        assert world.gz_worker.employments.get().enterprise == world.gz_enterprise
        refused("employment_request_move_illegal", employment_request_approve, actor=world.sz_reviewer, request=request)

    def test_the_person_or_the_new_enterprise_may_withdraw_while_it_waits(self, world):
        request = employment_request_decline(actor=world.gz_worker.user, request=change_request(world))
        assert request.status == "declined"
        EmploymentRequest.objects.all().delete()
        request = employment_request_cancel(actor=world.sz_admin, request=change_request(world))
        assert request.status == "cancelled"
        assert world.gz_worker.employments.get().is_current

    def test_a_start_before_the_current_employment_began_is_refused_at_confirmation(self, world):
        request = invite(
            world, world.gz_worker, admin=world.sz_admin, enterprise=world.sz_enterprise,
            start_date=datetime.date(2023, 1, 1),
        )
        refused("change_before_current_start", employment_request_accept, actor=world.gz_worker.user, request=request)
        request.refresh_from_db()
        assert request.status == "pending"

    def test_an_employment_changed_since_the_confirmation_is_refused(self, world):
        request = change_request(world)
        employment_end(actor=world.gz_admin, employment=request.previous_employment, end_date=datetime.date(2024, 3, 1))
        refused("employment_changed", employment_request_approve, actor=world.sz_reviewer, request=request)
        request.refresh_from_db()
        assert request.status == "review"
        assert not Employment.objects.filter(person=world.gz_worker, enterprise=world.sz_enterprise).exists()

    def test_the_end_and_the_start_happen_in_one_transaction(self, world, monkeypatch):
        request = change_request(world)

        def fail(**kwargs):
            raise services.ERRORS.error("employment_overlap", enterprise="x")

        monkeypatch.setattr(services, "_employment_create", fail)
        refused("employment_overlap", employment_request_approve, actor=world.sz_reviewer, request=request)
        request.refresh_from_db()
        assert request.status == "review"
        assert world.gz_worker.employments.get().is_current  # the old end was rolled back


# Scoping ----------------------------------------------------------------------------------------


class TestScoping:
    def test_each_party_sees_only_its_own(self, world):
        loner_invitation = invite(world, world.loner)
        pending_change = invite(world, world.gz_worker, admin=world.sz_admin, enterprise=world.sz_enterprise)

        def seen(user):
            return set(employment_requests_visible(user).values_list("pk", flat=True))

        assert seen(world.loner.user) == {loner_invitation.pk}
        assert seen(world.gz_worker.user) == {pending_change.pk}
        assert seen(world.sz_worker.user) == set()
        assert seen(world.gz_admin) == {loner_invitation.pk}  # not yet the Shenzhen invitation of its employee
        assert seen(world.sz_admin) == {pending_change.pk}
        assert seen(world.gz_reviewer) == seen(world.sz_reviewer) == set()  # nothing confirmed yet
        employment_request_accept(actor=world.gz_worker.user, request=pending_change)
        assert seen(world.gz_admin) == {loner_invitation.pk, pending_change.pk}  # the old side
        assert seen(world.sz_reviewer) == {pending_change.pk}
        assert seen(world.gz_reviewer) == set()
        assert seen(world.province_reviewer) == {pending_change.pk}


# Pages ------------------------------------------------------------------------------------------


def act(client, request, action, **data):
    return client.post(reverse("lms:employment_request_act", args=[request.pk, action]), data)


class TestPages:
    def test_the_person_sees_the_invitation_on_home_and_accepts_it(self, client, world):
        request = invite(world, world.loner)
        client.force_login(world.loner.user)
        assert 'id="notice-invitations"' in client.get(reverse("lms:home")).content.decode()
        html = client.get(reverse("lms:my_invitations")).content.decode()
        assert f'data-request="{request.pk}" data-status="pending"' in html and f'id="accept-{request.pk}"' in html
        assert "data-confirm" in html
        response = act(client, request, "accept")
        assert response.status_code == 302 and response.url == reverse("lms:my_invitations")
        assert world.loner.employments.get().enterprise == world.gz_enterprise
        # Replayed: a message, not a 500, and nothing twice.
        assert act(client, request, "accept").status_code == 302
        assert world.loner.employments.count() == 1
        assert 'id="notice-invitations"' not in client.get(reverse("lms:home")).content.decode()

    def test_the_person_declines_on_the_page(self, client, world):
        request = invite(world, world.loner)
        client.force_login(world.loner.user)
        assert act(client, request, "decline").status_code == 302
        request.refresh_from_db()
        assert request.status == "declined"

    def test_other_tenants_ids_are_not_found_and_change_nothing(self, client, world):
        request = invite(world, world.loner)
        for user, action in [
            (world.gz_worker.user, "accept"), (world.gz_admin, "accept"), (world.sz_admin, "cancel"),
            (world.loner.user, "cancel"), (world.gz_reviewer, "approve"), (world.gz_admin, "approve"),
            (world.loner.user, "frobnicate"),
        ]:
            client.force_login(user)
            assert act(client, request, action).status_code == 404, (user, action)
        assert client.get(reverse("lms:employment_request_act", args=[request.pk, "accept"])).status_code == 405
        client.force_login(world.gz_worker.user)
        assert act(client, EmploymentRequest(pk=999999), "accept").status_code == 404
        request.refresh_from_db()
        assert request.status == "pending" and not world.loner.employments.exists()

    def test_the_enterprise_sees_and_cancels_its_invitations(self, client, world):
        request = invite(world, world.loner)
        client.force_login(world.gz_admin)
        html = client.get(reverse("lms:organisation_detail", args=[world.gz_enterprise.pk])).content.decode()
        assert 'id="employment-requests"' in html and f'id="cancel-request-{request.pk}"' in html
        client.force_login(world.sz_admin)
        html = client.get(reverse("lms:organisation_detail", args=[world.sz_enterprise.pk])).content.decode()
        assert f'data-request="{request.pk}"' not in html
        client.force_login(world.gz_admin)
        response = act(client, request, "cancel")
        assert response.status_code == 302 and response.url == reverse("lms:organisation_detail", args=[world.gz_enterprise.pk])
        request.refresh_from_db()
        assert request.status == "cancelled"

    def test_a_change_is_reviewed_on_the_page_and_the_old_side_is_told(self, client, world):
        request = change_request(world)
        client.force_login(world.gz_admin)
        html = client.get(reverse("lms:home")).content.decode()
        assert 'id="notice-employees-leaving"' in html
        html = client.get(reverse("lms:organisation_detail", args=[world.gz_enterprise.pk])).content.decode()
        assert 'id="employees-leaving"' in html and f'data-request="{request.pk}" data-status="review"' in html
        assert client.get(reverse("lms:personnel_changes")).status_code == 404  # not a reviewer

        client.force_login(world.gz_reviewer)
        assert f'data-request="{request.pk}"' not in client.get(reverse("lms:personnel_changes")).content.decode()
        assert 'id="notice-personnel-changes"' not in client.get(reverse("lms:home")).content.decode()

        client.force_login(world.sz_reviewer)
        assert 'id="notice-personnel-changes"' in client.get(reverse("lms:home")).content.decode()
        html = client.get(reverse("lms:personnel_changes") + "?status=review").content.decode()
        assert f'id="approve-{request.pk}"' in html and f'id="reject-{request.pk}"' in html
        # A rejection without a reason is explained and changes nothing.
        assert act(client, request, "reject", reason="").status_code == 302
        request.refresh_from_db()
        assert request.status == "review"
        assert act(client, request, "approve").status_code == 302
        assert act(client, request, "approve").status_code == 302  # replayed: nothing twice
        request.refresh_from_db()
        assert request.status == "approved" and world.gz_worker.employments.count() == 2

        client.force_login(world.gz_admin)
        assert 'id="notice-employees-left"' in client.get(reverse("lms:home")).content.decode()
        client.force_login(world.gz_worker.user)
        assert world.sz_enterprise.name in client.get(reverse("lms:home")).content.decode()

    def test_the_invitations_page_is_for_people(self, client, world):
        client.force_login(world.gz_admin)
        assert client.get(reverse("lms:my_invitations")).status_code == 404
        client.force_login(world.loner.user)
        assert client.get(reverse("lms:my_invitations")).status_code == 200
        assert client.get(reverse("lms:personnel_changes")).status_code == 404


# Two decisions at once --------------------------------------------------------------------------


def second_shenzhen_enterprise(world):
    from lms.models import OrganisationKind
    from tests.factories import MembershipFactory, OrganisationFactory

    enterprise = OrganisationFactory(kind=OrganisationKind.ENTERPRISE, name="深圳二建", region=world.shenzhen)
    return enterprise, MembershipFactory(organisation=enterprise, role="enterprise_admin").user


def test_two_confirmed_moves_of_one_person_cannot_both_be_approved(world):
    first = change_request(world)
    enterprise, admin = second_shenzhen_enterprise(world)
    second = invite(world, world.gz_worker, admin=admin, enterprise=enterprise, start_date=datetime.date(2024, 6, 1))
    second = employment_request_accept(actor=world.gz_worker.user, request=second)
    employment_request_approve(actor=world.sz_reviewer, request=first)
    refused("employment_changed", employment_request_approve, actor=world.sz_reviewer, request=second)
    assert Employment.objects.get(person=world.gz_worker, end_date__isnull=True).enterprise == world.sz_enterprise


def _in_parallel(calls):
    import threading

    from django.db import connection

    results, barrier = [], threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            call()
            results.append("approved")
        except DomainError as error:
            results.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(results)


def _postgresql_only():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write; the row lock race needs PostgreSQL")


@pytest.mark.django_db(transaction=True)
def test_the_same_approval_twice_at_once_moves_the_person_once(world):
    _postgresql_only()
    request = change_request(world)
    approve = lambda: employment_request_approve(actor=world.sz_reviewer, request=request)  # noqa: E731
    assert _in_parallel([approve, approve]) == ["approved", "employment_request_move_illegal"]
    assert world.gz_worker.employments.count() == 2
    assert world.gz_worker.employments.filter(end_date__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_moves_of_one_person_approved_at_once_move_them_once(world):
    _postgresql_only()
    first = change_request(world)
    enterprise, admin = second_shenzhen_enterprise(world)
    second = employment_request_accept(
        actor=world.gz_worker.user,
        request=invite(world, world.gz_worker, admin=admin, enterprise=enterprise, start_date=datetime.date(2024, 6, 1)),
    )
    results = _in_parallel(
        [
            lambda: employment_request_approve(actor=world.sz_reviewer, request=first),
            lambda: employment_request_approve(actor=world.sz_reviewer, request=second),
        ]
    )
    # Either may win the person's lock. The loser is refused: as `employment_changed` when the
    # first request won (the employment the second was confirmed against has ended), or as
    # `change_before_current_start` when the second won (the first starts before it).
    assert results in (["approved", "employment_changed"], ["approved", "change_before_current_start"])
    [current] = world.gz_worker.employments.filter(end_date__isnull=True)
    first.refresh_from_db()
    second.refresh_from_db()
    winner = first if first.status == "approved" else second
    assert {first.status, second.status} == {"approved", "review"} and current.enterprise_id == winner.enterprise_id
