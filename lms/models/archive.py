"""The personal archive's documents (个人档案): each an upload stored privately and shown only to the
person and to those who review their applications (lms.policies.can_see_archive)."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.storage import private_storage


def archive_path(instance, filename: str) -> str:
    return f"archive/{uuid.uuid4().hex}"


class DocumentKind(models.TextChoices):
    GRADUATION = "graduation", _("Graduation certificate")
    CONSTRUCTOR = "constructor", _("Registered constructor certificate")
    MEDICAL = "medical", _("Medical examination form (county-level hospital or higher)")
    TITLE = "title", _("Professional title certificate")
    OTHER = "other", _("Other document")


class ArchiveDocument(models.Model):
    person = models.ForeignKey("lms.Person", on_delete=models.PROTECT, related_name="archive_documents")
    kind = models.CharField(_("document"), max_length=16, choices=DocumentKind.choices)
    file = models.FileField(storage=private_storage, upload_to=archive_path)
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("archive document")
        verbose_name_plural = _("archive documents")
        ordering = ["kind", "-uploaded_at", "-id"]
        indexes = [models.Index(fields=["person", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.person_id}"
