"""The learning record's links: a learner's courses, hours and certificates; the authorities'
and enterprises' dashboards, certificates and batches; and its actions on other apps' pages."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from django.utils import formats, timezone

from kernel.hooks import Card, Figure, Item, Link, register
from lms import policies as people
from lms.models import Role

from ..models import Certificate, CertificateStatus, LegacyHolding, LegacyHoldingStatus, Pass, PassListStatus
from ..selectors import legacy as legacy_selectors
from ..selectors import passes as pass_selectors
from ..selectors import home
from ..selectors.study import enrolment_of, next_lessons


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
            Link(_("Old certificates to confirm"), reverse("hours:legacy_review"), order=35),
        ]
    if reviewer or people.holds(user, Role.INSTITUTION_STAFF):
        items.append(Link(_("Offline training batches"), reverse("hours:offline_batches"), order=33))
    if not reviewer and people.holds(user, Role.INSTITUTION_STAFF):
        # The lists of the sittings their institution organised, from which it issues where the
        # scheme says the institution issues (notice 003).
        items.append(Link(_("Pass lists"), reverse("hours:pass_lists"), order=34))
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
        Link(
            _("Employees' old certificates"), reverse("hours:enterprise_legacy", args=[organisation.pk]),
            element_id="enterprise-legacy-link",
        ),
    ]


def _learner_enrolment(user, course):
    if not (user.is_authenticated and people.is_learner(user)):
        return None
    return enrolment_of(user.person, course)


@register("cms.course_actions")
def course_actions(*, user, course) -> list[Link]:
    """Enrol for who has not; once enrolled, continue with the first lesson not yet completed."""
    enrolment = _learner_enrolment(user, course)
    if enrolment is None:
        return [Link(_("Enrol and study"), reverse("hours:enrol", args=[course.pk]), element_id="enrol", method="post")]
    following = next_lessons([enrolment])[enrolment.pk]
    if following is None:
        return [Link(_("Course completed: my courses"), reverse("hours:my_courses"), element_id="enrolled")]
    return [Link(_("Continue studying"), reverse("hours:study", args=[following.pk]), element_id="continue", style="button")]


@register("cms.lesson_link")
def lesson_link(*, user, lesson) -> list[Link]:
    """A lesson links to its player only for who is enrolled in its course; the others see the
    outline and the course's enrol button (the player would refuse them)."""
    course = lesson.get_parent().specific
    if _learner_enrolment(user, course) is None:
        return []
    return [Link(lesson.title, reverse("hours:study", args=[lesson.pk]))]


@register("cms.lesson_actions")
def lesson_actions(*, user, lesson) -> list[Link]:
    return [Link(_("Study this lesson"), reverse("hours:study", args=[lesson.pk]), style="button")]


@register("cms.course_access")
def course_access(*, user, course_ids) -> list[bool]:
    """A lesson's media is for the learners enrolled in its course (cms.policies.can_fetch_document)."""
    from ..policies import is_enrolled_in_any

    return [True] if is_enrolled_in_any(user, course_ids) else []
@register("lms.home_notices")
def home_notices(*, user) -> list[Link]:
    """What waits on the home page: the province's pass lists to confirm; a candidate's new passes,
    issued certificates and certificates expiring within 90 days."""
    items: list[Link] = []
    if people.is_reviewer(user):
        waiting = len(pass_selectors.waiting_for_confirmation(user))
        if waiting:
            items.append(Link(_("%(count)d pass lists wait for your confirmation") % {"count": waiting},
                              reverse("hours:pass_lists") + "?status=submitted", element_id="notice-pass-lists"))
        legacy_waiting = legacy_selectors.waiting_count(user)
        if legacy_waiting:
            items.append(Link(_("%(count)d old certificates wait for your confirmation") % {"count": legacy_waiting},
                              reverse("hours:legacy_review"), element_id="notice-legacy"))
    person = getattr(user, "person", None) if getattr(user, "is_authenticated", False) else None
    if person is not None:
        today = timezone.localdate()
        confirmed = Pass.objects.filter(person=person, pass_list__status=PassListStatus.CONFIRMED, certificate__isnull=True, keep_until__gte=today).count()
        if confirmed:
            items.append(Link(_("Your exam pass has been confirmed by the province"), reverse("hours:my_certificates"), element_id="notice-pass"))
        if LegacyHolding.objects.filter(person=person, status=LegacyHoldingStatus.CONFIRMED, register_certificate__isnull=True).exists():
            items.append(Link(_("An old certificate of yours is confirmed: exchange it for an electronic certificate"),
                              reverse("hours:my_certificates"), element_id="notice-legacy-confirmed"))
        recent = Certificate.objects.filter(holder=person, issued_on__gte=today - datetime.timedelta(days=30)).count()
        if recent:
            items.append(Link(_("A new certificate has been issued to you"), reverse("hours:my_certificates"), element_id="notice-certificate"))
        expiring = Certificate.objects.filter(
            holder=person, status=CertificateStatus.VALID, expires_on__gte=today, expires_on__lte=today + datetime.timedelta(days=90)
        ).count()
        if expiring:
            items.append(Link(_("A certificate of yours expires within 90 days"), reverse("hours:my_certificates"), element_id="notice-expiring"))
    return items


@register("lms.home_notices")
def organisation_notices(*, user) -> list[Link]:
    """What the enterprise and the institution hear of their people's certificates: the
    enterprise, its employees' certificates expiring within 90 days and those issued in the last
    30; the institution, its candidates confirmed on a pass list and still without a certificate."""
    if not getattr(user, "is_authenticated", False):
        return []
    today = timezone.localdate()
    items: list[Link] = []
    for enterprise in home.enterprises_administered(user):
        url = reverse("hours:enterprise_certificates", args=[enterprise.pk])
        counts = home.enterprise_certificate_news(user, enterprise, today)
        if counts["expiring"]:
            items.append(Link(
                _("%(count)d certificates of %(enterprise)s's employees expire within 90 days") % {"count": counts["expiring"], "enterprise": enterprise.name},
                url + "?show=expiring", element_id=f"notice-employees-expiring-{enterprise.pk}",
            ))
        if counts["issued"]:
            items.append(Link(
                _("%(count)d certificates were issued to employees of %(enterprise)s in the last 30 days") % {"count": counts["issued"], "enterprise": enterprise.name},
                url, element_id=f"notice-employees-issued-{enterprise.pk}",
            ))
    waiting = home.institution_passers_waiting(user)
    if waiting:
        items.append(Link(
            _("%(count)d of your institution's candidates are confirmed passers without a certificate yet") % {"count": waiting},
            reverse("hours:pass_lists"), element_id="notice-institution-passers",
        ))
    return items


@register("lms.person_panels")
def person_certificates(*, user, person) -> list[Card]:
    """On a person's page, for whoever may see their record: their hours and certificates."""
    if not people.can_see_record_of(user, person.pk):
        return []
    today = timezone.localdate()
    rows, totals = home.person_record(person, as_of=today)
    return [Card(
        _("Hours and certificates"), "person-certificates", order=20,
        figures=(
            Figure(_("Hours this year"), totals["year"] or 0, element_id="person-hours-year"),
            Figure(_("Hours in all"), totals["total"] or 0, element_id="person-hours-total"),
        ),
        items=tuple(
            Item(
                f"{certificate.credential.name} · {certificate.number}",
                url=reverse("hours:certificate_pdf", args=[certificate.pk]),
                note=(standing.explanation if standing else "")
                + " · " + (_date(certificate.expires_on) if certificate.expires_on else _("no end of validity")),
                status=status, status_label=CertificateStatus(status).label, key=f"certificate-{certificate.pk}",
            )
            for certificate, status, standing in rows
        ),
        empty=_("No certificate yet."),
    )]


def _date(day) -> str:
    return formats.date_format(day, "Y-m-d")


# The home page's workspace ------------------------------------------------------------------------


def _number(value) -> str:
    text = f"{value:f}" if hasattr(value, "as_tuple") else str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


@register("lms.home")
def home_cards(*, user) -> list[Card]:
    cards: list[Card] = []
    if people.is_learner(user):
        cards += _learner_cards(user.person)
    reviewer = people.is_reviewer(user)
    enterprise_admin = people.holds(user, Role.ENTERPRISE_ADMIN)
    if reviewer:
        counts = home.review_counts(user)
        cards.append(
            Card(
                _("Awaiting review"),
                "home-review",
                order=10,
                figures=(
                    Figure(_("Offline batches to decide"), counts["batches"], reverse("hours:offline_batches"), attention=bool(counts["batches"]), element_id="review-batches"),
                    Figure(_("Extension requests"), counts["extensions"], reverse("hours:extension_list"), attention=bool(counts["extensions"]), element_id="review-extensions"),
                    Figure(_("Valid certificates"), counts["certificates"], reverse("hours:certificate_list")),
                ),
            )
        )
    if reviewer or enterprise_admin:
        standing = home.standing_counts(user)
        expiring = list(home.certificates_expiring(user)[:5])
        short = standing.get("short", 0)
        cards.append(
            Card(
                _("Credit hours of the people you oversee"),
                "home-hours",
                order=20,
                figures=(
                    Figure(_("Short of hours"), short, f"{reverse('hours:dashboard_list')}?status=short", attention=bool(short), element_id="short-of-hours"),
                    Figure(_("Reached the hours"), standing.get("met", 0), f"{reverse('hours:dashboard_list')}?status=met"),
                    Figure(_("On track"), standing.get("on_track", 0), f"{reverse('hours:dashboard_list')}?status=on_track"),
                ),
                links=(Link(_("Credit-hour dashboard"), reverse("hours:dashboard")),),
            )
        )
        cards.append(
            Card(
                _("Certificates expiring within 90 days"),
                "home-expiring",
                order=21,
                items=tuple(
                    Item(
                        f"{certificate.holder.real_name} · {certificate.credential.name}",
                        note=f"{certificate.number} · {formats.date_format(certificate.expires_on, 'Y-m-d')}",
                        status="expiring",
                        status_label=_("%(days)s days left") % {"days": (certificate.expires_on - timezone.localdate()).days},
                        key=str(certificate.pk),
                    )
                    for certificate in expiring
                ),
                empty=_("No certificate expires within 90 days."),
            )
        )
    if people.holds(user, Role.INSTITUTION_STAFF):
        batches = home.recent_batches(user)
        cards.append(
            Card(
                _("Offline training batches"),
                "home-batches",
                order=30,
                items=tuple(
                    Item(
                        batch.file_name,
                        url=reverse("hours:offline_batch", args=[batch.pk]),
                        note=formats.date_format(timezone.localtime(batch.uploaded_at), "Y-m-d H:i"),
                        status=batch.status,
                        status_label=batch.get_status_display(),
                        key=str(batch.pk),
                    )
                    for batch in batches
                ),
                empty=_("No batch uploaded yet."),
                links=(
                    Link(_("Upload a batch"), reverse("hours:offline_batch_upload"), style="button"),
                    Link(_("All batches"), reverse("hours:offline_batches")),
                ),
            )
        )
    return cards


def _learner_cards(person) -> list[Card]:
    courses = home.courses_to_continue(person)
    needs = home.hours_needed_this_year(person)
    cards = [
        Card(
            _("Courses in progress"),
            "home-courses",
            order=1,
            items=tuple(
                Item(
                    entry.progress.enrolment.course.title,
                    url=entry.progress.enrolment.course.url or "",
                    note=_("%(done)s of %(total)s lessons") % {"done": entry.progress.completed, "total": entry.progress.lessons},
                    progress=entry.progress.percent,
                    action=Link(_("Continue studying"), reverse("hours:study", args=[entry.next_lesson.pk]), element_id=f"continue-{entry.progress.enrolment.course_id}")
                    if entry.next_lesson
                    else None,
                    key=str(entry.progress.enrolment.course_id),
                )
                for entry in courses
            ),
            empty=_("You are not studying a course. Choose one in the catalogue."),
            links=(Link(_("Course catalogue"), reverse("cms:course_list")), Link(_("My courses"), reverse("hours:my_courses"))),
        )
    ]
    year = timezone.localdate().year
    cards.append(
        Card(
            _("Credit hours in %(year)s") % {"year": year},
            "home-year-hours",
            order=2,
            items=tuple(
                Item(
                    need.credential,
                    note=_("%(total)s of %(required)s credit hours") % {"total": _number(need.total), "required": _number(need.required)},
                    status="met" if not need.shortfall else "short",
                    status_label=_("Reached") if not need.shortfall else _("%(hours)s still needed") % {"hours": _number(need.shortfall)},
                    progress=min(100, int(100 * need.total / need.required)) if need.required else 100,
                    key=need.certificate_number,
                )
                for need in needs
            ),
            empty=_("You hold no valid certificate that counts credit hours."),
            links=(Link(_("My credit hours"), reverse("hours:my_hours")), Link(_("My certificates"), reverse("hours:my_certificates"))),
        )
    )
    return cards
