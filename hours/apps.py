"""Enrolments, study sessions, the hours ledger, credential rules and certificates."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HoursConfig(AppConfig):
    name = "hours"
    verbose_name = _("Learning record and credit hours")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the seal key's system check)
        from . import receivers  # noqa: F401  (connects the domain-event receivers)
        from .web import navigation  # noqa: F401  (registers its links)
