"""The exam management pages: the question bank (list, create, edit with versions, import and its
template), exams with their blueprint, sittings and their candidates; who reaches which page."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from exam import policies
from exam.models import (
    Attempt,
    BlueprintItem,
    Exam,
    Question,
    QuestionKind,
    QuestionVersion,
    Sitting,
    SittingCandidate,
)
from exam.selectors import manage as selectors
from exam.services import exams as exam_services
from exam.services import sittings as sitting_services
from kernel.errors import DomainError
from lms.models import Credential, Employment, Role
from lms.policies import roles_of
from tests.factories import (
    EmploymentFactory,
    MembershipFactory,
    PersonFactory,
    make_bank,
    make_exam,
    make_id_number,
    make_question,
    make_sitting,
)

pytestmark = pytest.mark.django_db

HEADER = ["题型", "知识点", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "解析"]
T0 = datetime.datetime(2025, 6, 1, 9, 0, tzinfo=datetime.UTC)


def xlsx(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(data: bytes, name: str):
    file = io.BytesIO(data)
    file.name = name
    return file


@pytest.fixture
def credential(db):
    return Credential.objects.get(code="C")


@pytest.fixture
def bank(credential):
    return make_bank(credential, per_topic=3)  # 6 of each type, topics 法规 and 安全管理


@pytest.fixture
def exam(credential, bank):
    return make_exam(credential)


@pytest.fixture
def gz_sitting(world, exam):
    now = timezone.now()
    sitting = make_sitting(exam, world.gz_authority, [world.gz_worker], starts_at=now - datetime.timedelta(hours=1), hours=48)
    sitting.institution = world.gz_institution
    sitting.save()
    return sitting


@pytest.fixture
def sz_sitting(world, exam):
    return make_sitting(exam, world.sz_authority, [world.sz_worker], starts_at=timezone.now() + datetime.timedelta(days=1))


def html(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------------------------------------
# Who reaches which page


def manager_pages(question, exam, sitting) -> list[str]:
    return [
        reverse("exam:bank"),
        reverse("exam:question_new"),
        reverse("exam:question", args=[question.pk]),
        reverse("exam:bank_import"),
        reverse("exam:exams"),
        reverse("exam:exam_new"),
        reverse("exam:exam_edit", args=[exam.pk]),
        reverse("exam:sittings"),
        reverse("exam:sitting_new"),
        reverse("exam:sitting", args=[sitting.pk]),
    ]


@pytest.mark.parametrize("who", ["gz_reviewer", "superuser"])
def test_the_pages_render_in_chinese_for_reviewers_and_superusers(chinese, world, bank, exam, gz_sitting, who):
    chinese.force_login(getattr(world, who))
    for url in manager_pages(bank[0], exam, gz_sitting):
        response = chinese.get(url)
        assert response.status_code == 200, url
        page = html(response)
        assert 'lang="zh-hans"' in page and 'id="nav-bank"' in page and 'id="nav-sittings"' in page
        assert "考试" in page  # the nav's "Exams", already in the catalogue


def test_the_bank_and_exam_pages_are_forbidden_to_everyone_else(client, world, bank, exam):
    urls = [
        reverse("exam:bank"),
        reverse("exam:question_new"),
        reverse("exam:question", args=[bank[0].pk]),
        reverse("exam:bank_import"),
        reverse("exam:bank_template", args=["xlsx"]),
        reverse("exam:exams"),
        reverse("exam:exam_new"),
        reverse("exam:exam_edit", args=[exam.pk]),
        reverse("exam:sitting_new"),
    ]
    for user in (world.gz_staff, world.gz_admin, world.gz_worker.user):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, (user, url)
        assert client.post(reverse("exam:question_active", args=[bank[0].pk]), {"active": "0"}).status_code == 403
    assert Question.objects.filter(is_active=False).count() == 0
    client.logout()
    assert client.get(reverse("exam:bank")).status_code == 302


def test_learners_and_enterprises_have_no_sitting_list_and_institution_staff_see_theirs(client, world, gz_sitting, sz_sitting):
    for user in (world.gz_worker.user, world.gz_admin):
        client.force_login(user)
        assert client.get(reverse("exam:sittings")).status_code == 403
    client.force_login(world.gz_staff)
    page = html(client.get(reverse("exam:sittings")))
    assert f'data-sitting="{gz_sitting.pk}"' in page and f'data-sitting="{sz_sitting.pk}"' not in page
    assert 'id="nav-sittings"' in page and 'id="nav-bank"' not in page and 'id="new-sitting-link"' not in page
    # Staff see their institution's sitting but do not manage it
    detail = client.get(reverse("exam:sitting", args=[gz_sitting.pk]))
    assert detail.status_code == 200 and 'id="candidates-form"' not in html(detail)
    url = reverse("exam:sitting_candidates_add", args=[gz_sitting.pk])
    assert client.post(url, {"id_numbers": world.loner.id_number}).status_code == 403
    assert not SittingCandidate.objects.filter(person=world.loner).exists()


def test_another_tenants_sitting_is_a_404_for_pages_and_posts(client, world, gz_sitting):
    for user in (world.sz_reviewer, world.sz_staff):
        client.force_login(user)
        assert client.get(reverse("exam:sitting", args=[gz_sitting.pk])).status_code == 404
        add = client.post(reverse("exam:sitting_candidates_add", args=[gz_sitting.pk]), {"id_numbers": world.loner.id_number})
        assert add.status_code == 404
        remove = client.post(reverse("exam:sitting_candidate_remove", args=[gz_sitting.pk, world.gz_worker.pk]))
        assert remove.status_code == 404
    assert list(gz_sitting.enrolments.values_list("person_id", flat=True)) == [world.gz_worker.pk]


def test_unknown_question_and_exam_ids_are_a_404(client, world, bank):
    client.force_login(world.gz_reviewer)
    missing = Question.objects.order_by("-pk").first().pk + 100
    assert client.get(reverse("exam:question", args=[missing])).status_code == 404
    assert client.post(reverse("exam:question", args=[missing]), {"stem": "x"}).status_code == 404
    assert client.post(reverse("exam:question_active", args=[missing]), {"active": "0"}).status_code == 404
    assert client.get(reverse("exam:exam_edit", args=[999999])).status_code == 404
    assert client.get(reverse("exam:bank_template", args=["pdf"])).status_code == 404


# ---------------------------------------------------------------------------------------------
# The bank list


def test_the_bank_filters_by_credential_type_and_topic_and_searches_the_stem(chinese, world, credential, bank):
    other = Credential.objects.exclude(pk=credential.pk).first()
    elsewhere = make_question(other, QuestionKind.SINGLE, topic="法规", stem="另一证书的题目")
    target = make_question(credential, QuestionKind.TRUE_FALSE, topic="消防", stem="动火作业前应当办理动火审批手续。")
    chinese.force_login(world.gz_reviewer)

    def shown(**params) -> set[int]:
        page = html(chinese.get(reverse("exam:bank"), params))
        return {question.pk for question in Question.objects.all() if f'data-question="{question.pk}"' in page}

    assert shown(q="动火") == {target.pk}
    assert shown(topic="消防") == {target.pk}
    assert shown(credential=other.pk) == {elsewhere.pk}
    assert shown(credential=credential.pk, kind="true_false", topic="法规") == {
        q.pk for q in bank if q.kind == "true_false" and q.topic == "法规"
    }
    # 20 questions: the first page holds 25, so one page; with more, a second page keeps the filters
    for number in range(10):
        make_question(credential, QuestionKind.SINGLE, topic="法规", stem=f"分页题目{number}")
    page = html(chinese.get(reverse("exam:bank"), {"kind": "single", "credential": credential.pk}))
    assert "page=2" not in page
    page = html(chinese.get(reverse("exam:bank"), {"credential": credential.pk}))
    assert "page=2" in page and f"credential={credential.pk}" in page
    assert chinese.get(reverse("exam:bank"), {"credential": "x", "kind": "nonsense", "page": "99"}).status_code == 200


def test_the_bank_list_reads_in_a_fixed_number_of_queries(world, credential, bank, django_assert_num_queries):
    roles_of(world.gz_reviewer)  # read once per request, before any page's query
    with django_assert_num_queries(1):
        rows = list(selectors.questions_for(world.gz_reviewer, credential_id=credential.pk))
        assert [row.current.stem for row in rows] and all(row.version_count == 1 for row in rows)


# ---------------------------------------------------------------------------------------------
# Creating and editing a question


def question_post(**overrides) -> dict:
    data = {
        "topic": "法律法规",
        "stem": "安全生产工作应当坚持的方针是（ ）。",
        "option_a": "安全第一、预防为主、综合治理",
        "option_b": "以人为本",
        "option_c": "管生产必须管安全",
        "correct": ["A"],
        "explanation": "《安全生产法》第三条",
    }
    data.update(overrides)
    return data


def test_a_reviewer_creates_questions_of_each_type_on_the_page(chinese, world, credential):
    chinese.force_login(world.gz_reviewer)
    url = reverse("exam:question_new")
    response = chinese.post(url, question_post(credential=credential.pk, kind="single"))
    question = Question.objects.get()
    assert response.status_code == 302 and response.url == reverse("exam:question", args=[question.pk])
    version = question.current
    assert question.kind == "single" and question.topic == "法律法规" and question.created_by == world.gz_reviewer
    assert [o["text"] for o in version.options] == ["安全第一、预防为主、综合治理", "以人为本", "管生产必须管安全"]
    assert version.correct == ["o1"] and version.explanation == "《安全生产法》第三条"

    chinese.post(url, question_post(credential=credential.pk, kind="multiple", stem="三宝是（ ）。", correct=["A", "C"]))
    multiple = Question.objects.get(kind="multiple")
    assert multiple.current.correct == ["o1", "o3"]

    chinese.post(url, {"credential": credential.pk, "kind": "true_false", "stem": "特种作业人员须持证上岗。", "true_false": "true"})
    true_false = Question.objects.get(kind="true_false")
    assert true_false.current.correct == ["true"] and [o["id"] for o in true_false.current.options] == ["true", "false"]


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"kind": "single", "correct": ["A", "B"]}, "correct"),  # two right options for a single choice
        ({"kind": "multiple", "correct": ["A"]}, "correct"),  # one right option for a multiple choice
        ({"kind": "single", "correct": ["E"]}, "correct"),  # a right option that is not filled in
        ({"kind": "single", "option_b": "", "option_c": "丙"}, "option_a"),  # a gap in the options
        ({"kind": "single", "stem": " "}, "stem"),
        ({"kind": "true_false", "correct": []}, "true_false"),  # no answer
    ],
)
def test_a_bad_question_is_explained_beside_its_field_and_not_created(chinese, world, credential, overrides, field):
    chinese.force_login(world.gz_reviewer)
    response = chinese.post(reverse("exam:question_new"), question_post(credential=credential.pk, **overrides))
    assert response.status_code == 200 and f'data-field="{field}"' in html(response)
    assert not Question.objects.exists()


def test_editing_a_used_version_on_the_page_makes_a_new_version(chinese, world, credential):
    # Given a single-choice question whose version 1 is on a paper
    question = make_question(credential, QuestionKind.SINGLE, topic="法规", stem="旧题干", options=3, correct=(0,))
    QuestionVersion.objects.filter(pk=question.current_id).update(used_at=T0)
    old = QuestionVersion.objects.get(pk=question.current_id)
    chinese.force_login(world.gz_reviewer)
    url = reverse("exam:question", args=[question.pk])
    page = html(chinese.get(url))
    assert 'id="new-version-note"' in page and 'data-used="1"' in page and 'value="选项2"' in page
    # When the reviewer changes the stem and the right option
    response = chinese.post(
        url, {"topic": "法规", "stem": "新题干", "option_a": "选项1", "option_b": "选项2 改", "option_c": "选项3", "correct": ["B"]}
    )
    assert response.status_code == 302
    # Then version 2 is current, options keep their ids, and version 1 is exactly as it was
    question.refresh_from_db()
    new = question.current
    assert new.number == 2 and new.stem == "新题干" and new.correct == ["o2"]
    assert [o["id"] for o in new.options] == ["o1", "o2", "o3"] and new.options[1]["text"] == "选项2 改"
    stale = QuestionVersion.objects.get(pk=old.pk)
    assert (stale.stem, stale.options, stale.correct, stale.used_at) == (old.stem, old.options, old.correct, T0)
    page = html(chinese.get(url))
    assert 'id="version-2"' in page and 'id="version-1"' in page and 'id="in-place-note"' in page
    # And editing the unused version 2 changes it in place
    chinese.post(url, {"topic": "法规", "stem": "再改", "option_a": "选项1", "option_b": "选项2 改", "correct": ["A"]})
    assert QuestionVersion.objects.filter(question=question).count() == 2
    assert QuestionVersion.objects.get(pk=new.pk).stem == "再改"


def test_a_true_false_question_is_edited_by_its_answer(chinese, world, credential):
    question = make_question(credential, QuestionKind.TRUE_FALSE, stem="判断题干", correct=(0,))
    chinese.force_login(world.gz_reviewer)
    url = reverse("exam:question", args=[question.pk])
    assert 'name="option_a"' not in html(chinese.get(url))
    chinese.post(url, {"stem": "判断题干", "true_false": "false"})
    question.refresh_from_db()
    assert question.current.correct == ["false"] and question.current.number == 1


def test_a_question_is_retired_and_used_again(chinese, world, credential):
    question = make_question(credential, QuestionKind.SINGLE)
    chinese.force_login(world.gz_reviewer)
    url = reverse("exam:question_active", args=[question.pk])
    chinese.post(url, {"active": "0"})
    assert not Question.objects.get(pk=question.pk).is_active
    chinese.post(url, {"active": "1"})
    assert Question.objects.get(pk=question.pk).is_active


# ---------------------------------------------------------------------------------------------
# Import


GOOD = [
    ["单选", "法规", "安全生产法的施行日期是？", "2002年", "2014年", "2021年", "", "", "", "C", "2021年修正"],
    ["多选", "安全管理", "下列属于三类人员的是？", "主要负责人", "项目负责人", "专职安全员", "监理", "", "", "ABC", ""],
    ["判断", "", "特种作业人员须持证上岗。", "", "", "", "", "", "", "对", ""],
]


def test_an_import_with_bad_rows_shows_each_line_and_imports_nothing_then_a_good_file_imports(chinese, world, credential):
    chinese.force_login(world.gz_reviewer)
    url = reverse("exam:bank_import")
    bad = GOOD + [
        ["填空", "", "题干", "甲", "乙", "", "", "", "", "A", ""],  # line 5
        ["单选", "", "", "甲", "乙", "", "", "", "", "A", ""],  # line 6
        ["多选", "", "答案不是选项", "甲", "乙", "丙", "", "", "", "AD", ""],  # line 7
        ["判断", "", "也许", "", "", "", "", "", "", "也许", ""],  # line 8
        ["单选", "", "安全生产法的施行日期是？", "甲", "乙", "", "", "", "", "A", ""],  # line 9, as line 2
    ]
    response = chinese.post(url, {"credential": credential.pk, "file": upload(xlsx(bad), "题库.xlsx")})
    page = html(response)
    assert response.status_code == 200 and 'id="import-report"' in page
    assert 'data-line="5" data-codes="type_invalid"' in page
    assert 'data-line="6" data-codes="stem_missing"' in page
    assert 'data-line="7" data-codes="answer_not_an_option"' in page
    assert 'data-line="8" data-codes="true_false_answer_invalid"' in page
    assert 'data-line="9" data-codes="duplicate_question"' in page
    assert 'data-line="2"' not in page and page.count('class="error" data-code=') == 5
    assert not Question.objects.exists()

    response = chinese.post(url, {"credential": credential.pk, "file": upload(xlsx(GOOD), "题库.xlsx")})
    assert response.status_code == 302 and response.url == f"{reverse('exam:bank')}?credential={credential.pk}"
    assert Question.objects.filter(credential=credential).count() == 3
    assert "3" in html(chinese.get(response.url))  # the message with the count


@pytest.mark.parametrize(
    "data, name",
    [
        (b"PK\x03\x04 this is not a workbook", "bank.xlsx"),  # corrupt
        (xlsx([["单选", "题干"]], header=["题型", "题干"]), "bank.xlsx"),  # no answer column
        (b"%PDF-1.4", "bank.pdf"),  # wrong type
        (b"", "bank.csv"),  # empty
        ("题型,题干,答案\n".encode("utf-16"), "bank.csv"),  # neither UTF-8 nor GB18030
    ],
)
def test_an_unusable_file_is_explained_on_the_form_and_changes_nothing(chinese, world, credential, data, name):
    chinese.force_login(world.gz_reviewer)
    response = chinese.post(reverse("exam:bank_import"), {"credential": credential.pk, "file": upload(data, name)})
    assert response.status_code == 200 and ('class="errors"' in html(response) or 'data-field="file"' in html(response))
    assert not Question.objects.exists()


def test_a_file_too_large_is_refused(chinese, world, credential, settings):
    settings.UPLOAD_TABLE_MAX_BYTES = 1000
    chinese.force_login(world.gz_reviewer)
    response = chinese.post(reverse("exam:bank_import"), {"credential": credential.pk, "file": upload(xlsx(GOOD * 50), "big.xlsx")})
    assert response.status_code == 200 and 'class="errors"' in html(response)
    assert not Question.objects.exists()


def test_the_templates_have_the_header_and_two_rows_that_import(client, world, credential):
    client.force_login(world.gz_reviewer)
    response = client.get(reverse("exam:bank_template", args=["xlsx"]))
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    rows = [list(row) for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]
    assert rows[0] == HEADER and len(rows) == 3
    csv_response = client.get(reverse("exam:bank_template", args=["csv"]))
    text = csv_response.content.decode("utf-8")
    assert text.startswith("\ufeff") and next(csv.reader(io.StringIO(text[1:]))) == HEADER
    imported = client.post(reverse("exam:bank_import"), {"credential": credential.pk, "file": upload(response.content, "t.xlsx")})
    assert imported.status_code == 302 and Question.objects.count() == 2


# ---------------------------------------------------------------------------------------------
# Exams


def exam_post(credential, rows, **overrides) -> dict:
    data = {
        "title": "安全生产考核",
        "credential": credential.pk,
        "duration_minutes": 60,
        "pass_mark": "6",
        "points_single": "1",
        "points_multiple": "2",
        "points_true_false": "1",
        "review_allowed": "on",
        "blueprint-TOTAL_FORMS": str(max(len(rows), 3)),
        "blueprint-INITIAL_FORMS": "0",
        "blueprint-MIN_NUM_FORMS": "0",
        "blueprint-MAX_NUM_FORMS": "30",
    }
    for index in range(max(len(rows), 3)):
        kind, topic, count = rows[index] if index < len(rows) else ("", "", "")
        data.update({f"blueprint-{index}-kind": kind, f"blueprint-{index}-topic": topic, f"blueprint-{index}-count": count})
    data.update(overrides)
    return data


def test_an_exam_the_bank_cannot_fill_shows_every_shortfall_and_is_not_saved(chinese, world, credential, bank):
    chinese.force_login(world.gz_reviewer)
    rows = [("single", "法规", 5), ("multiple", "", 4), ("true_false", "消防", 1), ("single", "", 2)]
    response = chinese.post(reverse("exam:exam_new"), exam_post(credential, rows))
    page = html(response)
    assert response.status_code == 200 and 'class="errors"' in page
    # 3 single of 法规 in the bank (row 1), none of 消防 (row 3); rows 2 and 4 can be filled
    with pytest.raises(DomainError) as refused:
        exam_services.exam_save(actor=world.gz_reviewer, blueprint=rows, **exam_kwargs(credential))
    assert refused.value.code == "bank_too_small"
    assert [(s["row"], s["available"]) for s in refused.value.details["shortfalls"]] == [(1, 3), (3, 0)]
    for shortfall in refused.value.details["shortfalls"]:
        assert shortfall["message"] in page or shortfall["message"].replace("（", "").replace("）", "") in page
    assert not Exam.objects.exists() and not BlueprintItem.objects.exists()


def exam_kwargs(credential, **overrides) -> dict:
    return {
        "title": "考核",
        "credential": credential,
        "duration_minutes": 60,
        "pass_mark": Decimal("6"),
        "points_single": Decimal("1"),
        "points_multiple": Decimal("2"),
        "points_true_false": Decimal("1"),
        **overrides,
    }


def test_a_reviewer_defines_and_edits_an_exam_with_its_blueprint(chinese, world, credential, bank):
    chinese.force_login(world.gz_reviewer)
    rows = [("single", "法规", 2), ("single", "", 3), ("multiple", "", 2), ("true_false", "", 2)]
    response = chinese.post(reverse("exam:exam_new"), exam_post(credential, rows))
    assert response.status_code == 302 and response.url == reverse("exam:exams")
    exam = Exam.objects.get()
    assert exam.review_allowed and not exam.partial_credit_multiple and exam.pass_mark == Decimal("6")
    assert [(i.kind, i.topic, i.count) for i in exam.blueprint.order_by("id")] == rows
    assert exam.title in html(chinese.get(reverse("exam:exams")))
    # Editing: the page shows the rows; saving with one row deleted and the pass mark changed
    url = reverse("exam:exam_edit", args=[exam.pk])
    assert 'value="法规"' in html(chinese.get(url))
    data = exam_post(credential, rows, pass_mark="7", **{"blueprint-INITIAL_FORMS": "4", "blueprint-0-DELETE": "on"})
    assert chinese.post(url, data).status_code == 302
    exam.refresh_from_db()
    assert exam.pass_mark == Decimal("7") and exam.blueprint.count() == 3


def test_a_half_filled_blueprint_row_and_an_empty_blueprint_are_explained(chinese, world, credential, bank):
    chinese.force_login(world.gz_reviewer)
    response = chinese.post(reverse("exam:exam_new"), exam_post(credential, [("single", "", "")]))
    assert response.status_code == 200 and 'data-field="blueprint-0-count"' in html(response)
    response = chinese.post(reverse("exam:exam_new"), exam_post(credential, []))
    assert response.status_code == 200 and 'class="errors"' in html(response)
    assert not Exam.objects.exists()


@pytest.mark.parametrize(
    "overrides, code",
    [
        ({"pass_mark": Decimal("99")}, "pass_mark_too_high"),
        ({"blueprint": []}, "blueprint_empty"),
        ({"title": " "}, "title_missing"),
        ({"duration_minutes": 0}, "duration_invalid"),
        ({"points_single": Decimal("-1")}, "points_invalid"),
        ({"blueprint": [("essay", "", 1)]}, "type_invalid"),
    ],
)
def test_exam_save_refusals(world, credential, bank, overrides, code):
    kwargs = {"blueprint": [("single", "", 2)], **exam_kwargs(credential, pass_mark=Decimal("2")), **overrides}
    with pytest.raises(DomainError) as refused:
        exam_services.exam_save(actor=world.gz_reviewer, **kwargs)
    assert refused.value.code == code and not Exam.objects.exists()


def test_only_reviewers_save_exams_and_an_exam_sat_keeps_its_rules(world, credential, gz_sitting):
    exam = gz_sitting.exam
    with pytest.raises(DomainError) as refused:
        exam_services.exam_save(actor=world.gz_staff, blueprint=[("single", "", 1)], **exam_kwargs(credential))
    assert refused.value.code == "not_exam_manager"
    Attempt.objects.create(sitting=gz_sitting, candidate=world.gz_worker, created_at=timezone.now())
    rows = [(i.kind, i.topic, i.count) for i in exam.blueprint.order_by("id")]
    same = {"title": exam.title, "duration_minutes": exam.duration_minutes, "pass_mark": exam.pass_mark}
    with pytest.raises(DomainError) as refused:
        exam_services.exam_save(
            actor=world.gz_reviewer, exam=exam, blueprint=rows, **exam_kwargs(credential, **{**same, "pass_mark": Decimal("1")})
        )
    assert refused.value.code == "exam_in_use"
    assert Exam.objects.get(pk=exam.pk).pass_mark == exam.pass_mark and exam.blueprint.count() == len(rows)
    # The title may still change
    renamed = exam_services.exam_save(
        actor=world.gz_reviewer, exam=exam, blueprint=rows, review_allowed=True, **exam_kwargs(credential, **{**same, "title": "新名称"})
    )
    assert renamed.title == "新名称" and renamed.review_allowed


# ---------------------------------------------------------------------------------------------
# Sittings


def local_input(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_reviewer_schedules_a_sitting_for_their_authority(chinese, world, exam):
    chinese.force_login(world.gz_reviewer)
    start = timezone.now() + datetime.timedelta(days=2)
    data = {
        "exam": exam.pk,
        "authority": world.gz_authority.pk,
        "starts_at": local_input(start),
        "ends_at": local_input(start + datetime.timedelta(hours=2)),
        "venue": "天河考场",
        "institution": world.gz_institution.pk,
    }
    response = chinese.post(reverse("exam:sitting_new"), data)
    sitting = Sitting.objects.get()
    assert response.status_code == 302 and response.url == reverse("exam:sitting", args=[sitting.pk])
    assert (sitting.authority, sitting.institution, sitting.venue) == (world.gz_authority, world.gz_institution, "天河考场")
    assert sitting.ends_at - sitting.starts_at == datetime.timedelta(hours=2)
    assert 'id="candidates-form"' in html(chinese.get(response.url))
    # Another authority, or an institution of another city, is not a choice
    for overrides in ({"authority": world.sz_authority.pk}, {"institution": world.sz_institution.pk}):
        response = chinese.post(reverse("exam:sitting_new"), {**data, **overrides})
        assert response.status_code == 200 and ('class="errors"' in html(response) or 'class="error"' in html(response))
    # An end before the start is explained
    response = chinese.post(reverse("exam:sitting_new"), {**data, "ends_at": local_input(start - datetime.timedelta(hours=1))})
    assert response.status_code == 200 and 'data-field="ends_at"' in html(response)
    assert Sitting.objects.count() == 1


@pytest.mark.parametrize(
    "actor, overrides, code",
    [
        ("sz_reviewer", {}, "not_sitting_manager"),
        ("gz_staff", {}, "not_sitting_manager"),
        ("gz_reviewer", {"institution": "sz_institution"}, "institution_out_of_region"),
        ("gz_reviewer", {"hours": -1}, "sitting_window_invalid"),
        ("gz_reviewer", {"hours": 0.5}, "sitting_window_too_short"),
        ("gz_reviewer", {"start_days": -3}, "sitting_in_past"),
    ],
)
def test_sitting_schedule_refusals(world, exam, actor, overrides, code):
    start = timezone.now() + datetime.timedelta(days=overrides.get("start_days", 1))
    institution = getattr(world, overrides["institution"]) if "institution" in overrides else None
    with pytest.raises(DomainError) as refused:
        sitting_services.sitting_schedule(
            actor=getattr(world, actor),
            exam=exam,
            authority=world.gz_authority,
            institution=institution,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=overrides.get("hours", 2)),
        )
    assert refused.value.code == code and not Sitting.objects.exists()


def test_a_sitting_of_an_exam_the_bank_cannot_fill_is_refused(world, credential, exam):
    Question.objects.filter(kind="multiple").update(is_active=False)
    start = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(DomainError) as refused:
        sitting_services.sitting_schedule(
            actor=world.gz_reviewer, exam=exam, authority=world.gz_authority, starts_at=start, ends_at=start + datetime.timedelta(hours=2)
        )
    assert refused.value.code == "bank_too_small" and not Sitting.objects.exists()


def test_adding_candidates_reports_every_id_number(chinese, world, gz_sitting):
    newcomer = PersonFactory(real_name="赵新人")
    EmploymentFactory(person=newcomer, enterprise=world.gz_enterprise)
    valid = make_id_number(sequence=777)  # a real check character, nobody registered with it
    wrong_check = newcomer.id_number[:17] + ("0" if newcomer.id_number[17] != "0" else "1")
    text = f"{newcomer.id_number}\n{wrong_check}, {valid}；{world.gz_worker.id_number}\n{newcomer.id_number.lower()} 12345"
    chinese.force_login(world.gz_reviewer)
    response = chinese.post(reverse("exam:sitting_candidates_add", args=[gz_sitting.pk]), {"id_numbers": text})
    page = html(response)
    assert response.status_code == 200 and 'id="candidates-report"' in page
    for code in ("id_number_check", "person_unknown", "already_candidate", "duplicate_in_list", "id_number_format"):
        assert f'data-code="{code}"' in page, code
    assert set(gz_sitting.enrolments.values_list("person_id", flat=True)) == {world.gz_worker.pk, newcomer.pk}
    assert f'data-person="{newcomer.pk}"' in page

    # A pasted number seats only someone working in the authority's region: not the unemployed.
    employed = _employed_in(world.gz_enterprise)
    report = sitting_services.sitting_candidates_add(
        actor=world.gz_reviewer, sitting=gz_sitting, id_numbers=[employed.id_number, world.loner.id_number, valid]
    )
    assert [p.pk for p in report.added] == [employed.pk]
    assert [s.code for s in report.skipped] == ["candidate_not_employed", "person_unknown"]


def _employed_in(enterprise):
    person = PersonFactory()
    EmploymentFactory(person=person, enterprise=enterprise)
    return person


def test_adding_only_good_id_numbers_redirects_and_empty_input_is_explained(chinese, world, gz_sitting):
    chinese.force_login(world.gz_reviewer)
    url = reverse("exam:sitting_candidates_add", args=[gz_sitting.pk])
    employed = _employed_in(world.gz_enterprise)
    response = chinese.post(url, {"id_numbers": employed.id_number})
    assert response.status_code == 302 and gz_sitting.enrolments.filter(person=employed).exists()
    response = chinese.post(url, {"id_numbers": " ,\n "})
    assert response.status_code == 200 and 'class="errors"' in html(response)


def test_nothing_changes_once_the_sitting_has_ended(chinese, world, exam):
    sitting = make_sitting(exam, world.gz_authority, [world.gz_worker], starts_at=timezone.now() - datetime.timedelta(days=2))
    with pytest.raises(DomainError) as refused:
        sitting_services.sitting_candidates_add(actor=world.gz_reviewer, sitting=sitting, id_numbers=world.loner.id_number)
    assert refused.value.code == "sitting_over"
    with pytest.raises(DomainError) as refused:
        sitting_services.sitting_candidate_remove(actor=world.gz_reviewer, sitting=sitting, person=world.gz_worker)
    assert refused.value.code == "sitting_over"
    chinese.force_login(world.gz_reviewer)
    page = html(chinese.get(reverse("exam:sitting", args=[sitting.pk])))
    assert 'id="candidates-form"' not in page and 'id="sitting-closed-note"' in page
    response = chinese.post(
        reverse("exam:sitting_candidates_add", args=[sitting.pk]), {"id_numbers": world.loner.id_number}, follow=True
    )
    assert response.redirect_chain and '<li class="toast error"' in html(response)
    assert list(sitting.enrolments.values_list("person_id", flat=True)) == [world.gz_worker.pk]


def test_a_candidate_without_an_attempt_is_removed_and_one_with_an_attempt_stays(chinese, world, gz_sitting):
    employed = _employed_in(world.gz_enterprise)
    sitting_services.sitting_candidates_add(actor=world.gz_reviewer, sitting=gz_sitting, id_numbers=employed.id_number)
    Attempt.objects.create(sitting=gz_sitting, candidate=world.gz_worker, created_at=timezone.now())
    chinese.force_login(world.gz_reviewer)
    page = html(chinese.get(reverse("exam:sitting", args=[gz_sitting.pk])))
    assert reverse("exam:sitting_candidate_remove", args=[gz_sitting.pk, employed.pk]) in page
    assert reverse("exam:sitting_candidate_remove", args=[gz_sitting.pk, world.gz_worker.pk]) not in page
    chinese.post(reverse("exam:sitting_candidate_remove", args=[gz_sitting.pk, world.gz_worker.pk]))
    chinese.post(reverse("exam:sitting_candidate_remove", args=[gz_sitting.pk, employed.pk]))
    assert list(gz_sitting.enrolments.values_list("person_id", flat=True)) == [world.gz_worker.pk]
    with pytest.raises(DomainError) as refused:
        sitting_services.sitting_candidate_remove(actor=world.gz_reviewer, sitting=gz_sitting, person=world.gz_worker)
    assert refused.value.code == "candidate_has_attempt"
    assert chinese.post(reverse("exam:sitting_candidate_remove", args=[gz_sitting.pk, world.sz_worker.pk])).status_code == 404


def test_who_sees_which_sittings(world, gz_sitting, sz_sitting, django_assert_num_queries):
    proctor = MembershipFactory(organisation=world.gz_authority, role=Role.PROCTOR).user

    def seen(user) -> set[int]:
        return set(selectors.sittings_for(user).values_list("pk", flat=True))

    assert seen(world.gz_reviewer) == {gz_sitting.pk}
    assert seen(world.sz_reviewer) == {sz_sitting.pk}
    assert seen(proctor) == {gz_sitting.pk}
    assert seen(world.gz_staff) == {gz_sitting.pk} and seen(world.sz_staff) == set()
    assert seen(world.province_reviewer) == seen(world.superuser) == {gz_sitting.pk, sz_sitting.pk}
    assert seen(world.gz_admin) == seen(world.gz_worker.user) == set()
    # The province sees the city's sitting but only the city's reviewers change its candidates
    assert not policies.can_manage_sitting(world.province_reviewer, gz_sitting)
    assert policies.can_manage_sitting(world.gz_reviewer, gz_sitting) and not policies.can_manage_sitting(proctor, gz_sitting)
    roles_of(world.province_reviewer)  # the roles, and with them the regions the policies above read
    with django_assert_num_queries(1):  # the sittings with exam, authority and counts
        rows = list(selectors.sittings_for(world.province_reviewer))
        assert all(row.exam.credential.code and row.authority.name for row in rows)


# ---------------------------------------------------------------------------------------------
# Admin and demo data


def test_the_admin_pages_render(client, world, gz_sitting):
    client.force_login(world.superuser)
    question = Question.objects.first()
    attempt = Attempt.objects.create(sitting=gz_sitting, candidate=world.gz_worker, created_at=timezone.now())
    for url in (
        reverse("admin:exam_question_changelist"),
        reverse("admin:exam_question_change", args=[question.pk]),
        reverse("admin:exam_exam_change", args=[gz_sitting.exam_id]),
        reverse("admin:exam_sitting_change", args=[gz_sitting.pk]),
        reverse("admin:exam_attempt_change", args=[attempt.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_the_exam_demo_data_is_idempotent(world):
    from exam import demo
    from lms import demo as lms_demo

    lms_demo.seed()
    demo.seed()
    first = (Question.objects.count(), Exam.objects.count(), Sitting.objects.count(), SittingCandidate.objects.count())
    demo.seed()
    assert (Question.objects.count(), Exam.objects.count(), Sitting.objects.count(), SittingCandidate.objects.count()) == first
    exam = Exam.objects.get(title=demo.EXAM_TITLE)
    assert first[0] >= 30 and exam.pass_mark == Decimal("14") and exam.duration_minutes == 30
    assert set(Question.objects.values_list("kind", flat=True)) == set(QuestionKind.values)
    open_sitting = Sitting.objects.get(institution__isnull=True, exam=exam, starts_at__lte=timezone.now())  # not the published one
    # The demo learners working in the authority's region are its candidates (a paste seats no one else).
    local = set(
        Employment.objects.filter(end_date__isnull=True, enterprise__region__path__startswith=open_sitting.authority.region.path)
        .values_list("person_id", flat=True)
    )
    seated = set(open_sitting.enrolments.values_list("person_id", flat=True))
    assert open_sitting.starts_at <= timezone.now() < open_sitting.ends_at and seated and seated <= local
    assert Sitting.objects.filter(institution__isnull=False, exam=exam).exists()
