"""Browsing and Chinese search of the published catalogue (cms.selectors.catalogue), and a course
moved to another catalogue."""


import pytest

from cms.models import (
    CoursePage,
    KnowledgeCategory,
)
from cms.selectors.catalogue import courses_browse
from tests.factories import course_publish, institution_create

pytestmark = pytest.mark.django_db


def titles(courses) -> set[str]:
    return {course.title for course in courses}


# --- 4. browsing ---------------------------------------------------------------------------------


@pytest.fixture
def catalogue(two_institutions):
    a, b = two_institutions
    course_publish(a, "甲通识", category="general", credentials=["A", "B"])
    course_publish(a, "甲专业", category="professional", credentials=["101"])
    course_publish(b, "乙通识", category="general", credentials=["C"])
    course_publish(b, "乙专业", category="professional", credentials=["101", "106"])
    course_publish(a, "甲草稿", category="general", credentials=["A", "101"], publish=False)
    return a, b


def test_browse_lists_only_published_courses(catalogue):
    assert titles(courses_browse()) == {"甲通识", "甲专业", "乙通识", "乙专业"}


def test_browse_by_credential(catalogue):
    assert titles(courses_browse(credential="101")) == {"甲专业", "乙专业"}
    assert titles(courses_browse(credential="A")) == {"甲通识"}
    assert titles(courses_browse(credential="AQY")) == set()


def test_browse_by_category(catalogue):
    assert titles(courses_browse(category=KnowledgeCategory.GENERAL)) == {"甲通识", "乙通识"}
    assert titles(courses_browse(category=KnowledgeCategory.PROFESSIONAL)) == {"甲专业", "乙专业"}


def test_browse_by_institution(catalogue):
    a, b = catalogue
    assert titles(courses_browse(institution=a.pk)) == {"甲通识", "甲专业"}
    assert titles(courses_browse(institution=b.pk)) == {"乙通识", "乙专业"}


def test_browse_with_filters_combined(catalogue):
    a, b = catalogue
    assert titles(courses_browse(credential="101", category="professional", institution=b.pk)) == {"乙专业"}
    assert titles(courses_browse(credential="101", category="general")) == set()


def test_browse_lists_a_course_once_when_it_serves_several_credentials(catalogue):
    courses = list(courses_browse(category="professional"))
    assert len(courses) == len({course.pk for course in courses}) == 2


def test_a_draft_course_appears_once_published(catalogue):
    # given
    draft = CoursePage.objects.get(title="甲草稿")

    # when
    draft.get_latest_revision().publish()

    # then
    assert "甲草稿" in titles(courses_browse(credential="A"))


# --- 5. Chinese search ---------------------------------------------------------------------------


@pytest.fixture
def searchable(two_institutions):
    a, b = two_institutions
    course_publish(
        a,
        "危险性较大的分部分项工程安全管理",
        summary="深基坑、高大模板、起重吊装等危大工程的专项方案、论证与现场监督。",
    )
    course_publish(b, "建筑施工安全生产法律法规", summary="安全生产法要点与年度教育培训。")
    course_publish(b, "混凝土结构施工", summary="模板、钢筋工程的施工工艺。", category="professional")
    course_publish(a, "消防安全草稿", summary="未发布。", publish=False)
    return a, b


@pytest.mark.parametrize(
    "query, expected",
    [
        ("分部分项", {"危险性较大的分部分项工程安全管理"}),
        ("安全管理", {"危险性较大的分部分项工程安全管理"}),
        ("安全", {"危险性较大的分部分项工程安全管理", "建筑施工安全生产法律法规"}),
        ("深基坑", {"危险性较大的分部分项工程安全管理"}),  # in the summary only
        ("教育培训", {"建筑施工安全生产法律法规"}),
        ("施工", {"建筑施工安全生产法律法规", "混凝土结构施工"}),
        ("安全 法律", {"建筑施工安全生产法律法规"}),  # words joined by "and"
    ],
)
def test_search_finds_chinese_words_inside_titles_and_summaries(searchable, query, expected):
    assert titles(courses_browse(query=query)) == expected


def test_search_with_no_match_finds_nothing(searchable):
    assert titles(courses_browse(query="电梯维保")) == set()


def test_search_with_one_character(searchable):
    assert titles(courses_browse(query="危")) == {"危险性较大的分部分项工程安全管理"}
    assert titles(courses_browse(query="筋")) == {"混凝土结构施工"}


def test_search_never_finds_a_draft(searchable):
    assert "消防安全草稿" not in titles(courses_browse(query="消防"))
    assert titles(courses_browse(query="消防")) == set()


def test_search_combines_with_filters(searchable):
    a, b = searchable
    assert titles(courses_browse(query="安全", institution=b.pk)) == {"建筑施工安全生产法律法规"}
    assert titles(courses_browse(query="施工", category="professional")) == {"混凝土结构施工"}


def test_a_blank_query_does_not_filter(searchable):
    assert len(courses_browse(query="   ")) == 3




def test_a_course_moved_to_another_catalogue_belongs_to_that_institution(db):
    from wagtail.actions.move_page import MovePageAction

    # given
    a, b = institution_create("甲校"), institution_create("乙校")
    course = course_publish(a, "移动课程")
    # when
    MovePageAction(course, b.workspace.catalogue, pos="last-child").execute()
    # then
    course = CoursePage.objects.get(pk=course.pk)
    assert course.institution_id == b.pk
    assert titles(courses_browse(institution=b.pk)) == {"移动课程"}
    assert titles(courses_browse(institution=a.pk)) == set()
