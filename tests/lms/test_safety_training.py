"""The enterprise's annual safety training records (企业年度安全生产教育培训合格): who may record
them, for whom, on which days; a replay records nothing twice; the page is the enterprise's own."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kernel.audit import trail_of
from kernel.errors import DomainError
from lms.models import SafetyTraining
from lms.services.safety_training import safety_training_record
from tests.factories import EmploymentFactory, MembershipFactory, OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm():
    enterprise, other = OrganisationFactory(), OrganisationFactory()
    admin = MembershipFactory(organisation=enterprise, role="enterprise_admin").user
    other_admin = MembershipFactory(organisation=other, role="enterprise_admin").user
    staff = [EmploymentFactory(enterprise=enterprise).person for _ in range(3)]
    former = EmploymentFactory(enterprise=enterprise, end_date=datetime.date(2024, 1, 1)).person
    outsider = EmploymentFactory(enterprise=other).person
    return type("Firm", (), locals())


def code_of(refused) -> str:
    return refused.value.code


def test_records_once_per_year_and_a_replay_adds_nothing(firm):
    today = timezone.localdate()
    records = safety_training_record(actor=firm.admin, enterprise=firm.enterprise, person_ids=[p.pk for p in firm.staff], passed_on=today)
    assert len(records) == 3 and SafetyTraining.objects.filter(enterprise=firm.enterprise).count() == 3
    assert safety_training_record(actor=firm.admin, enterprise=firm.enterprise, person_ids=[firm.staff[0].pk], passed_on=today) == []
    assert SafetyTraining.objects.filter(enterprise=firm.enterprise).count() == 3
    assert trail_of(firm.enterprise).last().extra["safety_training"]["people"] == sorted(p.pk for p in firm.staff)


@pytest.mark.parametrize(
    "case, code",
    [
        ("other_admin", "not_enterprise_admin"),
        ("future", "training_date_invalid"),
        ("too_old", "training_date_invalid"),
        ("no_date", "training_date_invalid"),
        ("nobody", "training_nobody"),
        ("former", "training_not_employee"),
        ("outsider", "training_not_employee"),
        ("stranger", "training_not_employee"),
    ],
)
def test_refusals_write_nothing(firm, case, code):
    today = timezone.localdate()
    actor = firm.other_admin if case == "other_admin" else firm.admin
    passed_on = {
        "future": today + datetime.timedelta(days=1), "too_old": today - datetime.timedelta(days=367), "no_date": None,
    }.get(case, today)
    extra = {"former": [firm.former.pk], "outsider": [firm.outsider.pk], "stranger": [PersonFactory().pk]}.get(case, [])
    people = [] if case == "nobody" else [firm.staff[0].pk, *extra]
    with pytest.raises(DomainError) as refused:
        safety_training_record(actor=actor, enterprise=firm.enterprise, person_ids=people, passed_on=passed_on)
    assert code_of(refused) == code and refused.value.message
    assert not SafetyTraining.objects.exists()


def test_the_page_is_the_enterprises_own(client, firm):
    client.force_login(firm.other_admin)
    url = reverse("lms:safety_training", args=[firm.enterprise.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"people": [firm.staff[0].pk], "passed_on": timezone.localdate().isoformat()}).status_code == 404
    assert not SafetyTraining.objects.exists()
    client.force_login(firm.admin)
    page = client.get(url).content.decode()
    assert all(f'data-person="{p.pk}" data-trained="0"' in page for p in firm.staff)
    assert f'data-person="{firm.former.pk}"' not in page and f'data-person="{firm.outsider.pk}"' not in page
    response = client.post(url, {"people": [firm.staff[1].pk], "passed_on": "2020-13-40"}, follow=True)
    assert response.status_code == 200 and not SafetyTraining.objects.exists()
    client.post(url, {"people": [firm.staff[1].pk], "passed_on": timezone.localdate().isoformat()})
    assert f'data-person="{firm.staff[1].pk}" data-trained="1"' in client.get(url).content.decode()
    assert 'id="safety-training-link"' in client.get(reverse("lms:organisation_detail", args=[firm.enterprise.pk])).content.decode()
