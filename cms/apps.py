"""Wagtail pages: institution catalogues, courses and lessons."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Course catalogues")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the catalogue's credit check)
        from . import receivers  # noqa: F401  (connects the lms event receivers)
        from .web import navigation  # noqa: F401  (registers its links)
