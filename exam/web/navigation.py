"""The exam app's links: a candidate's exams; the bank, exams and sittings for those who run them."""

from django.urls import reverse
from django.utils.translation import gettext as _

from kernel.hooks import Link, register
from lms import policies as people
from lms.models import Role

from .. import policies


@register("navigation")
def links(*, user) -> list[Link]:
    items: list[Link] = []
    if people.is_learner(user):
        items.append(Link(_("My exams"), reverse("exam:my_exams"), element_id="nav-my-exams", section="learner", order=25))
    reviewer = people.is_reviewer(user)
    if reviewer:
        items += [
            Link(_("Question bank"), reverse("exam:bank"), element_id="nav-bank", order=40),
            Link(_("Exams"), reverse("exam:exams"), element_id="nav-exams", order=41),
        ]
    if people.is_learner(user):
        items.append(Link(_("My data"), reverse("exam:my_data"), element_id="nav-my-data", section="learner", order=29))
    if policies.can_audit(user):
        items.append(Link(_("Audit portal"), reverse("exam:audit_log"), element_id="nav-audit", order=45))
    if reviewer or people.holds(user, Role.PROCTOR) or people.holds(user, Role.INSTITUTION_STAFF):
        items.append(Link(_("Sittings"), reverse("exam:sittings"), element_id="nav-sittings", order=42))
    return items
