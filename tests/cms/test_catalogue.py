"""The cms app: institution workspaces, page permissions between institutions, browsing and Chinese
search of the published catalogue, lessons, demo videos and the demo catalogue."""

import io
from decimal import Decimal

import av
import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from wagtail.documents import get_document_model
from wagtail.models import Collection

from cms.demo import COURSES
from cms.demo_video import lesson_video
from cms.models import (
    CataloguePage,
    CoursePage,
    InstitutionWorkspace,
    KnowledgeCategory,
    LessonPage,
)
from cms.selectors.catalogue import courses_browse
from cms.services.workspaces import workspace_provision
from lms.models import OrganisationKind, Role
from lms.services.organisations import membership_grant, organisation_create

from tests.factories import PersonFactory, RegionFactory, UserFactory, course_publish, lesson_add

pytestmark = pytest.mark.django_db


# --- helpers -------------------------------------------------------------------------------------


def institution_create(name: str):
    return organisation_create(kind=OrganisationKind.INSTITUTION, name=name, region=RegionFactory())


def staff_of(institution):
    user = UserFactory()
    membership_grant(user=user, organisation=institution, role=Role.INSTITUTION_STAFF)
    return user


def titles(courses) -> set[str]:
    return {course.title for course in courses}


@pytest.fixture
def two_institutions():
    return institution_create("甲培训学校"), institution_create("乙培训学校")


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


# --- 6. lessons ----------------------------------------------------------------------------------


@pytest.fixture
def course():
    return course_publish(institution_create("课时培训学校"), "课时测试课程")


def video_document(course: CoursePage):
    return get_document_model().objects.create(
        title="视频",
        collection=course.institution.workspace.collection,
        file=ContentFile(b"not really a video", name="lesson.webm"),
    )


def test_a_lesson_with_a_video_address_is_valid(course):
    lesson = lesson_add(course)
    lesson.clean()
    assert lesson.video_source == "https://example.com/v.mp4"
    assert lesson.course.pk == course.pk


def test_a_lesson_with_a_video_file_is_valid(course):
    document = video_document(course)
    lesson = lesson_add(course, video=document, video_url="")
    lesson.clean()
    assert lesson.video_source == document.url


def test_a_lesson_with_both_a_file_and_an_address_is_refused(course):
    # given
    lesson = lesson_add(course)

    # when
    lesson.video = video_document(course)

    # then
    with pytest.raises(ValidationError):
        lesson.clean()


def test_a_lesson_with_neither_a_file_nor_an_address_is_refused(course):
    # given
    lesson = lesson_add(course)

    # when
    lesson.video_url = ""

    # then
    with pytest.raises(ValidationError):
        lesson.clean()


def test_saving_an_invalid_lesson_is_refused(course):
    with pytest.raises(ValidationError):
        course.add_child(instance=LessonPage(title="无视频", minutes=Decimal("5"), credit_hours=Decimal("1")))
    assert not LessonPage.objects.filter(title="无视频").exists()


def test_lesson_duration_is_minutes_in_seconds(course):
    assert lesson_add(course, minutes=Decimal("10")).duration_seconds == 600
    assert lesson_add(course, title="第二课", minutes=Decimal("1.5")).duration_seconds == 90


# --- 7. demo videos ------------------------------------------------------------------------------


def test_lesson_video_is_a_real_webm_of_the_asked_length():
    # when
    data = lesson_video(seconds=2)

    # then
    with av.open(io.BytesIO(data)) as container:
        assert "webm" in container.format.name
        stream = container.streams.video[0]
        assert stream.codec_context.name == "vp8"
        assert (stream.codec_context.width, stream.codec_context.height) == (320, 180)
        frames = list(container.decode(stream))
    assert len(frames) == 20  # 2 s at 10 frames a second
    assert frames[0].time == pytest.approx(0, abs=0.01)
    assert frames[-1].time == pytest.approx(1.9, abs=0.05)  # the last frame starts 0.1 s before the end


# --- 8. the demo catalogue -----------------------------------------------------------------------


def test_seed_demo_creates_courses_with_document_videos_once(monkeypatch):
    # given lessons of 6 s instead of 30 s: still real WebM documents, a fifth of the encoding
    monkeypatch.setattr("cms.demo.LESSON_SECONDS", 6)

    # when
    call_command("seed_demo", stdout=io.StringIO())

    # then
    courses = CoursePage.objects.live()
    assert courses.count() == 3
    assert titles(courses) == {spec["title"] for spec in COURSES}
    for spec in COURSES:
        course = courses.get(title=spec["title"])
        lessons = LessonPage.objects.child_of(course).live()
        assert lessons.count() == len(spec["lessons"])
        for lesson in lessons:
            assert lesson.video_id and not lesson.video_url
            assert lesson.video_source == lesson.video.url
            assert lesson.video.file.size > 0
            assert lesson.duration_seconds == 6
    counts = (CoursePage.objects.count(), LessonPage.objects.count(), get_document_model().objects.count())

    # when run again
    call_command("seed_demo", stdout=io.StringIO())

    # then nothing is duplicated
    assert (CoursePage.objects.count(), LessonPage.objects.count(), get_document_model().objects.count()) == counts
    assert counts[1] == sum(len(spec["lessons"]) for spec in COURSES)


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
