"""Institution workspaces (cms.services.workspaces): provisioning, page permissions between
institutions, learners kept out of the CMS."""


import pytest
from django.contrib.auth.models import Permission
from wagtail.models import Collection

from cms.models import (
    CataloguePage,
    CoursePage,
    InstitutionWorkspace,
)
from cms.services.workspaces import workspace_provision
from lms.models import OrganisationKind
from lms.services.organisations import organisation_create
from tests.factories import (
    PersonFactory,
    RegionFactory,
    course_publish,
    institution_create,
    staff_of,
)

pytestmark = pytest.mark.django_db


# --- 1. provisioning -----------------------------------------------------------------------------


def test_creating_an_institution_provisions_its_workspace():
    # given / when
    institution = institution_create("广州安全培训学校")

    # then
    workspace = InstitutionWorkspace.objects.get(institution=institution)
    catalogue = workspace.catalogue
    assert isinstance(catalogue, CataloguePage) and catalogue.live
    assert catalogue.institution == institution
    assert CataloguePage.objects.live().filter(pk=catalogue.pk).exists()
    access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    assert access_admin in workspace.group.permissions.all()
    assert Collection.objects.filter(pk=workspace.collection.pk).exists()
    assert not workspace.collection.is_root()


def test_provisioning_twice_returns_the_same_workspace():
    # given
    institution = institution_create("深圳安全培训学校")
    first = institution.workspace

    # when
    again = workspace_provision(institution=institution)

    # then
    assert again.pk == first.pk
    assert InstitutionWorkspace.objects.filter(institution=institution).count() == 1
    assert CataloguePage.objects.filter(institution=institution).count() == 1


def test_only_institutions_get_a_workspace():
    # given
    authority = organisation_create(
        kind=OrganisationKind.AUTHORITY, name="住建局", region=RegionFactory()
    )

    # then
    assert not InstitutionWorkspace.objects.filter(institution=authority).exists()
    with pytest.raises(ValueError):
        workspace_provision(institution=authority)


# --- 2. page permissions between institutions ----------------------------------------------------


def test_staff_edit_publish_and_add_only_under_their_own_catalogue(two_institutions):
    # given
    a, b = two_institutions
    a_course, b_course = course_publish(a, "甲的课程"), course_publish(b, "乙的课程")

    # when
    staff = staff_of(a)

    # then
    assert staff.groups.filter(pk=a.workspace.group_id).exists()
    assert not staff.groups.filter(pk=b.workspace.group_id).exists()
    for page in (a.workspace.catalogue, a_course):
        perms = page.permissions_for_user(staff)
        assert perms.can_edit() and perms.can_publish() and perms.can_add_subpage()
    for page in (b.workspace.catalogue, b_course):
        perms = page.permissions_for_user(staff)
        assert not perms.can_edit()
        assert not perms.can_publish()
        assert not perms.can_add_subpage()


def test_staff_open_the_cms_and_their_own_course_editor(client, two_institutions):
    # given
    a, b = two_institutions
    a_course = course_publish(a, "甲的课程")
    client.force_login(staff_of(a))

    # when / then
    assert client.get("/cms/").status_code == 200
    assert client.get(f"/cms/pages/{a_course.pk}/edit/").status_code == 200


def test_staff_cannot_open_another_institutions_course_editor(client, two_institutions):
    # given
    a, b = two_institutions
    b_course = course_publish(b, "乙的课程")
    client.force_login(staff_of(a))

    # when
    response = client.get(f"/cms/pages/{b_course.pk}/edit/")

    # then
    assert response.status_code in (302, 403)


def edit_form(course: CoursePage, title: str) -> dict:
    return {
        "title": title,
        "slug": course.slug,
        "summary": course.summary,
        "category": course.category,
        "credentials": [c.pk for c in course.credentials.all()],
        "credit_hours": "2",
        "completion_ratio": "0.90",
        "forbid_seeking": "on",
        "snapshot_min_seconds": "60",
        "snapshot_max_seconds": "180",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
        "action-publish": "action-publish",
    }


def test_staff_post_changes_their_own_course_but_not_another_institutions(client, two_institutions):
    # given
    a, b = two_institutions
    a_course, b_course = course_publish(a, "甲的课程"), course_publish(b, "乙的课程")
    client.force_login(staff_of(a))

    # when
    own = client.post(f"/cms/pages/{a_course.pk}/edit/", edit_form(a_course, "甲的课程（修订）"))
    other = client.post(f"/cms/pages/{b_course.pk}/edit/", edit_form(b_course, "被篡改的标题"))

    # then
    assert own.status_code == 302
    a_course.refresh_from_db()
    assert a_course.title == "甲的课程（修订）"
    assert other.status_code in (302, 403)
    b_course.refresh_from_db()
    assert b_course.title == "乙的课程"
    assert not b_course.revisions.filter(content__title="被篡改的标题").exists()


# --- 3. learners and the CMS ---------------------------------------------------------------------


def test_a_learner_cannot_open_the_cms(client):
    # given
    learner = PersonFactory().user
    client.force_login(learner)

    # when
    response = client.get("/cms/")

    # then
    assert response.status_code == 302
    assert "login" in response["Location"]
