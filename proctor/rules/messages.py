"""What a face decision tells the learner, in their language."""

from django.utils.translation import gettext as _

from ..models import Decision


def decision_message(decision: str, reason: str = "") -> str:
    if decision == Decision.INCONCLUSIVE:
        return {
            "too_dark": _("The picture is too dark: turn on a light or face a window."),
            "too_bright": _("The picture is too bright: move away from the light behind or in front of you."),
            "blurred": _("The picture is blurred: hold still and clean the camera."),
            "face_too_small": _("Your face is too small in the picture: come closer to the camera."),
        }.get(reason, _("The check could not decide: adjust the light and your position, then try again."))
    return {
        Decision.VERIFIED: _("Verified."),
        Decision.NO_FACE: _("No face was seen: look at the camera."),
        Decision.SEVERAL_FACES: _("More than one face was seen: only you may be in front of the camera."),
        Decision.MISMATCH: _("The face does not match your reference photos."),
    }.get(decision, "")
