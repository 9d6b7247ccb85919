"""Face profiles, the face engine, snapshots, proctoring events and the capture log."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProctorConfig(AppConfig):
    name = "proctor"
    verbose_name = _("Identity and proctoring")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the capture log's system checks)
        from .web import navigation  # noqa: F401  (registers its links)
