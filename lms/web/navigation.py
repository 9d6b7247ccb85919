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
    if policies.is_learner(user):
        items.append(
            Link(_("Employment invitations"), reverse("lms:my_invitations"), element_id="nav-invitations", section="learner", order=92)
        )
    if policies.is_reviewer(user):
        items.append(Link(_("ID photo review"), reverse("lms:id_photo_reviews"), element_id="nav-id-photos", order=12))
        items.append(
            Link(_("Personnel change review"), reverse("lms:personnel_changes"), element_id="nav-personnel-changes", order=13)
        )
    if policies.is_superuser(user):
        items.append(Link(_("Administration"), reverse("admin:index"), section="admin", order=1000))
    return items


@register("lms.home_notices")
def home_notices(*, user) -> list[Link]:
    """What waits about employment: the person's invitations, the enterprise's employees leaving for
    another enterprise (waiting for review, or moved on lately), the reviewer's change requests."""
    from ..selectors.employment_requests import home_counts

    if not user.is_authenticated:
        return []
    counts = home_counts(user)
    items: list[Link] = []
    if n := counts.get("invitations"):
        items.append(
            Link(_("Invitations from enterprises to confirm: %(count)d") % {"count": n}, reverse("lms:my_invitations"),
                 element_id="notice-invitations", order=10)
        )
    enterprises = policies.administered_enterprises(user)
    if counts.get("leaving") or counts.get("left"):
        first = enterprises.order_by("pk").first()
        url = reverse("lms:organisation_detail", args=[first.pk]) + "#employees-leaving" if first else ""
        if n := counts.get("leaving"):
            items.append(
                Link(_("Employees moving to another enterprise, waiting for review: %(count)d") % {"count": n}, url,
                     element_id="notice-employees-leaving", order=11)
            )
        if n := counts.get("left"):
            items.append(
                Link(_("Employees who moved to another enterprise in the last 30 days: %(count)d") % {"count": n}, url,
                     element_id="notice-employees-left", order=12)
            )
    if n := counts.get("to_review"):
        items.append(
            Link(_("Personnel change requests waiting for review: %(count)d") % {"count": n},
                 reverse("lms:personnel_changes") + "?status=review", element_id="notice-personnel-changes", order=13)
        )
    return items
