"""Question banks (import, versions) and papers (seeded draws, audit rebuilds)."""

import datetime
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from exam.models import Attempt, Paper, Question, QuestionKind, QuestionVersion
from exam.rules.drawing import BankTooSmall, PoolEntry, Requirement, draw_paper
from exam.services.attempts import (
    answer_record,
    attempt_create,
    attempt_start,
    attempt_submit,
    attempt_transition,
)
from exam.services.bank import question_edit, questions_import
from exam.services.papers import paper_rebuild
from kernel.errors import DomainError
from lms.models import Credential
from tests.factories import make_bank, make_exam, make_question, make_sitting

T0 = datetime.datetime(2025, 6, 1, 9, 0, tzinfo=datetime.UTC)
HEADER = ["题型", "知识点", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析"]


def xlsx(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def credential(db):
    return Credential.objects.get(code="C")


def codes(report) -> dict[int, list[str]]:
    return {row.line: [error["code"] for error in row.errors] for row in report.bad_rows}


# ---------------------------------------------------------------------------------------------
# Import


GOOD_ROWS = [
    ["单选", "法规", "安全生产法的施行日期是？", "2002年", "2014年", "2021年", "", "C", "2021年修正"],
    ["多选题", "安全管理", "下列属于三类人员的是？", "主要负责人", "项目负责人", "专职安全员", "监理", "ABC", ""],
    ["判断", "", "特种作业人员须持证上岗。", "", "", "", "", "对", "持证上岗"],
    ["判断题", "法规", "安全员可以兼任材料员。", "", "", "", "", "错", ""],
]


def test_a_good_file_imports_every_question_with_stable_option_ids(world, credential):
    # Given a file with single, multiple and true-or-false questions
    # When a reviewer imports it
    report = questions_import(actor=world.gz_reviewer, credential=credential, data=xlsx(GOOD_ROWS), file_name="题库.xlsx")
    # Then every row is good and one question with one version exists per row
    assert report.ok and len(report.created) == 4 and [row.line for row in report.rows] == [2, 3, 4, 5]
    single, multiple, true, false = (Question.objects.select_related("current").get(pk=q.pk) for q in report.created)
    assert single.kind == QuestionKind.SINGLE and single.topic == "法规" and single.current.number == 1
    assert single.current.options == [{"id": "o1", "text": "2002年"}, {"id": "o2", "text": "2014年"}, {"id": "o3", "text": "2021年"}]
    assert single.current.correct == ["o3"] and single.current.explanation == "2021年修正"
    assert multiple.current.correct == ["o1", "o2", "o3"] and len(multiple.current.options) == 4
    assert true.current.options == [{"id": "true", "text": "正确"}, {"id": "false", "text": "错误"}]
    assert true.current.correct == ["true"] and false.current.correct == ["false"]


def test_bad_rows_are_all_reported_and_nothing_is_imported(world, credential):
    # Given a question already in the bank and a file with one good row and many bad ones
    make_question(credential, QuestionKind.SINGLE, stem="已在题库中的题目")
    rows = [
        GOOD_ROWS[0],
        ["填空", "", "题干", "甲", "乙", "", "", "A", ""],  # 3
        ["单选", "", "", "甲", "乙", "", "", "A", ""],  # 4
        ["单选", "", "只有一个选项", "甲", "", "", "", "A", ""],  # 5
        ["单选", "", "两个答案", "甲", "乙", "丙", "", "AB", ""],  # 6
        ["多选", "", "答案不是选项", "甲", "乙", "丙", "", "AD", ""],  # 7
        ["判断", "", "也许", "", "", "", "", "也许", ""],  # 8
        ["单选", "", "安全生产法的施行日期是？", "甲", "乙", "", "", "A", ""],  # 9: same as line 2
        ["单选", "", "已在题库中的题目", "甲", "乙", "", "", "B", ""],  # 10
        ["单选", "", "选项重复", "甲", "甲", "", "", "A", ""],  # 11
        ["多选", "", "选项有空缺", "甲", "", "丙", "", "AC", ""],  # 12
        ["单选", "", "答案乱写", "甲", "乙", "", "", "A?", ""],  # 13
        ["多选", "", "多选只有一个答案", "甲", "乙", "丙", "", "A", ""],  # 14
    ]
    # When the file is imported
    report = questions_import(actor=world.gz_reviewer, credential=credential, data=xlsx(rows), file_name="bank.xlsx")
    # Then every bad row is reported with its codes, the good one is not, and nothing was imported
    assert not report.ok and report.created == []
    assert codes(report) == {
        3: ["type_invalid"],
        4: ["stem_missing"],
        5: ["options_missing"],
        6: ["single_answer_invalid"],
        7: ["answer_not_an_option"],
        8: ["true_false_answer_invalid"],
        9: ["duplicate_question"],
        10: ["question_in_bank"],
        11: ["options_duplicate"],
        12: ["options_gap"],
        13: ["answer_letters_invalid"],
        14: ["multiple_answer_invalid"],
    }
    assert Question.objects.count() == 1


def test_a_gb18030_csv_with_english_headers_imports(world, credential):
    text = "type,topic,stem,A,B,answer,explanation\n单选,法规,CSV 题目,是,否,A,\n判断,,CSV 判断,,,错,\n"
    report = questions_import(actor=world.gz_reviewer, credential=credential, data=text.encode("gb18030"), file_name="bank.csv")
    assert report.ok and len(report.created) == 2


@pytest.mark.parametrize(
    "data, name, code",
    [
        (b"", "a.xlsx", "file_empty"),
        (b"PK\x03\x04 not really a workbook", "a.xlsx", "file_unreadable"),
        (xlsx([["单选", "题干"]], header=["题型", "题干"]), "a.xlsx", "columns_missing"),
        (xlsx([]), "a.xlsx", "file_has_no_rows"),
        (b"x", "a.pdf", "file_type_unsupported"),
    ],
)
def test_a_file_that_cannot_be_used_is_refused_whole(world, credential, data, name, code):
    with pytest.raises(DomainError) as refused:
        questions_import(actor=world.gz_reviewer, credential=credential, data=data, file_name=name)
    assert refused.value.code == code


def test_only_authority_reviewers_manage_the_bank(world, credential):
    with pytest.raises(DomainError) as refused:
        questions_import(actor=world.gz_admin, credential=credential, data=xlsx(GOOD_ROWS), file_name="a.xlsx")
    assert refused.value.code == "not_bank_manager"


# ---------------------------------------------------------------------------------------------
# Versions


def _options(version, correct_texts):
    return [{"id": o["id"], "text": o["text"], "correct": o["text"] in correct_texts} for o in version.options]


def test_editing_an_unused_question_edits_its_version_in_place(world, credential):
    question = make_question(credential, QuestionKind.SINGLE, stem="旧题干")
    version = question.current
    edited = question_edit(
        actor=world.gz_reviewer, question=question, stem="新题干", options=_options(version, {"选项2"}), explanation="新解析"
    )
    assert edited.pk == version.pk and edited.number == 1 and QuestionVersion.objects.count() == 1
    edited.refresh_from_db()
    assert edited.stem == "新题干" and edited.correct == ["o2"]


def test_the_same_content_makes_no_new_version(world, credential):
    question = make_question(credential, QuestionKind.SINGLE)
    QuestionVersion.objects.update(used_at=T0)
    version = question.current
    same = question_edit(
        actor=world.gz_reviewer, question=question, stem=version.stem, options=_options(version, {"选项1"}),
        explanation=version.explanation,
    )
    assert same.pk == version.pk and QuestionVersion.objects.count() == 1


@pytest.fixture
def sitting(world, credential):
    make_bank(credential, per_topic=3)
    exam = make_exam(credential)
    return make_sitting(exam, world.gz_authority, [world.gz_worker, world.sz_worker], starts_at=T0)


def test_editing_a_used_question_makes_a_new_version_and_old_attempts_keep_the_old_one(world, sitting):
    # Given an attempt in progress whose paper has a single-choice question, answered right
    attempt = attempt_create(sitting=sitting, candidate=world.gz_worker, now=T0)
    attempt_transition(attempt=attempt, to="identity_verified", reason="t", now=T0)
    attempt_start(attempt=attempt, candidate=world.gz_worker, now=T0)
    paper = attempt.paper
    old = QuestionVersion.objects.select_related("question").get(pk=paper.items[0]["version_id"])
    assert old.used_at == T0
    answer_record(attempt=attempt, candidate=world.gz_worker, version_id=old.pk, option_ids=old.correct, now=T0)
    # When the question is edited: a new stem, another right option, a new option added
    options = [{**option, "correct": option["id"] not in old.correct} for option in _options(old, set())]
    options = [option for option in options if option["id"] not in old.correct][:1] + [{"text": "新增选项", "correct": False}]
    options += [{**o, "correct": False} for o in _options(old, set()) if o["id"] in old.correct]
    new = question_edit(actor=world.gz_reviewer, question=old.question, stem="改过的题干", options=options, now=T0)
    # Then a second version is current, option ids are kept or new, and the first is unchanged
    assert new.number == 2 and new.pk != old.pk
    assert Question.objects.get(pk=old.question_id).current_id == new.pk
    assert {o["id"] for o in new.options} >= set(old.correct) and "o5" in {o["id"] for o in new.options}
    stale = QuestionVersion.objects.get(pk=old.pk)
    assert (stale.stem, stale.options, stale.correct) == (old.stem, old.options, old.correct)
    # And the attempt is graded against what the candidate saw
    graded = attempt_submit(attempt=attempt, candidate=world.gz_worker, now=T0 + datetime.timedelta(minutes=5))
    first = next(q for q in graded.grading if q["version_id"] == old.pk)
    assert first["correct"] is True and first["points"] == "1.00"
    # And the next candidate's paper is drawn from the new version
    other = attempt_create(sitting=sitting, candidate=world.sz_worker, now=T0)
    assert old.pk not in {row[0] for row in other.paper.pool} and new.pk in {row[0] for row in other.paper.pool}


# ---------------------------------------------------------------------------------------------
# Papers


def test_a_paper_follows_the_blueprint_and_rebuilds_from_its_seed(world, sitting):
    attempt = attempt_create(sitting=sitting, candidate=world.gz_worker, now=T0, seed=12345)
    paper = Paper.objects.get(attempt=attempt)
    kinds = list(
        QuestionVersion.objects.filter(pk__in=paper.version_ids).values_list("pk", "question__kind")
    )
    kind_of = dict(kinds)
    # In sections by type, the counts of the blueprint, no question twice
    assert [kind_of[v] for v in paper.version_ids] == ["single"] * 3 + ["multiple"] * 2 + ["true_false"] * 2
    assert len(set(paper.version_ids)) == 7
    assert paper.seed == 12345 and paper_rebuild(paper) == paper.items
    # Editing the bank afterwards (new versions, new questions) does not change the rebuild
    make_question(sitting.exam.credential, QuestionKind.SINGLE, topic="法规")
    version = QuestionVersion.objects.get(pk=paper.version_ids[0])
    question_edit(actor=world.gz_reviewer, question=version.question, stem="改过", options=_options(version, {"选项3"}))
    assert paper_rebuild(Paper.objects.get(pk=paper.pk)) == paper.items


def test_a_tampered_paper_does_not_rebuild(world, sitting):
    paper = attempt_create(sitting=sitting, candidate=world.gz_worker, now=T0, seed=7).paper
    paper.items[0]["option_order"].reverse()
    with pytest.raises(DomainError) as refused:
        paper_rebuild(paper)
    assert refused.value.code == "paper_mismatch"


def test_a_bank_too_small_for_the_blueprint_is_refused_and_nothing_is_kept(world, credential):
    make_bank(credential, topics=["法规"], per_topic=1)
    exam = make_exam(credential, blueprint=[("single", "法规", 2)])
    sitting = make_sitting(exam, world.gz_authority, [world.gz_worker], starts_at=T0)
    with pytest.raises(DomainError) as refused:
        attempt_create(sitting=sitting, candidate=world.gz_worker, now=T0)
    assert refused.value.code == "bank_too_small" and not Attempt.objects.exists()
    assert not QuestionVersion.objects.filter(used_at__isnull=False).exists()


# Pure draws: no database.

def pool_of(single=10, multiple=8, true_false=6, topics=("甲", "乙")):
    entries, next_id = [], 1
    for kind, count in (("single", single), ("multiple", multiple), ("true_false", true_false)):
        for index in range(count):
            options = ("true", "false") if kind == "true_false" else tuple(f"o{i}" for i in range(1, 5))
            entries.append(PoolEntry(next_id, kind, topics[index % len(topics)], options))
            next_id += 1
    return entries


BLUEPRINT = [Requirement("single", "", 4), Requirement("single", "甲", 3), Requirement("multiple", "", 3), Requirement("true_false", "乙", 2)]


def test_the_same_seed_draws_the_same_paper_and_other_seeds_shuffle_differently():
    pool = pool_of()
    first = draw_paper(pool, BLUEPRINT, 42)
    assert draw_paper(list(reversed(pool)), BLUEPRINT, 42) == first  # storage order does not matter
    others = [draw_paper(pool, BLUEPRINT, seed) for seed in range(1, 21)]
    assert sum(other == first for other in others) == 0
    assert len({tuple(item["version_id"] for item in other) for other in others}) > 15
    assert len({tuple(tuple(item["option_order"]) for item in other) for other in others}) > 15


def test_a_topic_item_is_filled_before_an_any_topic_item():
    # Only three single-choice questions of topic 甲 exist; the "any" item must not take them first.
    pool = [PoolEntry(i, "single", "甲" if i <= 3 else "乙", ("a", "b")) for i in range(1, 7)]
    for seed in range(30):
        items = draw_paper(pool, [Requirement("single", "", 3), Requirement("single", "甲", 3)], seed)
        assert {item["version_id"] for item in items} == set(range(1, 7))


def test_too_few_questions_raise_bank_too_small():
    with pytest.raises(BankTooSmall) as short:
        draw_paper(pool_of(true_false=1), BLUEPRINT, 1)
    assert short.value.requirement.kind == "true_false" and short.value.available == 0  # the one there is of topic 甲


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**62))
def test_every_draw_meets_the_blueprint(seed):
    pool = pool_of()
    by_id = {entry.version_id: entry for entry in pool}
    items = draw_paper(pool, BLUEPRINT, seed)
    ids = [item["version_id"] for item in items]
    assert len(ids) == len(set(ids)) == sum(r.count for r in BLUEPRINT)
    assert sum(by_id[i].kind == "single" and by_id[i].topic == "甲" for i in ids) >= 3
    assert sum(by_id[i].kind == "true_false" for i in ids) == 2 and all(by_id[i].topic == "乙" for i in ids if by_id[i].kind == "true_false")
    for item in items:
        assert sorted(item["option_order"]) == sorted(by_id[item["version_id"]].option_ids)
        if by_id[item["version_id"]].kind == "true_false":
            assert item["option_order"] == ["true", "false"]
    assert items == draw_paper(pool, BLUEPRINT, seed)
