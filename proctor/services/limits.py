"""The upload limits the face engine applies, from settings."""

from django.conf import settings

from .. import engine


def limits() -> engine.Limits:
    return engine.Limits(max_bytes=settings.UPLOAD_IMAGE_MAX_BYTES, max_pixels=settings.UPLOAD_IMAGE_MAX_PIXELS)
