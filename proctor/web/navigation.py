"""The face profile's link in the navigation, and a home card while the profile is incomplete."""

from django.urls import reverse
from django.utils.translation import gettext as _

from kernel.hooks import Card, Item, Link, register
from lms.policies import is_learner

from ..selectors.profiles import face_profile


@register("navigation")
def links(*, user) -> list[Link]:
    if not is_learner(user):
        return []
    return [Link(_("Face verification"), reverse("proctor:face"), section="learner", order=24)]


@register("lms.home")
def home_cards(*, user) -> list[Card]:
    if not is_learner(user):
        return []
    profile = face_profile(user.person)
    if profile.ready:
        return []
    steps = (
        Item(_("Consent to face verification"), status="met" if profile.consent else "missing",
             status_label=_("Done") if profile.consent else _("To do")),
        Item(_("ID photo as a reference"), status="met" if profile.id_photo else "missing",
             status_label=_("Done") if profile.id_photo else _("To do")),
        Item(_("Live captures with the camera"), status="met" if not profile.webcam_needed else "missing",
             status_label=_("Done") if not profile.webcam_needed else _("%(count)s more") % {"count": profile.webcam_needed}),
    )
    return [
        Card(
            _("Complete your face profile"),
            "home-face",
            order=0,
            note=_("Study time and exams need it."),
            items=steps,
            links=(Link(_("Complete it now"), reverse("proctor:face"), style="button", element_id="home-face-link"),),
        )
    ]
