"""Wagtail for Chinese editors: its admin in Chinese, no English welcome page, and a course of a
title already used gets a slug of its own instead of "slug already in use"."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.utils.text import slugify

from cms.checks import course_credit
from cms.forms import UniqueSlugPageForm
from cms.models import CoursePage, LessonPage
from tests.factories import course_publish, institution_create, lesson_add, staff_of


@pytest.mark.django_db
def test_wagtails_admin_speaks_chinese(client):
    response = client.get("/cms/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


@pytest.mark.django_db
def test_the_pages_prefix_shows_no_english_welcome_page(client):
    response = client.get("/pages/", follow=True)
    assert response.status_code == 200
    assert "Welcome to your new Wagtail site" not in response.content.decode()
    assert response.redirect_chain and response.redirect_chain[-1][0] == "/courses/"


def _clean_slug(page_class, parent, *, title, slug):
    form_class = page_class.get_edit_handler().get_form_class()
    form = form_class(instance=page_class(), parent_page=parent, for_user=None)
    form.cleaned_data = {"title": title, "slug": slug}
    form.data = {"title": title, "slug": slug}
    return form.clean_slug()


@pytest.mark.django_db
def test_a_second_course_of_the_same_chinese_title_gets_a_slug_of_its_own():
    # Given a course (or its autosaved draft) already holding the slug derived from its title
    first = course_publish(institution_create("甲培训学校"), "安全生产法规")
    catalogue = first.get_parent().specific
    derived = slugify("安全生产法规", allow_unicode=True)
    assert first.slug == derived
    # When another course of that title is saved with the derived slug, or none
    # Then it is given the next free one, not refused
    assert _clean_slug(CoursePage, catalogue, title="安全生产法规", slug=derived) == f"{derived}-2"
    assert _clean_slug(CoursePage, catalogue, title="安全生产法规", slug="") == f"{derived}-2"
    course_publish(first.institution, "安全生产法规", slug=f"{derived}-2")
    assert _clean_slug(CoursePage, catalogue, title="安全生产法规", slug=derived) == f"{derived}-3"
    # And a slug the editor typed is left for Wagtail to judge
    assert _clean_slug(CoursePage, catalogue, title="安全生产法规", slug="law") == "law"
    assert issubclass(LessonPage.base_form_class, UniqueSlugPageForm) and issubclass(CoursePage.base_form_class, UniqueSlugPageForm)


# The 学时 a course and its lessons award (cms.rules.credit) ------------------------------------


def lesson_form(title: str, *, minutes: str, credit_hours: str) -> dict:
    return {
        "title": title,
        "slug": slugify(title, allow_unicode=True),  # as the editor's script derives it
        "video_url": "https://example.com/v.mp4",
        "minutes": minutes,
        "credit_hours": credit_hours,
        "body": '{"blocks": [{"key": "a", "type": "unstyled", "text": "", "depth": 0, "inlineStyleRanges": [], "entityRanges": []}], "entityMap": {}}',
        "attachments-TOTAL_FORMS": "0",
        "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "1000",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
        "action-publish": "action-publish",
    }


def add_lesson(client, course, **fields):
    return client.post(f"/cms/pages/add/cms/lessonpage/{course.pk}/", lesson_form(**fields))


@pytest.mark.django_db
def test_a_lesson_awards_no_more_than_its_length_and_the_editor_is_told_in_chinese(client):
    # Given a course of 1 学时 and its institution's editor
    institution = institution_create("甲培训学校")
    course = course_publish(institution, "施工用电", credit_hours=Decimal("1"))
    client.force_login(staff_of(institution))

    # When the editor adds a 30-second clip worth a whole 学时
    response = add_lesson(client, course, title="配电箱", minutes="0.5", credit_hours="1")

    # Then it is refused with what the clip can award, and nothing is created
    assert response.status_code == 200
    text = response.content.decode()
    assert "0.5 分钟的课时最多计 0 学时" in text and "每学时 45 分钟" in text
    assert not LessonPage.objects.child_of(course).exists()

    # And a 45-minute lesson of 1 学时 is accepted
    assert add_lesson(client, course, title="配电箱", minutes="45", credit_hours="1").status_code == 302
    assert LessonPage.objects.child_of(course).get().credit_hours == 1


@pytest.mark.django_db
def test_a_courses_lessons_award_no_more_than_the_course_and_the_course_no_less_than_its_lessons(client):
    institution = institution_create("甲培训学校")
    course = course_publish(institution, "施工用电", credit_hours=Decimal("1"))
    client.force_login(staff_of(institution))
    assert add_lesson(client, course, title="第一课", minutes="45", credit_hours="1").status_code == 302

    # When a second lesson would take the course past its 1 学时
    response = add_lesson(client, course, title="第二课", minutes="45", credit_hours="1")

    # Then it is refused, saying what the course and its lessons would award
    assert response.status_code == 200
    assert "课程计 1 学时，各课时合计将为 2 学时" in response.content.decode()
    assert LessonPage.objects.child_of(course).count() == 1

    # And the course cannot be lowered below what its lessons award
    form = {
        "title": course.title, "slug": course.slug, "summary": course.summary, "category": course.category,
        "credentials": [c.pk for c in course.credentials.all()], "credit_hours": "0.5", "completion_ratio": "0.90",
        "forbid_seeking": "on", "snapshot_min_seconds": "60", "snapshot_max_seconds": "180",
        "comments-TOTAL_FORMS": "0", "comments-INITIAL_FORMS": "0", "comments-MIN_NUM_FORMS": "0", "comments-MAX_NUM_FORMS": "1000",
        "action-publish": "action-publish",
    }
    response = client.post(f"/cms/pages/{course.pk}/edit/", form)
    assert response.status_code == 200 and "本课程各课时合计 1 学时" in response.content.decode()
    course.refresh_from_db()
    assert course.credit_hours == 1


@pytest.mark.django_db
def test_a_course_whose_lessons_do_not_add_up_is_named_on_the_institutions_home_and_by_the_check(client):
    # Given a live course that says 2 学时 and one lesson of 1 (entered before the rule, or by import)
    institution = institution_create("甲培训学校")
    course = course_publish(institution, "施工用电", credit_hours=Decimal("2"))
    lesson_add(course, "第一课", minutes=Decimal("45"), credit_hours=Decimal("1"))
    honest = course_publish(institution, "起重吊装", credit_hours=Decimal("1"))
    lesson_add(honest, "第一课", minutes=Decimal("45"), credit_hours=Decimal("1"))

    # Then the check names it, and only it
    [warning] = course_credit(None, databases=["default"])
    assert warning.id == "cms.W001" and warning.obj == course
    # and the institution's home shows it to its staff, with the editor's link
    client.force_login(staff_of(institution))
    page = BeautifulSoup(client.get("/").content.decode(), "html.parser")
    row = page.select_one(f'#home-drafts [data-key="credit-{course.pk}"]')
    assert row is not None and "学时不符" in row.text and "课程计 2 学时；各课时合计 1 学时" in row.text
    assert row.select_one(f'a[href="/cms/pages/{course.pk}/edit/"]') is not None
    assert page.select_one(f'#home-drafts [data-key="credit-{honest.pk}"]') is None


def test_the_credit_check_waits_for_the_tables_that_migrate_has_not_made_yet(monkeypatch):
    # `migrate` runs the database checks first: on an empty database the check finds nothing to say
    from django.db import connection

    monkeypatch.setattr(connection.introspection, "table_names", lambda *args, **kwargs: [])
    assert course_credit(None, databases=["default"]) == []
