"""Pages of the learner's face profile, and the checked views that serve identity images."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kernel.errors import DomainError
from kernel.images import served_image, upload_bytes
from lms.selectors.people import person_of

from ..rules.consent import consent_paragraphs
from ..selectors import evidence, profiles
from ..services import consent, references


@login_required
def face(request):
    person = person_of(request.user)
    context = {
        "profile": profiles.face_profile(person),
        "references": profiles.references_active(person),
        "paragraphs": consent_paragraphs(settings.SNAPSHOT_RETENTION_DAYS),
        "consent_version": settings.BIOMETRIC_CONSENT_VERSION,
        "has_id_photo": bool(person.id_photo),
        "config": {
            "urls": {"references": reverse("api:reference_add"), "guidance": reverse("api:reference_guidance")},
            "words": {
                "no_camera": _(
                    "No camera is available, or permission was refused: allow the camera in your browser to continue."
                ),
                "guiding": _("Looking at the picture…"),
                "sending": _("Checking the capture…"),
                "added": _("Capture accepted."),
                "error": _("The connection to the server failed; try again."),
            },
        },
    }
    return render(request, "proctor/face.html", context)


def _act(request, action, success: str):
    try:
        action()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("proctor:face")


@login_required
@require_POST
def consent_give(request):
    person = person_of(request.user)
    return _act(request, lambda: consent.consent_give(person=person), _("Thank you: your consent is recorded."))


@login_required
@require_POST
def consent_withdraw(request):
    person = person_of(request.user)
    return _act(
        request,
        lambda: consent.consent_withdraw(person=person),
        _("Your consent is withdrawn and your reference photos are no longer used."),
    )


@login_required
@require_POST
def id_photo_use(request):
    """The ID photo on file becomes a reference; a learner without one uploads it here."""
    person = person_of(request.user)
    upload = request.FILES.get("photo")
    data = upload_bytes(upload) if upload else None
    return _act(
        request, lambda: references.reference_add_id_photo(person=person, data=data), _("Your ID photo is now a reference.")
    )


@login_required
@require_POST
def references_reset(request):
    person = person_of(request.user)
    return _act(
        request, lambda: references.references_reset(person=person), _("Your reference photos were cleared: enrol them again.")
    )


def _private_image(field) -> FileResponse:
    response = FileResponse(field.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@served_image
@login_required
def snapshot_image(request, snapshot_id: str):
    return _private_image(evidence.snapshot_image_get(request.user, snapshot_id).image)


@served_image
@login_required
def reference_image(request, reference_id: int):
    return _private_image(evidence.reference_image_get(request.user, reference_id).image)
