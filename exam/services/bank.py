"""Question banks: creating, editing and importing questions.

A question's content lives in versions. Editing a question whose current version has been put on a
paper (`used_at` set) creates a new version and makes it current; a version nobody has drawn is
edited in place. So every attempt is graded and reviewed against exactly what its candidate saw.

Options carry stable ids ("o1", "o2", ... per question; "true"/"false" for true-or-false): an
option kept across an edit keeps its id, a new option gets the next unused one.
"""

import datetime
import logging
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from kernel.tables import read_table
from lms.models import Credential, User

from .. import policies
from ..errors import ERRORS
from ..models import Question, QuestionKind, QuestionVersion
from ..models.bank import OPTION_LETTERS

log = logging.getLogger(__name__)

MAX_STEM = 2000
MAX_OPTION = 500
MAX_EXPLANATION = 4000
MAX_TOPIC = 100
MAX_IMPORT_ROWS = 3000
TRUE_FALSE_IDS = ("true", "false")

COLUMNS: dict[str, tuple[str, ...]] = {
    "kind": ("题型", "类型", "type", "kind"),
    "topic": ("知识点", "考点", "topic"),
    "stem": ("题干", "题目", "stem", "question"),
    **{f"option_{letter}": (f"选项{letter}", f"选项{letter.lower()}", f"option{letter}", letter) for letter in OPTION_LETTERS},
    "answer": ("答案", "正确答案", "answer"),
    "explanation": ("解析", "答案解析", "explanation"),
}
REQUIRED_COLUMNS = ("kind", "stem", "answer")

KIND_WORDS: dict[str, str] = {
    "单选": QuestionKind.SINGLE,
    "单选题": QuestionKind.SINGLE,
    "单项选择题": QuestionKind.SINGLE,
    "single": QuestionKind.SINGLE,
    "多选": QuestionKind.MULTIPLE,
    "多选题": QuestionKind.MULTIPLE,
    "多项选择题": QuestionKind.MULTIPLE,
    "multiple": QuestionKind.MULTIPLE,
    "判断": QuestionKind.TRUE_FALSE,
    "判断题": QuestionKind.TRUE_FALSE,
    "truefalse": QuestionKind.TRUE_FALSE,
    "true_false": QuestionKind.TRUE_FALSE,
}
TRUE_WORDS = {"对", "正确", "√", "是", "t", "true", "y", "yes"}
FALSE_WORDS = {"错", "错误", "×", "x", "否", "f", "false", "n", "no"}


def true_false_options(answer: bool) -> list[dict]:
    """The fixed options of a true-or-false question, as input to `question_create`/`question_edit`."""
    return [
        {"id": "true", "text": "正确", "correct": answer},
        {"id": "false", "text": "错误", "correct": not answer},
    ]


def _normal(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


# ---------------------------------------------------------------------------------------------
# Checking content


def _check_content(kind: str, stem: str, options: list[dict], explanation: str, topic: str) -> list[dict]:
    """Every problem with one question's content. `options` are {"text", "correct", "id"?}."""
    errors = []
    if kind not in QuestionKind.values:
        return [ERRORS.row("type_invalid")]
    if not stem.strip():
        errors.append(ERRORS.row("stem_missing"))
    elif len(stem) > MAX_STEM:
        errors.append(ERRORS.row("stem_too_long", count=MAX_STEM))
    if len(topic) > MAX_TOPIC:
        errors.append(ERRORS.row("topic_too_long", count=MAX_TOPIC))
    if len(explanation) > MAX_EXPLANATION:
        errors.append(ERRORS.row("explanation_too_long", count=MAX_EXPLANATION))
    right = sum(1 for option in options if option.get("correct"))
    if kind == QuestionKind.TRUE_FALSE:
        if sorted(option.get("id") for option in options) != sorted(TRUE_FALSE_IDS) or right != 1:
            errors.append(ERRORS.row("true_false_answer_invalid"))
        return errors
    texts = [_normal(option.get("text", "")) for option in options]
    if len(options) < 2 or not all(texts):
        errors.append(ERRORS.row("options_missing"))
    elif len(set(texts)) != len(texts):
        errors.append(ERRORS.row("options_duplicate"))
    elif any(len(option["text"]) > MAX_OPTION for option in options):
        errors.append(ERRORS.row("option_too_long", count=MAX_OPTION))
    if kind == QuestionKind.SINGLE and right != 1:
        errors.append(ERRORS.row("single_answer_invalid"))
    if kind == QuestionKind.MULTIPLE and right < 2:
        errors.append(ERRORS.row("multiple_answer_invalid"))
    return errors


def _raise_first(errors: list[dict]) -> None:
    if errors:
        first = errors[0]
        raise ERRORS.error(first["code"], message=first["message"], details={"errors": errors})


def _require_bank_manager(actor: User) -> None:
    if not policies.can_manage_bank(actor):
        raise ERRORS.error("not_bank_manager")


def _assign_ids(kind: str, options: list[dict], taken: set[str]) -> tuple[list[dict], list[str]]:
    """Stored options [{"id", "text"}] and the right ids; options without a known id get new ones."""
    if kind == QuestionKind.TRUE_FALSE:
        stored = [{"id": option["id"], "text": option["text"]} for option in options]
        return stored, [option["id"] for option in options if option.get("correct")]
    numbers = [int(i[1:]) for i in taken if re.fullmatch(r"o\d+", i)]
    next_number = max(numbers, default=0) + 1
    stored, correct, used = [], [], set()
    for option in options:
        option_id = option.get("id")
        if option_id not in taken or option_id in used:
            option_id = f"o{next_number}"
            next_number += 1
        used.add(option_id)
        stored.append({"id": option_id, "text": option["text"].strip()})
        if option.get("correct"):
            correct.append(option_id)
    return stored, correct


# ---------------------------------------------------------------------------------------------
# Services


def _create(*, actor, credential, kind, topic, stem, options, explanation, now) -> Question:
    question = Question.objects.create(
        credential=credential, topic=topic.strip(), kind=kind, created_by=actor, created_at=now
    )
    stored, correct = _assign_ids(kind, options, set())
    version = QuestionVersion.objects.create(
        question=question,
        number=1,
        stem=stem.strip(),
        options=stored,
        correct=correct,
        explanation=explanation.strip(),
        created_by=actor,
        created_at=now,
    )
    question.current = version
    question.save(update_fields=["current"])
    return question


def question_create(
    *,
    actor: User,
    credential: Credential,
    kind: str,
    stem: str,
    options: list[dict],
    topic: str = "",
    explanation: str = "",
    now: datetime.datetime | None = None,
) -> Question:
    """A new question with its first version. `options` are {"text", "correct"} (for true or
    false, `true_false_options(answer)`)."""
    _require_bank_manager(actor)
    _raise_first(_check_content(kind, stem, options, explanation, topic))
    with transaction.atomic():
        return _create(
            actor=actor, credential=credential, kind=kind, topic=topic, stem=stem, options=options,
            explanation=explanation, now=now or timezone.now(),
        )


def question_edit(
    *,
    actor: User,
    question: Question,
    stem: str,
    options: list[dict],
    explanation: str = "",
    topic: str | None = None,
    now: datetime.datetime | None = None,
) -> QuestionVersion:
    """Change a question's content and return its current version: a new version when the current
    one has been put on a paper, the same version edited in place when not, unchanged when the
    content is the same. `options` are {"text", "correct", "id"?}; an option given the id of one of
    the question's options keeps it. The topic is a classification, changed without a version."""
    _require_bank_manager(actor)
    now = now or timezone.now()
    topic = question.topic if topic is None else topic.strip()
    _raise_first(_check_content(question.kind, stem, options, explanation, topic))
    with transaction.atomic():
        question = Question.objects.select_for_update().get(pk=question.pk)
        # Locking the version too: a paper being drawn marks it used under the same lock.
        current = QuestionVersion.objects.select_for_update().get(pk=question.current_id)
        taken = {option["id"] for version in question.versions.all() for option in version.options}
        stored, correct = _assign_ids(question.kind, options, taken)
        content = {"stem": stem.strip(), "options": stored, "correct": correct, "explanation": explanation.strip()}
        if topic != question.topic:
            question.topic = topic
            question.save(update_fields=["topic"])
        if all(getattr(current, name) == value for name, value in content.items()):
            return current
        if current.used_at is None:
            for name, value in content.items():
                setattr(current, name, value)
            current.created_by, current.created_at = actor, now
            current.save(update_fields=[*content, "created_by", "created_at"])
            log.info("question %s version %s edited in place by user %s", question.pk, current.number, actor.pk)
            return current
        version = QuestionVersion.objects.create(
            question=question, number=current.number + 1, created_by=actor, created_at=now, **content
        )
        question.current = version
        question.save(update_fields=["current"])
    log.info("question %s: version %s (version %s was used) by user %s", question.pk, version.number, current.number, actor.pk)
    return version


@dataclass
class RowReport:
    line: int
    errors: list[dict]


@dataclass
class ImportReport:
    rows: list[RowReport]
    created: list[Question] = field(default_factory=list)

    @property
    def bad_rows(self) -> list[RowReport]:
        return [row for row in self.rows if row.errors]

    @property
    def ok(self) -> bool:
        return not self.bad_rows


def _parse_row(values: dict[str, str]) -> tuple[dict, list[dict]]:
    """The draft question of one row and the problems with it that only a file can have."""
    errors = []
    kind = KIND_WORDS.get(_normal(values["kind"]).lower(), "")
    draft = {
        "kind": kind,
        "topic": values["topic"],
        "stem": values["stem"],
        "explanation": values["explanation"],
        "options": [],
    }
    if not kind:
        errors.append(ERRORS.row("type_invalid"))
        return draft, errors
    answer = _normal(values["answer"])
    if kind == QuestionKind.TRUE_FALSE:
        word = answer.lower()
        if word in TRUE_WORDS or word in FALSE_WORDS:
            draft["options"] = true_false_options(word in TRUE_WORDS)
        else:
            errors.append(ERRORS.row("true_false_answer_invalid"))
        return draft, errors
    texts = [values[f"option_{letter}"] for letter in OPTION_LETTERS]
    while texts and not texts[-1]:
        texts.pop()
    if any(not text for text in texts):
        errors.append(ERRORS.row("options_gap"))
    letters = re.sub(r"[,，、;；]", "", answer).upper()
    if not letters or not re.fullmatch(r"[A-Z]+", letters) or len(set(letters)) != len(letters):
        errors.append(ERRORS.row("answer_letters_invalid"))
        letters = ""
    filled = {OPTION_LETTERS[index] for index, text in enumerate(texts) if text}
    missing = [letter for letter in letters if letter not in filled]
    if missing:
        errors.append(ERRORS.row("answer_not_an_option", letters="".join(missing)))
    draft["options"] = [{"text": text, "correct": OPTION_LETTERS[index] in letters} for index, text in enumerate(texts)]
    return draft, errors


# A row's own parsing says these in more detail than the content checks that follow from them: a gap
# among the options leaves a blank one, an unreadable answer or one naming a blank option leaves
# too few right options.
_PARSING_COVERS = {
    "options_gap": {"options_missing"},
    "answer_letters_invalid": {"single_answer_invalid", "multiple_answer_invalid"},
    "answer_not_an_option": {"single_answer_invalid", "multiple_answer_invalid"},
}


def _said(errors: list[dict]) -> set[str]:
    codes = {error["code"] for error in errors}
    return codes.union(*(_PARSING_COVERS.get(code, set()) for code in codes))


def questions_import(
    *, actor: User, credential: Credential, data: bytes, file_name: str, now: datetime.datetime | None = None
) -> ImportReport:
    """Import a bank file (XLSX or CSV; columns 题型, 知识点, 题干, 选项A..选项F, 答案, 解析).

    All or nothing: every row is checked and reported (`report.rows`, each with its error codes);
    if any row is bad nothing is imported (`report.created` is empty), so the file is fixed and
    uploaded again whole. A row repeating the type and stem of an earlier row is a
    `duplicate_question`, of a question already in this credential's bank a `question_in_bank`. Problems with the file
    itself raise DomainError (file_empty, file_unreadable, columns_missing, file_has_no_rows...)."""
    _require_bank_manager(actor)
    now = now or timezone.now()
    table = read_table(
        file_name=file_name, data=data, aliases=COLUMNS, max_rows=MAX_IMPORT_ROWS
    )
    missing = [COLUMNS[column][0] for column in REQUIRED_COLUMNS if column not in table.columns]
    if missing:
        raise ERRORS.error("columns_missing", details={"columns": missing}, columns="、".join(missing))
    if not table.rows:
        raise ERRORS.error("file_has_no_rows")
    existing = {
        (kind, _normal(stem))
        for kind, stem in Question.objects.filter(credential=credential, current__isnull=False).values_list(
            "kind", "current__stem"
        )
    }
    seen: dict[tuple, int] = {}
    report, drafts = ImportReport(rows=[]), []
    for line, cells in table.rows:
        values = {column: table.text(cells, column) for column in COLUMNS}
        draft, errors = _parse_row(values)
        if draft["kind"]:
            # The content checks, less what the row's own parsing already said in more detail.
            content = _check_content(draft["kind"], draft["stem"], draft["options"], draft["explanation"], draft["topic"])
            said = _said(errors)
            errors += [error for error in content if error["code"] not in said]
        if not errors:
            key = (draft["kind"], _normal(draft["stem"]))
            if key in seen:
                errors.append(ERRORS.row("duplicate_question", line=seen[key]))
            elif key in existing:
                errors.append(ERRORS.row("question_in_bank"))
            else:
                seen[key] = line
        report.rows.append(RowReport(line=line, errors=errors))
        drafts.append(draft)
    if not report.ok:
        log.info("question import %r by user %s refused: %d of %d rows bad", file_name, actor.pk, len(report.bad_rows), len(report.rows))
        return report
    with transaction.atomic():
        report.created = [_create(actor=actor, credential=credential, now=now, **draft) for draft in drafts]
    log.info("question import %r by user %s: %d questions for %s", file_name, actor.pk, len(report.created), credential.code)
    return report


def question_set_active(*, actor: User, question: Question, active: bool) -> Question:
    """Take a question out of the draw for new papers, or put it back. Papers already drawn keep it."""
    _require_bank_manager(actor)
    Question.objects.filter(pk=question.pk).update(is_active=active)
    question.is_active = active
    log.info("question %s %s by user %s", question.pk, "activated" if active else "retired", actor.pk)
    return question
