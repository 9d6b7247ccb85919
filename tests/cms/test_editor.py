"""Wagtail for Chinese editors: its admin in Chinese, no English welcome page, and a course of a
title already used gets a slug of its own instead of "slug already in use"."""

import pytest
from django.utils.text import slugify

from cms.models import CoursePage, LessonPage
from tests.factories import course_publish, institution_create


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
    assert LessonPage.base_form_class is CoursePage.base_form_class
