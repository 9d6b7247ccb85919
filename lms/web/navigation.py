"""The people app's links in the navigation and its slots for other apps."""

from django.urls import reverse
from django.utils.translation import gettext as _

from kernel.hooks import Link, register

from .. import policies


@register("navigation")
def links(*, user) -> list[Link]:
    if not user.is_authenticated:
        return []
    items = [Link(_("Home"), reverse("lms:home"), section="public", order=1)]
    if policies.can_see_people_lists(user):
        items += [
            Link(_("People"), reverse("lms:people_list"), order=10),
            Link(_("Organisations"), reverse("lms:organisation_list"), order=11),
        ]
    elif policies.is_learner(user):
        items.append(Link(_("My profile"), reverse("lms:person_detail", args=[user.person.pk]), section="learner", order=90))
    if policies.is_learner(user):
        items.append(Link(_("Personal archive"), reverse("lms:archive"), element_id="nav-archive", section="learner", order=91))
    if policies.is_reviewer(user):
        items.append(Link(_("ID photo review"), reverse("lms:id_photo_reviews"), element_id="nav-id-photos", order=12))
    if policies.is_superuser(user):
        items.append(Link(_("Administration"), reverse("admin:index"), section="admin", order=1000))
    return items
