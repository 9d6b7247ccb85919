"""The exam app's links: a candidate's exams; the bank, exams and sittings for those who run them."""

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kernel.hooks import Card, Item, Link, register
from lms import policies as people
from lms.models import Role

from ..selectors import manage, room


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
    if reviewer or people.holds(user, Role.PROCTOR) or people.holds(user, Role.INSTITUTION_STAFF):
        items.append(Link(_("Sittings"), reverse("exam:sittings"), element_id="nav-sittings", order=42))
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
