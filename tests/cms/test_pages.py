"""The public catalogue and course pages, and enrolling from a page."""

import pytest

from hours.models import Enrolment
from tests.study import course, lessons  # noqa: F401  (fixtures shared with the study tests)

pytestmark = pytest.mark.django_db


def test_anyone_may_browse_and_filter_the_catalogue(client, course):  # noqa: F811
    html = client.get("/courses/").content.decode()
    assert course.title in html and "测试培训学校" in html
    assert course.title in client.get("/courses/?credential=A&category=general").content.decode()
    assert course.title not in client.get("/courses/?credential=101").content.decode()
    assert course.title not in client.get("/courses/?category=professional").content.decode()
    assert course.title in client.get("/courses/?q=法规").content.decode()
    assert course.title not in client.get("/courses/?q=钢筋").content.decode()
    assert client.get("/courses/?institution=abc&category=nonsense&page=999").status_code == 200


def test_a_course_page_lists_its_lessons_in_chinese(client, course):  # noqa: F811
    html = client.get(course.url).content.decode()
    assert "第一课" in html and "第二课" in html
    assert html.index("第一课") < html.index("第二课")
    assert "测试培训学校" in html and "学时" in html


def test_a_learner_enrols_from_the_course_page_once(client, world, course):  # noqa: F811
    client.force_login(world.gz_worker.user)
    assert client.post(f"/hours/courses/{course.pk}/enrol/").status_code == 302
    assert client.post(f"/hours/courses/{course.pk}/enrol/").status_code == 302
    assert Enrolment.objects.filter(person=world.gz_worker).count() == 1
    assert course.title in client.get("/hours/my/courses/").content.decode()


def test_an_account_without_a_profile_cannot_enrol(client, world, course):  # noqa: F811
    client.force_login(world.gz_admin)
    client.post(f"/hours/courses/{course.pk}/enrol/")
    assert not Enrolment.objects.exists()


def test_the_enterprise_assigns_from_a_page(client, world, course):  # noqa: F811
    client.force_login(world.gz_admin)
    page = client.get(f"/hours/enterprises/{world.gz_enterprise.pk}/assign/").content.decode()
    assert world.gz_worker.real_name in page and world.sz_worker.real_name not in page
    response = client.post(
        f"/hours/enterprises/{world.gz_enterprise.pk}/assign/", {"course": course.pk, "person": [world.gz_worker.pk]}
    )
    assert response.status_code == 302
    assert Enrolment.objects.get().source == "enterprise"
    response = client.post(
        f"/hours/enterprises/{world.gz_enterprise.pk}/assign/", {"course": course.pk, "person": [world.sz_worker.pk]}
    )
    assert response.status_code == 200 and Enrolment.objects.count() == 1
    assert client.get(f"/hours/enterprises/{world.sz_enterprise.pk}/assign/").status_code == 404


def test_institution_staff_see_their_learners_and_no_one_else(client, world, course):  # noqa: F811
    from hours.services import enrol
    from lms.policies import people_visible
    from lms.services.organisations import membership_grant

    staff = world.gz_admin.__class__.objects.create(username="course-staff")
    membership_grant(user=staff, organisation=course.institution, role="institution_staff")
    assert not people_visible(staff).exists()
    enrol(person=world.gz_worker, course=course)
    assert list(people_visible(staff)) == [world.gz_worker]
    client.force_login(staff)
    assert client.get(f"/people/{world.gz_worker.pk}/").status_code == 200
    assert client.get(f"/people/{world.sz_worker.pk}/").status_code == 404
    # Another institution's staff do not see them.
    assert world.gz_worker not in people_visible(world.gz_staff)


def test_the_course_page_shows_the_outline_and_enrol_then_continue(client, world, course):  # noqa: F811
    """Before enrolment the lessons are an outline (no link the player would refuse with a 404)
    under the enrol button; after it the page offers 继续学习 to the first lesson not completed, and
    my courses too."""
    outline = lessons(course)
    client.force_login(world.gz_worker.user)
    html = client.get(course.url).content.decode()
    assert 'id="enrol"' in html and f"/hours/study/lessons/{outline[0].pk}/" not in html
    client.post(f"/hours/courses/{course.pk}/enrol/")
    html = client.get(course.url).content.decode()
    assert 'id="enrol"' not in html and 'id="continue"' in html
    assert f'href="/hours/study/lessons/{outline[0].pk}/"' in html
    mine = client.get("/hours/my/courses/").content.decode()
    assert "继续学习" in mine and f'href="/hours/study/lessons/{outline[0].pk}/"' in mine
    # and the home page's card continues there too
    home = client.get("/").content.decode()
    assert f'id="continue-{course.pk}"' in home
