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
        items.append(
            Link(_("Exam applications"), reverse("exam:my_applications"), element_id="nav-my-applications", section="learner", order=24)
        )
    reviewer = people.is_reviewer(user)
    if reviewer or people.holds(user, Role.ENTERPRISE_ADMIN):
        items.append(Link(_("Applications"), reverse("exam:applications"), element_id="nav-applications", order=39))
    if reviewer or people.holds(user, Role.PROCTOR):
        items.append(Link(_("Ticket check-in"), reverse("exam:checkin"), element_id="nav-checkin", order=43))
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


@register("lms.archive_locked")
def archive_locked(*, person) -> list[bool]:
    """The archive is locked once an authority has approved one of the person's applications."""
    from ..models import REVIEWED, Application

    return [True] if Application.objects.filter(candidate=person, status__in=REVIEWED).exists() else []


@register("lms.home")
def home_notifications(*, user) -> list[Link]:
    """The home page says what waits for each party: the candidate's open applications, the
    enterprise's to verify, the authority's to review."""
    from ..models import ApplicationStatus as S
    from ..selectors.applications import status_counts

    if not (people.is_learner(user) or people.is_reviewer(user) or people.holds(user, Role.ENTERPRISE_ADMIN)):
        return []
    counts = status_counts(user)
    items: list[Link] = []
    if people.is_reviewer(user) and (n := counts.get(S.ENTERPRISE_SUBMITTED, 0) + counts.get(S.SUBMITTED, 0)):
        url = reverse("exam:applications") + "?status=" + S.ENTERPRISE_SUBMITTED
        items.append(Link(_("Applications waiting for review: %(count)d") % {"count": n}, url, element_id="home-review", order=20))
    elif people.holds(user, Role.ENTERPRISE_ADMIN) and (n := counts.get(S.SUBMITTED, 0)):
        url = reverse("exam:applications") + "?status=" + S.SUBMITTED
        items.append(Link(_("Applications to verify: %(count)d") % {"count": n}, url, element_id="home-verify", order=20))
    elif people.is_learner(user) and (n := counts.get(S.APPROVED, 0)):
        items.append(
            Link(_("Approved applications: print your admission ticket (%(count)d)") % {"count": n},
                 reverse("exam:my_applications"), element_id="home-ticket", order=20)
        )
    return items
