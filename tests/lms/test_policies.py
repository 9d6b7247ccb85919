"""Every role sees only its own tenant's objects; another tenant's id is a 404, on pages and in the API."""

import pytest
from django.urls import reverse

from lms.models import Role
from lms.policies import organisations_visible, people_visible
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def names(queryset):
    return {item.real_name if hasattr(item, "real_name") else item.name for item in queryset}


def test_a_learner_sees_only_themself(world):
    assert names(people_visible(world.gz_worker.user)) == {"张广州"}
    assert names(organisations_visible(world.gz_worker.user)) == {"广州建工"}


def test_an_enterprise_sees_its_current_employees(world):
    assert names(people_visible(world.gz_admin)) == {"张广州"}
    assert names(people_visible(world.sz_admin)) == {"李深圳"}


def test_an_institution_sees_its_staff(world):
    visible = people_visible(world.gz_staff)
    assert not visible.exists()  # staff accounts here have no person profile; learners come with enrolment
    assert names(organisations_visible(world.gz_staff)) == {"广州培训学校"}


def test_an_authority_sees_its_region_and_the_regions_below(world):
    assert names(people_visible(world.gz_reviewer)) == {"张广州"}
    assert names(people_visible(world.province_reviewer)) == {"张广州", "李深圳"}
    assert names(organisations_visible(world.gz_reviewer)) == {"广州市住建局", "广州建工", "广州培训学校"}
    assert "深圳建工" in names(organisations_visible(world.province_reviewer))
    assert "广东省住建厅" not in names(organisations_visible(world.sz_reviewer))


def test_people_lists_cost_a_fixed_number_of_queries(world, django_assert_num_queries):
    from tests.factories import EmploymentFactory

    EmploymentFactory.create_batch(5, enterprise=world.sz_enterprise)
    # roles, the learner check, the region paths, then one query for the whole list
    with django_assert_num_queries(4):
        people = list(people_visible(world.province_reviewer))
        assert [person.user.username for person in people]
    assert len(people) == 7


# (actor, the object the actor may not see) for every kind of object and every role.
CROSS_TENANT = [
    ("gz_worker_user", "person", "sz_worker"),
    ("gz_admin", "person", "sz_worker"),
    ("gz_admin", "person", "loner"),
    ("gz_staff", "person", "gz_worker"),
    ("gz_reviewer", "person", "sz_worker"),
    ("gz_worker_user", "organisation", "sz_enterprise"),
    ("gz_admin", "organisation", "sz_enterprise"),
    ("gz_staff", "organisation", "sz_institution"),
    ("gz_reviewer", "organisation", "sz_enterprise"),
    ("gz_reviewer", "organisation", "province_authority"),
    ("sz_reviewer", "organisation", "gz_institution"),
]


def actor_of(world, name):
    return world.gz_worker.user if name == "gz_worker_user" else getattr(world, name)


@pytest.mark.parametrize("actor, kind, target", CROSS_TENANT)
def test_another_tenants_object_is_a_404_on_pages_and_in_the_api(client, world, actor, kind, target):
    client.force_login(actor_of(world, actor))
    obj = getattr(world, target)
    page = {"person": "lms:person_detail", "organisation": "lms:organisation_detail"}[kind]
    assert client.get(reverse(page, args=[obj.pk])).status_code == 404
    api_path = {"person": f"/api/people/{obj.pk}", "organisation": f"/api/organisations/{obj.pk}"}[kind]
    response = client.get(api_path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_another_tenants_employment_cannot_be_ended(client, world):
    client.force_login(world.sz_admin)
    employment = world.gz_worker.employments.get()
    assert client.post(reverse("lms:employment_end", args=[employment.pk]), {"end_date": "2024-01-01"}).status_code == 404
    response = client.post(
        f"/api/employments/{employment.pk}/end", {"end_date": "2024-01-01"}, content_type="application/json"
    )
    assert response.status_code == 404
    employment.refresh_from_db()
    assert employment.is_current


def test_the_id_photo_is_seen_by_the_person_their_authority_and_superusers_only(client, world):
    """Identity evidence: an employer or an institution that sees the person's name does not see
    their photo (6 of 6 such tries returned it before)."""
    from django.core.files.base import ContentFile

    world.gz_worker.id_photo.save("x.jpg", ContentFile(b"jpeg"), save=True)
    url = reverse("lms:person_id_photo", args=[world.gz_worker.pk])
    proctor = MembershipFactory(organisation=world.gz_authority, role=Role.PROCTOR).user
    allowed = [world.gz_worker.user, world.gz_reviewer, world.province_reviewer, world.superuser]
    refused = [world.gz_admin, world.gz_staff, proctor, world.sz_admin, world.sz_reviewer, world.sz_worker.user, world.sz_staff]
    for user in allowed:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200 and response["Cache-Control"] == "private, no-store", user
    for user in refused:
        client.force_login(user)
        assert client.get(url).status_code == 404, user
        # Where the person's page is visible, it shows no photo either.
        page = client.get(reverse("lms:person_detail", args=[world.gz_worker.pk]))
        assert url not in page.content.decode(), user


def test_lists_show_masked_identifiers_only(client, world):
    client.force_login(world.province_reviewer)
    html = client.get(reverse("lms:people_list")).content.decode()
    assert world.gz_worker.masked_id_number in html
    assert world.gz_worker.id_number not in html
    assert world.gz_worker.mobile not in html
    data = client.get("/api/people").json()
    assert {item["masked_id_number"] for item in data["items"]} == {
        world.gz_worker.masked_id_number,
        world.sz_worker.masked_id_number,
    }
    assert world.gz_worker.id_number not in str(data)


def test_a_superuser_sees_everyone(world):
    assert names(people_visible(world.superuser)) == {"张广州", "李深圳", "王无业"}
