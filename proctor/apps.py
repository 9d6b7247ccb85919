"""Face profiles, the face engine, snapshots, proctoring events and the capture log."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProctorConfig(AppConfig):
    name = "proctor"
    verbose_name = _("Identity and proctoring")

    def ready(self) -> None:
        from .web import navigation  # noqa: F401  (registers its links)
