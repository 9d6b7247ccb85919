from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KernelConfig(AppConfig):
    """What knows no domain: errors, events after commit, the audit trail, tables, images, storage."""

    name = "kernel"
    verbose_name = _("Platform kernel")
