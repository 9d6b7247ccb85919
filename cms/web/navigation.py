"""The catalogue's link in the navigation."""

from django.urls import reverse
from django.utils.translation import gettext as _

from kernel.hooks import Link, register


@register("navigation")
def links(*, user) -> list[Link]:
    return [Link(_("Course catalogue"), reverse("cms:course_list"), section="public", order=0)]
