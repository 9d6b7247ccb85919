"""The exam app's links: a candidate's exams; the bank, exams and sittings for those who run them."""

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kernel.hooks import Card, Item, Link, register
from lms import policies as people
from lms.models import Role

from .. import policies
from ..selectors import manage, room


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
    if reviewer:
        items.append(Link(_("Social-insurance checks"), reverse("exam:insurance_queue"), element_id="nav-insurance", order=38))
    if people.holds(user, Role.INSTITUTION_STAFF):
        items.append(
            Link(_("Applications to the institution"), reverse("exam:institution_applications"), element_id="nav-institution-applications", order=37)
        )
    if reviewer or people.holds(user, Role.INSTITUTION_STAFF):
        items.append(Link(_("Exam plans"), reverse("exam:plans"), element_id="nav-plans", order=38))
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


@register("lms.home_notices")
def home_notifications(*, user) -> list[Link]:
    """The home page says what waits for each party: the candidate's open applications, the
    enterprise's to verify, the authority's to review."""
    from ..models import ApplicationStatus as S
    from ..selectors.applications import status_counts

    if not (people.is_learner(user) or people.is_reviewer(user) or people.holds(user, Role.ENTERPRISE_ADMIN)):
        return []
    counts = status_counts(user, notices=True)
    items: list[Link] = []
    if people.is_reviewer(user) and (n := counts.get(S.ENTERPRISE_SUBMITTED, 0) + counts.get(S.SUBMITTED, 0)):
        url = reverse("exam:applications") + "?status=" + S.ENTERPRISE_SUBMITTED
        items.append(Link(_("Applications waiting for review: %(count)d") % {"count": n}, url, element_id="notice-applications-review", order=20))
    elif people.holds(user, Role.ENTERPRISE_ADMIN) and (n := counts.get(S.SUBMITTED, 0)):
        url = reverse("exam:applications") + "?status=" + S.SUBMITTED
        items.append(Link(_("Applications to verify: %(count)d") % {"count": n}, url, element_id="notice-applications-verify", order=20))
    elif people.is_learner(user) and (n := counts.get(S.APPROVED, 0)):
        items.append(
            Link(_("Approved applications: print your admission ticket (%(count)d)") % {"count": n},
                 reverse("exam:my_applications"), element_id="notice-ticket", order=20)
        )
    return items


@register("lms.person_panels")
def person_results(*, user, person) -> list:
    """On a person's page, for whoever may see their record: their exam results."""
    from ..selectors.results import person_results as results_of

    if not people.can_see_record_of(user, person.pk):
        return []
    items = []
    for attempt in results_of(person):
        score = "" if attempt.score is None else f"{attempt.score.normalize():f}" + (f" / {attempt.max_score.normalize():f}" if attempt.max_score is not None else "")
        when = attempt.graded_at or attempt.submitted_at or attempt.sitting.starts_at
        items.append(Item(
            attempt.sitting.exam.title, note=f"{formats.date_format(timezone.localtime(when), 'Y-m-d')} · {score}".strip(" ·"),
            status="passed" if attempt.passed else ("not_passed" if attempt.status == "graded" else attempt.status),
            status_label=_("Passed") if attempt.passed else (_("Not passed") if attempt.status == "graded" else attempt.get_status_display()),
            key=f"attempt-{attempt.pk}",
        ))
    return [Card(_("Exam results"), "person-results", order=30, items=tuple(items), empty=_("No exam taken yet."))]


@register("lms.home_notices")
def score_notices(*, user) -> list[Link]:
    """A candidate's new score: an attempt graded in the last 14 days."""
    import datetime

    from django.utils import timezone

    from ..models import Attempt, AttemptStatus

    person = getattr(user, "person", None) if getattr(user, "is_authenticated", False) else None
    if person is None:
        return []
    since = timezone.now() - datetime.timedelta(days=14)
    if not Attempt.objects.filter(candidate=person, status=AttemptStatus.GRADED, graded_at__gte=since).exists():
        return []
    return [Link(_("A new exam score of yours is out"), reverse("exam:my_exams"), element_id="notice-score", order=15)]


@register("lms.home_notices")
def qinghai_notices(*, user) -> list[Link]:
    """The Qinghai path (003): the institution's applications to review, those ready for an exam
    plan and its returned plans; the authority's social-insurance checks and plans to approve; the
    candidate's applications waiting on the institution or the plan."""
    from ..models import ApplicationPath
    from ..models import ApplicationStatus as S
    from ..selectors.plans import qinghai_counts

    items: list[Link] = []
    staff = people.holds(user, Role.INSTITUTION_STAFF)
    reviewer = people.is_reviewer(user)
    if staff or reviewer:
        counts = qinghai_counts(user)
        rows = [
            ("institution_submitted", _("Applications to your institution to review: %(count)d"),
             reverse("exam:institution_applications") + "?status=" + S.SUBMITTED, "notice-institution-review"),
            ("institution_insurance_checked", _("Candidates ready for an exam plan: %(count)d"),
             reverse("exam:institution_applications") + "?status=" + S.INSURANCE_CHECKED, "notice-institution-plan"),
            ("plans_returned", _("Exam plans returned by the authority: %(count)d"),
             reverse("exam:plans") + "?status=returned", "notice-plans-returned"),
            ("insurance", _("Social-insurance checks waiting: %(count)d"), reverse("exam:insurance_queue"), "notice-insurance"),
            ("plans_submitted", _("Exam plans waiting for approval: %(count)d"),
             reverse("exam:plans") + "?status=submitted", "notice-plans-review"),
        ]
        for key, label, url, element_id in rows:
            if n := counts.get(key, 0):
                items.append(Link(label % {"count": n}, url, element_id=element_id, order=21))
    if people.is_learner(user):
        from ..models import Application

        waiting = Application.objects.filter(
            candidate__user=user, path=ApplicationPath.INSTITUTION,
            status__in=(S.SUBMITTED, S.INSTITUTION_ACCEPTED, S.INSURANCE_CHECKED, S.PLANNED),
        ).count()
        if waiting:
            items.append(Link(
                _("Applications through a training institution in progress: %(count)d") % {"count": waiting},
                reverse("exam:my_applications"), element_id="notice-institution-applications", order=22,
            ))
    return items


# The home page's workspace ------------------------------------------------------------------------


def _when(sitting) -> str:
    start, end = timezone.localtime(sitting.starts_at), timezone.localtime(sitting.ends_at)
    return f"{formats.date_format(start, 'Y-m-d H:i')} – {formats.date_format(end, 'H:i')}"


@register("lms.home")
def home_cards(*, user) -> list[Card]:
    cards: list[Card] = []
    now = timezone.now()
    if people.is_learner(user):
        items = []
        for entry in room.candidate_sittings(user.person):
            attempt = entry.attempt
            if attempt and attempt.status in room.FINAL:
                continue
            if entry.sitting.ends_at <= now:
                continue
            if attempt:
                action = Link(_("Enter the exam room"), reverse("exam:room", args=[attempt.pk]))
                status, label = attempt.status, attempt.get_status_display()
            elif entry.is_open:
                action = Link(_("Enter the exam room"), reverse("exam:enter", args=[entry.sitting.pk]), method="post", element_id=f"enter-{entry.sitting.pk}")
                status, label = "open", _("Open now")
            else:
                action, status, label = None, "upcoming", _("Not open")
            items.append(Item(entry.sitting.exam.title, note=f"{_when(entry.sitting)} · {entry.sitting.authority.name}", status=status, status_label=label, action=action, key=str(entry.sitting.pk)))
        cards.append(
            Card(_("My exams"), "home-exams", order=3, items=tuple(items[:5]), empty=_("No exam is scheduled for you."),
                 links=(Link(_("My exams"), reverse("exam:my_exams")),))
        )
    if people.holds(user, Role.PROCTOR):
        today = timezone.localdate()
        sittings = [s for s in room.sittings_proctored(user).order_by("starts_at") if timezone.localtime(s.starts_at).date() <= today <= timezone.localtime(s.ends_at).date()]
        cards.append(
            Card(
                _("Today's sittings"),
                "home-proctor",
                order=5,
                items=tuple(
                    Item(s.exam.title, note=f"{_when(s)}{' · ' + s.venue if s.venue else ''}", status=manage.sitting_phase(s, now),
                         status_label=PHASES.get(manage.sitting_phase(s, now), ""),
                         action=Link(_("Proctor board"), reverse("exam:board", args=[s.pk]), element_id=f"board-{s.pk}"), key=str(s.pk))
                    for s in sittings
                ),
                empty=_("No sitting to proctor today."),
                links=(Link(_("Sittings"), reverse("exam:sittings")),),
            )
        )
    if people.is_reviewer(user) or people.holds(user, Role.INSTITUTION_STAFF):
        sittings = list(manage.sittings_for(user)[:5])
        cards.append(
            Card(
                _("Sittings and results"),
                "home-sittings",
                order=40,
                items=tuple(
                    Item(s.exam.title, url=reverse("exam:sitting", args=[s.pk]), note=_when(s),
                         status=manage.sitting_phase(s, now), status_label=PHASES.get(manage.sitting_phase(s, now), ""),
                         action=Link(_("Results"), reverse("exam:results", args=[s.pk])) if manage.sitting_phase(s, now) != "upcoming" else None, key=str(s.pk))
                    for s in sittings
                ),
                empty=_("No sitting yet."),
                links=(Link(_("Sittings"), reverse("exam:sittings")),),
            )
        )
    return cards


PHASES = {"upcoming": _lazy("Upcoming"), "open": _lazy("Open now"), "ended": _lazy("Ended")}
