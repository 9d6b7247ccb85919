"""The face profile's link in the navigation."""

from django.urls import reverse
from django.utils.translation import gettext as _

from kernel.hooks import Link, register
from lms.policies import is_learner


@register("navigation")
def links(*, user) -> list[Link]:
    if not is_learner(user):
        return []
    return [Link(_("Face verification"), reverse("proctor:face"), section="learner", order=24)]
