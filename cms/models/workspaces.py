"""An institution's editing workspace in Wagtail."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .pages import CataloguePage


class InstitutionWorkspace(models.Model):
    """What an institution edits with: its catalogue, the Wagtail group of its staff and the
    collection for its images and documents."""

    institution = models.OneToOneField("lms.Organisation", on_delete=models.CASCADE, related_name="workspace")
    catalogue = models.OneToOneField(CataloguePage, on_delete=models.PROTECT, related_name="workspace")
    group = models.OneToOneField("auth.Group", on_delete=models.PROTECT, related_name="workspace")
    collection = models.OneToOneField("wagtailcore.Collection", on_delete=models.PROTECT, related_name="workspace")

    class Meta:
        verbose_name = _("institution workspace")
        verbose_name_plural = _("institution workspaces")
