"""The catalogue side of the demo data: courses and lessons, with real short videos, for every
institution that has no course yet."""

from decimal import Decimal

from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

from lms.models import Credential, Organisation, OrganisationKind

from .demo_video import lesson_video
from .models import CoursePage, KnowledgeCategory, LessonPage
from .rules.credit import hours_for_minutes
from .services.workspaces import workspace_provision

COURSES = [
    {
        "title": "建筑施工安全生产法律法规",
        "summary": "《安全生产法》《建设工程安全生产管理条例》要点，安管人员年度安全生产教育培训。",
        "category": KnowledgeCategory.GENERAL,
        "credentials": ["A", "B", "C"],
        "lessons": [("安全生产法概述", "Law 1"), ("安全生产责任制", "Law 2")],
    },
    {
        "title": "危险性较大的分部分项工程安全管理",
        "summary": "深基坑、高大模板、起重吊装等危大工程的专项方案、论证与现场监督。",
        "category": KnowledgeCategory.GENERAL,
        "credentials": ["A", "B", "C", "AQY"],
        "lessons": [("危大工程范围与专项方案", "Risk 1")],
    },
    {
        "title": "土建施工员专业岗位知识：混凝土结构施工",
        "summary": "模板、钢筋、混凝土工程的施工工艺与质量控制，施工现场专业人员继续教育专业课。",
        "category": KnowledgeCategory.PROFESSIONAL,
        "credentials": ["101", "106"],
        "lessons": [("模板工程", "Formwork"), ("钢筋工程", "Rebar"), ("混凝土浇筑与养护", "Concrete")],
    },
]

# Each demo lesson is 4.5 minutes of real video, which is 0.1 学时 at 45 minutes a 学时: the demo's
# courses award what their lessons' length can earn (cms.rules.credit), no more. Two frames a
# second keep the encoding of the demo quick.
LESSON_SECONDS = 270
LESSON_FPS = 2


def seed() -> list:
    videos: dict[str, bytes] = {}  # one encoding per lesson, shared by the institutions' copies
    minutes = Decimal(LESSON_SECONDS) / 60
    lesson_hours = hours_for_minutes(minutes)
    for institution in Organisation.objects.filter(kind=OrganisationKind.INSTITUTION):
        workspace = workspace_provision(institution=institution)
        if CoursePage.objects.child_of(workspace.catalogue).exists():
            continue
        for spec in COURSES:
            course = CoursePage(
                title=spec["title"],
                summary=spec["summary"],
                category=spec["category"],
                credit_hours=lesson_hours * len(spec["lessons"]),
            )
            workspace.catalogue.add_child(instance=course)
            course.credentials.set(Credential.objects.filter(code__in=spec["credentials"]))
            course.save_revision().publish()
            for title, label in spec["lessons"]:
                if label not in videos:
                    videos[label] = lesson_video(seconds=LESSON_SECONDS, label=label, fps=LESSON_FPS)
                video = get_document_model().objects.create(
                    title=title,
                    collection=workspace.collection,
                    file=ContentFile(videos[label], name="lesson.webm"),
                )
                lesson = LessonPage(
                    title=title,
                    video=video,
                    minutes=minutes.quantize(Decimal("0.1")),
                    credit_hours=lesson_hours,
                    body=f"<p>{spec['summary']}</p>",
                )
                course.add_child(instance=lesson)
                lesson.save_revision().publish()
    return []
