"""Wagtail pages of the catalogues (catalogue, course, lesson) and the workspaces of institutions."""

from .pages import (
    CataloguePage,
    CoursePage,
    KnowledgeCategory,
    LessonAttachment,
    LessonPage,
)
from .workspaces import InstitutionWorkspace

__all__ = [
    "CataloguePage",
    "CoursePage",
    "InstitutionWorkspace",
    "KnowledgeCategory",
    "LessonAttachment",
    "LessonPage",
]
