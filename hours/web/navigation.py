"""The learning record's links: a learner's courses, hours and certificates; the authorities'
and enterprises' dashboards, certificates and batches; and its actions on other apps' pages."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.hooks import Link, register
from lms import policies as people
from lms.models import Role

from ..models import Certificate, CertificateStatus, Pass, PassListStatus
from ..selectors import passes as pass_selectors


@register("navigation")
def links(*, user) -> list[Link]:
    items: list[Link] = []
    if people.is_learner(user):
        items += [
            Link(_("My courses"), reverse("hours:my_courses"), section="learner", order=20),
            Link(_("My credit hours"), reverse("hours:my_hours"), section="learner", order=21),
            Link(_("My certificates"), reverse("hours:my_certificates"), section="learner", order=22),
        ]
    reviewer = people.is_reviewer(user)
    if reviewer or people.holds(user, Role.ENTERPRISE_ADMIN):
        items.append(Link(_("Credit-hour dashboard"), reverse("hours:dashboard"), order=30))
    if reviewer:
        items += [
            Link(_("Certificates"), reverse("hours:certificate_list"), order=31),
            Link(_("Extension requests"), reverse("hours:extension_list"), order=32),
            Link(_("Pass lists"), reverse("hours:pass_lists"), order=34),
        ]
    if reviewer or people.holds(user, Role.INSTITUTION_STAFF):
        items.append(Link(_("Offline training batches"), reverse("hours:offline_batches"), order=33))
    return items


@register("lms.person_actions")
def person_actions(*, user, person) -> list[Link]:
    if not people.is_reviewer(user):
        return []
    return [Link(_("Adjust credit hours"), reverse("hours:hours_adjust", args=[person.pk]), element_id="adjust-hours-link")]


@register("lms.organisation_actions")
def organisation_actions(*, user, organisation) -> list[Link]:
    if not people.administered_enterprises(user).filter(pk=organisation.pk).exists():
        return []
    return [
        Link(_("Assign a course"), reverse("hours:assign", args=[organisation.pk]), style="button"),
        Link(
            _("Certificate management"), reverse("hours:enterprise_certificates", args=[organisation.pk]),
            element_id="enterprise-certificates-link",
        ),
    ]


@register("cms.course_actions")
def course_actions(*, user, course) -> list[Link]:
    return [Link(_("Enrol and study"), reverse("hours:enrol", args=[course.pk]), element_id="enrol", method="post")]


@register("cms.lesson_link")
def lesson_link(*, user, lesson) -> list[Link]:
    return [Link(lesson.title, reverse("hours:study", args=[lesson.pk]))]


@register("cms.lesson_actions")
def lesson_actions(*, user, lesson) -> list[Link]:
    return [Link(_("Study this lesson"), reverse("hours:study", args=[lesson.pk]), style="button")]


@register("cms.course_access")
def course_access(*, user, course_ids) -> list[bool]:
    """A lesson's media is for the learners enrolled in its course (cms.policies.can_fetch_document)."""
    from ..policies import is_enrolled_in_any

    return [True] if is_enrolled_in_any(user, course_ids) else []
@register("lms.home")
def home_notices(*, user) -> list[Link]:
    """What waits on the home page: the province's pass lists to confirm; a candidate's new passes,
    issued certificates and certificates expiring within 90 days."""
    items: list[Link] = []
    if people.is_reviewer(user):
        waiting = len(pass_selectors.waiting_for_confirmation(user))
        if waiting:
            items.append(Link(_("%(count)d pass lists wait for your confirmation") % {"count": waiting},
                              reverse("hours:pass_lists") + "?status=submitted", element_id="notice-pass-lists"))
    person = getattr(user, "person", None) if getattr(user, "is_authenticated", False) else None
    if person is not None:
        today = timezone.localdate()
        confirmed = Pass.objects.filter(person=person, pass_list__status=PassListStatus.CONFIRMED, certificate__isnull=True, keep_until__gte=today).count()
        if confirmed:
            items.append(Link(_("Your exam pass has been confirmed by the province"), reverse("hours:my_certificates"), element_id="notice-pass"))
        recent = Certificate.objects.filter(holder=person, issued_on__gte=today - datetime.timedelta(days=30)).count()
        if recent:
            items.append(Link(_("A new certificate has been issued to you"), reverse("hours:my_certificates"), element_id="notice-certificate"))
        expiring = Certificate.objects.filter(
            holder=person, status=CertificateStatus.VALID, expires_on__gte=today, expires_on__lte=today + datetime.timedelta(days=90)
        ).count()
        if expiring:
            items.append(Link(_("A certificate of yours expires within 90 days"), reverse("hours:my_certificates"), element_id="notice-expiring"))
    return items
