"""Safe handling of uploaded images: size caps, decompression bombs, EXIF orientation, odd modes.

Every uploaded photo is decoded here and re-encoded as a plain JPEG, which also drops its metadata
(camera, GPS position) before anything is stored.
"""

import io
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ERRORS, DomainError

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})


class ImageRejected(Exception):
    """The bytes are not an image we will read. `code` is stable, for callers to map."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


def open_image(data: bytes, *, max_bytes: int, max_pixels: int) -> Image.Image:
    """Bytes to an upright RGB image, refusing what is not a sane image before decoding it.
    Free of Django, so that the face engine and its benchmarks share it."""
    if not data:
        raise ImageRejected("image_empty")
    if len(data) > max_bytes:
        raise ImageRejected("image_too_large", f"{len(data)} bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise ImageRejected("image_unsupported", str(image.format))
            # The header's size is checked before a pixel is decoded: a small PNG can claim billions.
            if image.width * image.height > max_pixels:
                raise ImageRejected("image_too_many_pixels", f"{image.width}x{image.height}")
            image.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageRejected("image_too_many_pixels", str(error)) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        # Truncated JPEGs, corrupt PNG chunks and non-images all land here.
        raise ImageRejected("image_corrupt", str(error)) from error
    return _to_rgb(ImageOps.exif_transpose(image))


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in {"RGBA", "LA"} or (image.mode == "P" and "transparency" in image.info):
        # Transparent pixels become white, as a photo on a page would look, not black.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")  # greyscale, palette and CMYK alike


def image_error(error: ImageRejected) -> DomainError:
    """The refusal for an image `open_image` rejected, in the kernel's words (an image code)."""
    return ERRORS.error(error.code, mb=settings.UPLOAD_IMAGE_MAX_BYTES // (1024 * 1024))


def decode_image(data: bytes) -> Image.Image:
    """Decode an upload into an upright RGB image, or raise DomainError with a code the user can act on."""
    try:
        return open_image(data, max_bytes=settings.UPLOAD_IMAGE_MAX_BYTES, max_pixels=settings.UPLOAD_IMAGE_MAX_PIXELS)
    except ImageRejected as error:
        raise image_error(error) from error


def upload_bytes(upload) -> bytes:
    """An uploaded file's bytes, reading one byte past the cap so that a giant file is refused
    without reading all of it."""
    return upload.read(settings.UPLOAD_IMAGE_MAX_BYTES + 1) if upload else b""


def upload_frames(request, field: str = "frame", limit: int = 6) -> list[bytes]:
    """The frames of a burst (a repeated multipart field), each read as upload_bytes reads one; at
    most `limit` are read, and one more makes the list too long for the caller to accept."""
    return [upload_bytes(upload) for upload in request.FILES.getlist(field)[: limit + 1]]


def encode_jpeg(image: Image.Image, *, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def clean_uploaded_photo(data: bytes, *, name: str = "photo.jpg") -> ContentFile:
    """Decode, normalise and re-encode an uploaded photo, ready to save in a private field."""
    return ContentFile(encode_jpeg(decode_image(data)), name=name)


# A stored image opened on its own (a reviewer's "open the snapshot") is shown by the browser in a
# page it draws itself with inline styles, which the site's policy (style-src 'self') would refuse.
# The response is a re-encoded JPEG and runs no script, so only its own page may style itself.
def served_image(view):
    from csp.decorators import csp_replace

    return csp_replace({"style-src": ["'unsafe-inline'"], "script-src": ["'none'"]})(view)
