"""The catalogue's link in the navigation; the editors' admin (Wagtail) for institution staff; the
institution's course drafts on the home page."""

from django.urls import reverse
from django.utils.translation import gettext as _

from kernel.hooks import Card, Figure, Item, Link, register
from lms import policies as people
from lms.models import Role

from ..forms import plain
from ..selectors import catalogue


@register("navigation")
def links(*, user) -> list[Link]:
    items = [Link(_("Course catalogue"), reverse("cms:course_list"), section="public", order=2)]
    if user.is_authenticated and people.holds(user, Role.INSTITUTION_STAFF):
        items.append(Link(_("Edit courses (content admin)"), reverse("wagtailadmin_home"), element_id="nav-wagtail", order=35))
    return items


@register("lms.home")
def home_cards(*, user) -> list[Card]:
    if not people.holds(user, Role.INSTITUTION_STAFF):
        return []
    courses = catalogue.workspace_courses(user)
    drafts = courses.filter(has_unpublished_changes=True)
    catalogues = catalogue.workspace_catalogue_ids(user)
    explore = reverse("wagtailadmin_explore", args=[catalogues[0]]) if catalogues else reverse("wagtailadmin_home")
    # A live course whose 学时 its lessons do not add up to promises learners what they cannot earn.
    mismatched = catalogue.credit_mismatches(courses.filter(live=True))
    return [
        Card(
            _("Courses"),
            "home-drafts",
            order=25,
            figures=(
                Figure(_("Drafts not yet published"), drafts.count(), explore, attention=drafts.exists(), element_id="draft-count"),
                Figure(_("Live courses"), courses.filter(live=True).count(), explore),
            ),
            items=tuple(
                Item(course.title, url=reverse("wagtailadmin_pages:edit", args=[course.pk]),
                     status="draft" if not course.live else "review",
                     status_label=_("Draft") if not course.live else _("Unpublished changes"), key=str(course.pk))
                for course in drafts[:5]
            ) + tuple(
                Item(found.course.title, url=reverse("wagtailadmin_pages:edit", args=[found.course.pk]),
                     note=_("The course awards %(declared)s 学时; its lessons award %(lessons)s") % {
                         "declared": plain(found.declared), "lessons": plain(found.lessons)},
                     status="short", status_label=_("学时 do not add up"), key=f"credit-{found.course.pk}")
                for found in mismatched[:5]
            ),
            links=(Link(_("Edit courses (content admin)"), explore, style="button"),),
        )
    ]
