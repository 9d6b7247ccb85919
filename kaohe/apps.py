from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KaoheConfig(AppConfig):
    """The project's wiring: settings, URLs, routing, the API, Celery, system checks, the demo."""

    name = "kaohe"
    verbose_name = _("Kaohe")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
