"""Safe handling of uploaded images: size caps, decompression bombs, EXIF orientation, odd modes.

Every uploaded photo is decoded here and re-encoded as a plain JPEG, which also drops its metadata
(camera, GPS position) before anything is stored.
"""

import io
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import DomainError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "BMP"}


def decode_image(data: bytes) -> Image.Image:
    """Decode bytes into an upright RGB image, or raise DomainError with a code the user can act on."""
    if len(data) > settings.UPLOAD_IMAGE_MAX_BYTES:
        raise DomainError(
            code="image_too_large",
            message=_("The image is larger than %(mb)d MB.") % {"mb": settings.UPLOAD_IMAGE_MAX_BYTES // (1024 * 1024)},
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise DomainError(code="image_format", message=_("Upload a JPEG or PNG photo."))
            if image.width * image.height > settings.UPLOAD_IMAGE_MAX_PIXELS:
                raise DomainError(code="image_too_large", message=_("The image has too many pixels."))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(code="image_too_large", message=_("The image has too many pixels."))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise DomainError(code="image_corrupt", message=_("The file is not a readable image."))
    image = ImageOps.exif_transpose(image)
    if image.mode != "RGB":
        # RGBA, greyscale, palette and CMYK all end as RGB; transparency becomes white.
        if image.mode in {"RGBA", "LA", "P"}:
            image = image.convert("RGBA")
            background = Image.new("RGB", image.size, (255, 255, 255))
            background.paste(image, mask=image.getchannel("A"))
            image = background
        else:
            image = image.convert("RGB")
    return image


def encode_jpeg(image: Image.Image, *, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def clean_uploaded_photo(data: bytes, *, name: str = "photo.jpg") -> ContentFile:
    """Decode, normalise and re-encode an uploaded photo, ready to save in a private field."""
    return ContentFile(encode_jpeg(decode_image(data)), name=name)
