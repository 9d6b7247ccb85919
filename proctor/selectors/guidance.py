"""Live guidance for the reference capture: one frame from the camera analysed and judged, nothing
stored and nothing logged (it is not evidence; the capture that follows is)."""

from django.conf import settings

from lms.models import Person

from .. import engine
from ..policies import consent_require
from ..rules.guidance import Guidance, capture_guidance


def reference_guidance(*, person: Person, data: bytes) -> Guidance:
    """`ImageRejected` for what is not a sane image (the API turns it into a refusal)."""
    consent_require(person)
    image = engine.decode(data, engine.Limits(max_bytes=settings.UPLOAD_IMAGE_MAX_BYTES, max_pixels=settings.UPLOAD_IMAGE_MAX_PIXELS))
    analysis = engine.prepare(image)
    return capture_guidance(
        faces=analysis.faces, box=analysis.box, width=analysis.width, height=analysis.height,
        quality_issue=analysis.quality_issue,
    )
