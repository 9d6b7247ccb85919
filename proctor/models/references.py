"""A person's reference faces: the images and encodings later snapshots are compared with."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.storage import private_storage


def reference_path(instance, filename: str) -> str:
    return f"face-references/{uuid.uuid4().hex}.jpg"


class ReferenceSource(models.TextChoices):
    ID_PHOTO = "id_photo", _("ID photo")
    WEBCAM = "webcam", _("Webcam capture")


class FaceReference(models.Model):
    """One accepted reference image and its encoding. Redoing the reference retires the old set."""

    person = models.ForeignKey("lms.Person", on_delete=models.PROTECT, related_name="face_references")
    source = models.CharField(_("source"), max_length=16, choices=ReferenceSource.choices)
    image = models.ImageField(storage=private_storage, upload_to=reference_path)
    sha256 = models.CharField(max_length=64)
    encoding = models.BinaryField()
    created_at = models.DateTimeField(_("added at"))
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("face reference")
        verbose_name_plural = _("face references")
        ordering = ["created_at", "id"]
