"""Registrations, sittings, question banks, papers, attempts and grading."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExamConfig(AppConfig):
    name = "exam"
    verbose_name = _("Exams")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the domain-event receivers)
        from .web import navigation  # noqa: F401  (registers its links)
